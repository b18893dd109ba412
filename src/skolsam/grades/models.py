"""Hold grades (SS 12000 `Grade`), teachers' licences and the rektor's grading periods.

A grade decision is never changed: each decision (a grade set, an Ändring, a Rättelse, a
prövning) is a new `Grade` row, and a later decision on the same grade points at the one
it replaces (`supersedes`). The model and its querysets refuse to save an existing row or
delete one, and the database refuses UPDATE and DELETE too (triggers: migration 0002 and
`grades.triggers`, on PostgreSQL and SQLite). The grade catalogue is kept for ever.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone

from skolsam.core.choices import SchoolType
from skolsam.core.models import SS12000Entity


class ImmutableGradeError(RuntimeError):
    """A grade decision cannot be changed or deleted; a new decision is a new row."""


class Semester(models.TextChoices):
    """SS 12000 Code_Semester."""

    HT = "HT", "Hösttermin"
    VT = "VT", "Vårtermin"


class CorrectionType(models.TextChoices):
    """SS 12000 Code_GradeCorrectionType."""

    ANDRING = "Ändring", "Ändring"
    RATTELSE = "Rättelse", "Rättelse"


class DecisionKind(models.TextChoices):
    """What kind of decision a grade row records."""

    SET = "Satt", "Betyg satt"
    # SL 3:20: an obviously wrong grade changed by the teacher; never lower.
    ANDRING = "Ändring", "Ändring"
    # A clerical error corrected by the rektor.
    RATTELSE = "Rättelse", "Rättelse"
    PROVNING = "Prövning", "Prövning"


class GradeOrigin(models.TextChoices):
    """Where a grade comes from: every kind is a first-class grade, marked as such."""

    HERE = "Här", "Satt vid skolenheten"
    PROVNING = "Prövning", "Prövning"
    EARLIER_SCHOOL = "Tidigare skola", "Från tidigare skola"
    EARLIER_SCHOOL_FORM = "Tidigare skolform", "Från tidigare skolform"


class GradeQuerySet(models.QuerySet):
    """Refuse bulk changes, so that no code path edits a decision in place."""

    def update(self, **kwargs: Any) -> int:
        raise ImmutableGradeError("Ett betygsbeslut kan inte ändras; fatta ett nytt beslut.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ImmutableGradeError("Ett betygsbeslut kan inte tas bort.")

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> int:
        raise ImmutableGradeError("Ett betygsbeslut kan inte ändras; fatta ett nytt beslut.")

    def current(self) -> GradeQuerySet:
        """Return the decisions no later decision replaces: the grades as they stand."""
        return self.filter(superseded_by__isnull=True)


class Grade(SS12000Entity):
    """One grade decision: SS 12000's `Grade`, plus who decided it, how and why.

    The fields named in the spec keep its names (snake_case). `lineage` is the id of the
    grade's first decision, shared by every later one: the id SS 12000 will publish.
    """

    lineage = models.UUIDField(db_index=True, editable=False)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    version = models.PositiveSmallIntegerField(default=1)

    # --- SS 12000 Grade ------------------------------------------------------------------
    student = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="grades")
    # The school unit where the teaching took place (for a grade from an earlier school:
    # the unit that keeps the record; `origin_school` names the other one).
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    group = models.ForeignKey(
        "groups.Group", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    registered_by = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    registered_date = models.DateField()
    # Null only for a grade from an earlier school whose teacher is not in the register.
    grading_teacher = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    grade_value = models.CharField(max_length=3)
    final_grade = models.BooleanField(default=False)
    trial = models.BooleanField(default=False)
    adapted_study_plan = models.TextField(blank=True)
    remark = models.TextField(blank=True)
    converted = models.BooleanField(default=False)
    correction_type = models.CharField(max_length=10, choices=CorrectionType.choices, blank=True)
    semester = models.CharField(max_length=2, choices=Semester.choices)
    year = models.PositiveSmallIntegerField()
    # The subject (grundskola, GY25 ämnesbetyg) or course (GY11), with its points.
    syllabus = models.ForeignKey("curriculum.Syllabus", on_delete=models.PROTECT, related_name="+")
    # SS 12000 Grade_diplomaProject: {title, description, titleEnglish, descriptionEnglish}.
    diploma_project = models.JSONField(null=True, blank=True)

    # --- where the grade comes from ------------------------------------------------------
    origin = models.CharField(max_length=20, choices=GradeOrigin.choices, default=GradeOrigin.HERE)
    # The earlier school (name and school unit code) or school form, as the document says.
    origin_school = models.CharField(max_length=200, blank=True)
    # The school form the value was given in (its value set), e.g. GR or GY.
    school_type = models.CharField(max_length=10, choices=SchoolType.choices)

    # --- the decision --------------------------------------------------------------------
    kind = models.CharField(max_length=10, choices=DecisionKind.choices)
    reason = models.TextField(blank=True)
    decided_at = models.DateTimeField(default=timezone.now)
    # Whether the grading teacher held a licence covering the subject and school year
    # when the decision was made (SL 3:16); if not, a licensed co-signer decided with them.
    grading_teacher_licensed = models.BooleanField(default=False)
    co_signer = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    co_signer_licensed = models.BooleanField(null=True, blank=True)
    grading_period = models.ForeignKey(
        "grades.GradingPeriod",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grades",
    )

    objects = GradeQuerySet.as_manager()

    class Meta:
        ordering = ["student", "syllabus", "year", "semester", "version"]
        # Related-object access and Django internals use the base manager: make it ours.
        base_manager_name = "objects"
        indexes = [
            models.Index(fields=["student", "syllabus"]),
            models.Index(fields=["organisation", "year", "semester"]),
        ]
        constraints = [
            # The first decision sets a grade (here, by prövning or from elsewhere); every
            # later one is an Ändring or a Rättelse of the one it replaces, and says so.
            models.CheckConstraint(
                condition=(
                    Q(supersedes__isnull=True, version=1, kind__in=["Satt", "Prövning"])
                    & Q(correction_type="")
                )
                | (
                    Q(supersedes__isnull=False, version__gt=1)
                    & (
                        Q(kind="Ändring", correction_type="Ändring")
                        | Q(kind="Rättelse", correction_type="Rättelse")
                    )
                ),
                name="grade_decision_kind",
            ),
            models.CheckConstraint(
                condition=~Q(kind="Prövning") | Q(trial=True, origin="Prövning"),
                name="grade_provning_is_trial",
            ),
            # A pupil gets one grade per subject in a period; later decisions replace it.
            models.UniqueConstraint(
                fields=["student", "syllabus", "grading_period"],
                condition=Q(supersedes__isnull=True, grading_period__isnull=False),
                name="grade_set_once_per_period",
            ),
            # SL 3:16: a grade set here by an unlicensed teacher has a licensed co-signer.
            models.CheckConstraint(
                condition=Q(origin__in=["Tidigare skola", "Tidigare skolform"])
                | Q(grading_teacher_licensed=True)
                | Q(co_signer__isnull=False, co_signer_licensed=True),
                name="grade_licensed_or_co_signed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grade_value} ({self.kind} {self.semester}{self.year}, v{self.version})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableGradeError("Ett betygsbeslut kan inte ändras; fatta ett nytt beslut.")
        if self.lineage is None:
            self.lineage = self.id if self.supersedes_id is None else self.supersedes.lineage
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableGradeError("Ett betygsbeslut kan inte tas bort.")


class TeacherLicence(models.Model):
    """A teacher's legitimation, as Skolverket issued it, recorded on the person.

    It lives in grades, not people: the register (people) sits below grades in the
    layers and needs no licence; grading is what reads it (SL 3:16).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="teacher_licences"
    )
    # Skolverket's decision date; valid until revoked (`valid_to`).
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["person", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="licence_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"Legitimation {self.person_id} från {self.valid_from}"


class LicenceQualification(models.Model):
    """What a licence covers (behörighet): a subject in a school form, for some years."""

    licence = models.ForeignKey(
        TeacherLicence, on_delete=models.CASCADE, related_name="qualifications"
    )
    school_type = models.CharField(max_length=10, choices=SchoolType.choices)
    # Skolverket's subject code, as on `Syllabus.subject_code` (GRGRMAT01, MAT, ...).
    subject_code = models.CharField(max_length=32)
    # The school years covered, both inclusive; empty where the form has no years (GY).
    school_year_from = models.PositiveSmallIntegerField(null=True, blank=True)
    school_year_to = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["school_type", "subject_code"])]

    def __str__(self) -> str:
        years = (
            f" åk {self.school_year_from}–{self.school_year_to}"
            if self.school_year_from is not None
            else ""
        )
        return f"{self.school_type} {self.subject_code}{years}"


class GradingPeriodKind(models.TextChoices):
    # Term grades in grundskola from year 6 (from year 4 where the rektor decides).
    TERM = "Terminsbetyg", "Terminsbetyg"
    # Final grades: year 9, and when a subject ends.
    FINAL = "Slutbetyg", "Slutbetyg"
    # Course or subject grades in upper secondary and komvux when the course ends.
    COURSE_END = "Kursslut", "Betyg vid kursens eller ämnets slut"


class GradingPeriod(models.Model):
    """A window the rektor opens and closes, in which teachers set a unit's grades."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=GradingPeriodKind.choices)
    semester = models.CharField(max_length=2, choices=Semester.choices)
    year = models.PositiveSmallIntegerField()
    # Term grades in grundskolan: from this school year on (6, or as early as 4 where the
    # rektor so decides; grades.rules.TERM_GRADES_FROM_YEAR). Empty for other kinds.
    first_school_year = models.PositiveSmallIntegerField(null=True, blank=True)
    opened_by = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    closed_by = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    # The rektor's publication: from then the period's grades are shown to pupils and
    # guardians and served to API clients (`grades.services.publication`).
    published_by = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-year", "semester", "kind"]
        constraints = [
            # One period of a kind per unit and term; closing it ends it.
            models.UniqueConstraint(
                fields=["organisation", "kind", "semester", "year"],
                name="grading_period_one_per_term",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.semester} {self.year}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def final_grade(self) -> bool:
        """Whether the grades of this period are final for the subject or course."""
        return self.kind != GradingPeriodKind.TERM


# --- The betygskatalog and the certificates, kept for ever ------------------------------
#
# A GradeCatalogue (SKOLFS 2011:123) is the grades of one subject or course in one grading
# period at a unit (and one group, where the grades were set in one): the rektor locks it,
# which freezes its rows, and then signs it, which records who signed, when, how they had
# logged in and the SHA-256 of what they signed, and stores the PDF/A. A GradeDocument is
# an issued certificate (slutbetyg, terminsbetyg, betygsutdrag, the upper-secondary
# examensbevis or studiebevis) with its PDF/A. Neither is changed or deleted after it is
# signed or issued: the model refuses, and so does the database (triggers: migration 0009
# and `grades.triggers`, on PostgreSQL and SQLite, which also keep a locked catalogue's
# rows as locked); a correction is a new document. A CertificateRun is a whole unit's
# certificates made by a background task,
# with its progress.


class ImmutableDocumentError(RuntimeError):
    """A signed catalogue or an issued certificate cannot be changed or deleted."""


class GradeCatalogue(models.Model):
    """A betygskatalog: one subject or course, one grading period, one unit (and group)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    grading_period = models.ForeignKey(
        "grades.GradingPeriod", on_delete=models.PROTECT, related_name="catalogues"
    )
    syllabus = models.ForeignKey("curriculum.Syllabus", on_delete=models.PROTECT, related_name="+")
    group = models.ForeignKey(
        "groups.Group", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The rows as locked: pupil, personnummer, grade, teacher, co-signer, decision id.
    rows = models.JSONField(default=list)
    locked_by = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    locked_at = models.DateTimeField(default=timezone.now)
    signed_by = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    # Who signed, as the document says it: name and role, and how they had logged in.
    signature = models.JSONField(default=dict, blank=True)
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    pdf_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["grading_period", "syllabus", "group"]
        constraints = [
            models.UniqueConstraint(
                fields=["grading_period", "syllabus", "group"],
                condition=Q(group__isnull=False),
                name="grade_catalogue_once_per_group",
            ),
            models.UniqueConstraint(
                fields=["grading_period", "syllabus"],
                condition=Q(group__isnull=True),
                name="grade_catalogue_once_per_subject",
            ),
            models.CheckConstraint(
                condition=Q(signed_at__isnull=True)
                | (Q(signed_by__isnull=False) & ~Q(pdf_sha256="")),
                name="grade_catalogue_signed_with_pdf",
            ),
        ]

    def __str__(self) -> str:
        return f"Betygskatalog {self.syllabus_id} {self.grading_period_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            stored = type(self)._default_manager.filter(pk=self.pk, signed_at__isnull=False)
            if stored.exists():
                raise ImmutableDocumentError("En signerad betygskatalog kan inte ändras.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableDocumentError("En betygskatalog sparas för alltid.")

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class DocumentKind(models.TextChoices):
    SLUTBETYG = "Slutbetyg", "Slutbetyg"
    TERMINSBETYG = "Terminsbetyg", "Terminsbetyg"
    BETYGSUTDRAG = "Betygsutdrag", "Betygsutdrag"
    # Upper secondary: every current course or subject grade with its points, the
    # jämförelsetal, and examensbevis (gymnasieexamen) or studiebevis (`grades.examen`).
    SAMMANSTALLNING = "Sammanställning", "Examensbevis eller studiebevis"


class GradeDocument(models.Model):
    """An issued certificate with its PDF/A; never changed, a correction is a new one."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=16, choices=DocumentKind.choices)
    student = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="grade_documents"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    grading_period = models.ForeignKey(
        "grades.GradingPeriod", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The grade decisions the document states, and the computed values it prints.
    grade_ids = models.JSONField(default=list)
    merit_value = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    # Upper secondary's summary: the jämförelsetal and what the grades made, e.g.
    # "Yrkesexamen" or "Studiebevis" (empty on the other kinds).
    comparison_value = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    examen = models.CharField(max_length=40, blank=True)
    issued_by = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(default=timezone.now)
    run = models.ForeignKey(
        "grades.CertificateRun",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    pdf = models.BinaryField(editable=False)
    pdf_sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            # A retried task issues a pupil's certificate of a run once.
            models.UniqueConstraint(
                fields=["run", "student"],
                condition=Q(run__isnull=False),
                name="grade_document_once_per_run",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.student_id} {self.issued_at:%Y-%m-%d}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableDocumentError("Ett utfärdat betygsdokument kan inte ändras.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableDocumentError("Ett utfärdat betygsdokument sparas för alltid.")


class RunStatus(models.TextChoices):
    QUEUED = "Köad", "Köad"
    RUNNING = "Pågår", "Pågår"
    DONE = "Klar", "Klar"
    FAILED = "Misslyckad", "Misslyckad"


class CertificateRun(models.Model):
    """A unit's certificates of one grading period, made by a background task."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    grading_period = models.ForeignKey(
        "grades.GradingPeriod", on_delete=models.PROTECT, related_name="certificate_runs"
    )
    kind = models.CharField(max_length=16, choices=DocumentKind.choices)
    student_ids = models.JSONField(default=list)
    requested_by = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=12, choices=RunStatus.choices, default=RunStatus.QUEUED)
    done = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.grading_period_id}: {self.done}/{self.total}"

    @property
    def total(self) -> int:
        return len(self.student_ids)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100


class GradeSheet(models.Model):
    """A teacher's grade sheet: one activity (group and subject) in one grading period.

    It holds no grades, only the version a save claims (optimistic locking): a save made
    from a sheet someone else has saved since is refused and shows what they stored.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    period = models.ForeignKey(GradingPeriod, on_delete=models.PROTECT, related_name="sheets")
    activity = models.ForeignKey("activities.Activity", on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=0)
    saved_at = models.DateTimeField(null=True, blank=True)
    saved_by = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["period", "activity"], name="grade_sheet_once"),
        ]

    def __str__(self) -> str:
        return f"Betygslista {self.activity_id} {self.period_id} v{self.version}"


class PendingGrade(models.Model):
    """An unlicensed teacher's grade, waiting for a licensed co-signer (SL 3:16).

    Not a decision yet: `Grade` requires every grade set here to be licensed or
    co-signed, so the decision (a `Grade` row naming both teachers) is written when a
    licensed teacher at the unit confirms; `decision` then points at it and the pending
    row is kept as the record of who proposed what and when. Until then the proposing
    teacher may change the value from the sheet.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sheet = models.ForeignKey(GradeSheet, on_delete=models.PROTECT, related_name="pending")
    student = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    grade_value = models.CharField(max_length=3)
    remark = models.TextField(blank=True)
    proposed_by = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(default=timezone.now)
    decision = models.OneToOneField(
        Grade, null=True, blank=True, on_delete=models.PROTECT, related_name="proposal"
    )
    confirmed_by = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["proposed_at"]
        constraints = [
            models.UniqueConstraint(fields=["sheet", "student"], name="pending_grade_once"),
        ]

    def __str__(self) -> str:
        return f"{self.grade_value} (väntar på medbedömare)"


class PublishedGrade(SS12000Entity):
    """A grade as pupils, guardians and API clients see it once it is published.

    The grade's decisions are immutable rows (`Grade`); this is the one mutable row per
    grade that says which decision stands in public now. Its id is the grade's `lineage`
    (the id SS 12000 publishes), its `modified` moves when the grade is published and with
    every later decision on it (`core.changes.change_record`), so `meta.modified.after`
    finds a grade the day it becomes visible. A grade of a grading period is published
    with the period (`grading_period_publish`); a prövning or a grade from an earlier
    school, decided one by one, is published with its decision.
    """

    grade = models.OneToOneField(Grade, on_delete=models.PROTECT, related_name="published")
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Publicerat betyg {self.pk}"


class GradeWarning(models.Model):
    """A teacher's warning that a pupil risks not reaching godtagbara kunskaper (an F) in
    a subject, with what the school will do. It is sent as a notice to the pupil and the
    guardians (messaging) and seen by the unit's rektor and the pupil's mentor."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    student = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    syllabus = models.ForeignKey("curriculum.Syllabus", on_delete=models.PROTECT, related_name="+")
    activity = models.ForeignKey(
        "activities.Activity", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    measures = models.TextField()
    created_by = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # How many persons the notice reached (pupil and guardians).
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organisation", "created_at"])]

    def __str__(self) -> str:
        return f"Varning F {self.student_id} {self.syllabus_id}"


class NationalTestResult(models.Model):
    """A pupil's result on a national test (nationellt prov) in a subject, the whole test
    (`part` empty: the provbetyg) or one part (delprov), recorded by the teacher beside
    the grade. One result per pupil, syllabus, year and part; a new entry replaces it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    student = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    syllabus = models.ForeignKey("curriculum.Syllabus", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    part = models.CharField(max_length=60, blank=True, default="")
    result = models.CharField(max_length=2)
    recorded_by = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["student", "syllabus", "year", "part"], name="national_test_once"
            )
        ]
        indexes = [models.Index(fields=["organisation", "year"])]

    def __str__(self) -> str:
        return f"NP {self.student_id} {self.syllabus_id} {self.year} {self.part}: {self.result}"


class StudyPlanContentType(models.TextChoices):
    """SS 12000 Code_StudyPlanContentType: the headings of an upper-secondary study plan."""

    GYMNASIEGEMENSAMMA = "Gymnasiegemensamma", "Gymnasiegemensamma ämnen"
    PROGRAMGEMENSAMMA = "Programgemensamma", "Programgemensamma ämnen"
    INRIKTNING = "Inriktning", "Inriktning"
    PROGRAMFORDJUPNING = "Programfördjupning", "Programfördjupning"
    GYMNASIEARBETE = "Gymnasiearbete", "Gymnasiearbete"
    INDIVIDUELLT_VAL = "Individuellt val", "Individuellt val"
    BORTTAGNA = "Borttagna", "Borttagna kurser"
    UTOKADE = "Utökade", "Utökat program"


class StudyPlan(SS12000Entity):
    """A pupil's individual study plan (SS 12000 `StudyPlan`) at a school unit.

    What the pupil plans to read, from `start_date` to `end_date`, on a programme where
    one is set: courses and subjects grouped under the spec's content types. One plan per
    pupil and unit; `grades.services.study_plan_set` replaces its courses. The unit is not
    part of SS 12000's StudyPlan; it decides who may set the plan and which API clients
    see it.
    """

    student = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="study_plans"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    programme = models.ForeignKey(
        "curriculum.Programme", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "organisation"], name="one_study_plan_per_pupil_and_unit"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="study_plan_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"Studieplan {self.pk}"


class StudyPlanCourse(models.Model):
    """A planned course or subject of a study plan (SS 12000 `StudyPlanSyllabus`)."""

    study_plan = models.ForeignKey(StudyPlan, on_delete=models.CASCADE, related_name="courses")
    content_type = models.CharField(max_length=32, choices=StudyPlanContentType.choices)
    syllabus = models.ForeignKey("curriculum.Syllabus", on_delete=models.PROTECT, related_name="+")
    # Gymnasiepoäng planned for the course; the syllabus's own points where not given.
    points = models.PositiveIntegerField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["study_plan", "content_type", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["study_plan", "syllabus"], name="a_course_once_per_study_plan"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.content_type}: {self.syllabus_id}"
