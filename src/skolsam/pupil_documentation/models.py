"""Hold the pupil documentation: extra adaptations (extra anpassningar, SL 3:5) and their
evaluations. Special support, action programmes and reports of offensive treatment
(issue 13) come later, each as its own record kind with its own retention class.

An adaptation is made within ordinary teaching, for one pupil at one school unit, in one
subject or in all. It is followed up on its follow-up date: an evaluation records the
effect and whether the adaptation continues (with the next follow-up date) or ends.
Nothing is changed in place but the follow-up date, the end and the reminder's mark; the
evaluations are the history.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RetentionClass(models.TextChoices):
    """What the huvudman's information management plan does with a record kind.

    Recorded on every row now; how long each class keeps its rows (2 years for
    adaptations in the model plan, DOMAIN.md "Records") is set per huvudman, and the
    purging itself comes with the records-management module.
    """

    CLEARED_AFTER_TWO_YEARS = "gallras_2_ar", _("Gallras efter 2 år")
    KEPT = "bevaras", _("Bevaras")


class Outcome(models.TextChoices):
    CONTINUE = "fortsatt", _("Anpassningen fortsätter")
    END = "avslutas", _("Anpassningen avslutas")


DESCRIPTION_MAX = 2000
EFFECT_MAX = 2000


class Adaptation(models.Model):
    """An extra adaptation for one pupil at one school unit, in one subject or in all."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    student = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    # None: in every subject.
    syllabus = models.ForeignKey(
        "curriculum.Syllabus", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.TextField()
    start_date = models.DateField()
    follow_up_date = models.DateField()
    recorded_by = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The follow-up date whose reminder went: set by the one run that claims it, so a
    # reminder goes once per follow-up date (a continued adaptation gets a new one).
    reminded_for = models.DateField(null=True, blank=True)
    retention_class = models.CharField(
        max_length=16,
        choices=RetentionClass.choices,
        default=RetentionClass.CLEARED_AFTER_TWO_YEARS,
    )

    class Meta:
        ordering = ["start_date", "recorded_at"]
        indexes = [
            models.Index(fields=["student", "organisation"]),
            models.Index(
                fields=["organisation", "follow_up_date"],
                name="pd_adaptation_active_due",
                condition=Q(ended_at__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(follow_up_date__gt=models.F("start_date")),
                name="pd_adaptation_follow_up_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"Anpassning {self.pk} för {self.student_id}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


class AdaptationEvaluation(models.Model):
    """One follow-up of an adaptation: its effect, and whether it continues or ends."""

    adaptation = models.ForeignKey(Adaptation, on_delete=models.PROTECT, related_name="evaluations")
    evaluated_on = models.DateField()
    effect = models.TextField()
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    # The next follow-up, when the adaptation continues.
    next_follow_up = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["evaluated_on", "recorded_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome=Outcome.END, next_follow_up__isnull=True)
                | Q(outcome=Outcome.CONTINUE, next_follow_up__isnull=False),
                name="pd_evaluation_next_follow_up_iff_continues",
            ),
        ]

    def __str__(self) -> str:
        return f"Utvärdering {self.evaluated_on} av {self.adaptation_id}"


# --- Special support (särskilt stöd, SL 3:7–3:12) -------------------------------------------

OBSERVATION_MAX = 4000
NOTE_MAX = 4000
PARTICIPANTS_MAX = 500
DECISION_TEXT_MAX = 4000

# The appeal information every decision about an action programme carries (SL 28:16, FL
# 33 §), in one place: the decision copies it when it is made, so a printed decision shows
# what the guardians were told.
APPEAL_INFORMATION = _(
    "Beslutet kan överklagas till Skolväsendets överklagandenämnd. Överklagandet ska vara "
    "skriftligt och ha kommit in till skolenheten inom tre veckor från den dag då "
    "vårdnadshavaren fick del av beslutet. Skriv vilket beslut som överklagas och vilken "
    "ändring som begärs. Skolenheten prövar om överklagandet har kommit in i rätt tid och "
    "skickar det sedan vidare till nämnden."
)


class SupportReport(models.Model):
    """A staff member's report to the rektor that a pupil may need special support (SL 3:7)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    student = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    observation = models.TextField()
    observed_on = models.DateField()
    reported_by = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField(default=timezone.now, editable=False)
    retention_class = models.CharField(
        max_length=16, choices=RetentionClass.choices, default=RetentionClass.KEPT
    )

    class Meta:
        ordering = ["reported_at"]
        indexes = [models.Index(fields=["organisation", "reported_at"])]

    def __str__(self) -> str:
        return f"Anmälan {self.pk} om {self.student_id}"


class SupportInvestigation(models.Model):
    """The rektor's investigation of a report: assigned to a staff member at the unit, with
    its notes and meetings, and a conclusion once it is done."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    report = models.OneToOneField(
        SupportReport, on_delete=models.PROTECT, related_name="investigation"
    )
    assigned_to = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    opened_by = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now, editable=False)
    conclusion = models.TextField(blank=True, default="")
    concluded_at = models.DateTimeField(null=True, blank=True)
    concluded_by = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    retention_class = models.CharField(
        max_length=16, choices=RetentionClass.choices, default=RetentionClass.KEPT
    )

    class Meta:
        ordering = ["opened_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(concluded_at__isnull=True, conclusion="")
                | Q(concluded_at__isnull=False) & ~Q(conclusion=""),
                name="pd_investigation_conclusion_iff_concluded",
            ),
        ]

    def __str__(self) -> str:
        return f"Utredning {self.pk}"


class InvestigationNote(models.Model):
    """A meeting, conversation or document of an investigation: when, who took part, what."""

    investigation = models.ForeignKey(
        SupportInvestigation, on_delete=models.PROTECT, related_name="notes"
    )
    held_on = models.DateField()
    participants = models.CharField(max_length=PARTICIPANTS_MAX)
    text = models.TextField()
    recorded_by = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["held_on", "recorded_at"]

    def __str__(self) -> str:
        return f"Anteckning {self.held_on} i {self.investigation_id}"


class ImmutableDecisionError(RuntimeError):
    """A rektor's decision about special support is never changed or removed."""


class DecisionKind(models.TextChoices):
    PROGRAMME = "atgardsprogram", _("Åtgärdsprogram")
    NO_PROGRAMME = "inget_atgardsprogram", _("Beslut om att inte upprätta åtgärdsprogram")


class SupportDecisionQuerySet(models.QuerySet):
    """Refuse bulk changes, so that no code path edits a decision in place."""

    def update(self, **kwargs: Any) -> int:
        raise ImmutableDecisionError("Ett beslut kan inte ändras; fatta ett nytt beslut.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ImmutableDecisionError("Ett beslut kan inte tas bort.")

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> int:
        raise ImmutableDecisionError("Ett beslut kan inte ändras; fatta ett nytt beslut.")

    def current(self) -> SupportDecisionQuerySet:
        """Return the decisions no later version replaces."""
        return self.filter(superseded_by__isnull=True)


class SupportDecision(models.Model):
    """The rektor's decision after an investigation (SL 3:9): an action programme (needs,
    measures, who is responsible, evaluation dates) or a decision not to make one. Never
    changed: a new version supersedes it (`supersedes`)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    investigation = models.ForeignKey(
        SupportInvestigation, on_delete=models.PROTECT, related_name="decisions"
    )
    kind = models.CharField(max_length=24, choices=DecisionKind.choices)
    needs = models.TextField(blank=True, default="")
    measures = models.TextField(blank=True, default="")
    responsible = models.CharField(max_length=PARTICIPANTS_MAX, blank=True, default="")
    # ISO dates, earliest first: when the programme is evaluated.
    evaluation_dates = models.JSONField(default=list, blank=True)
    # Why no programme is made (the decision's reasons); for a programme, may be empty.
    reasons = models.TextField(blank=True, default="")
    decided_by = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    decided_on = models.DateField()
    decided_at = models.DateTimeField(default=timezone.now, editable=False)
    guardians_notified_on = models.DateField(null=True, blank=True)
    appeal_information = models.TextField()
    version = models.PositiveSmallIntegerField(default=1)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    retention_class = models.CharField(
        max_length=16, choices=RetentionClass.choices, default=RetentionClass.KEPT
    )

    objects = SupportDecisionQuerySet.as_manager()

    class Meta:
        ordering = ["decided_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["investigation", "version"], name="pd_decision_one_per_version"
            ),
            models.CheckConstraint(
                condition=Q(kind="inget_atgardsprogram") | ~Q(measures=""),
                name="pd_decision_programme_has_measures",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version} ({self.decided_on})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableDecisionError("Ett beslut kan inte ändras; fatta ett nytt beslut.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableDecisionError("Ett beslut kan inte tas bort.")

    @property
    def is_programme(self) -> bool:
        return self.kind == DecisionKind.PROGRAMME

    @property
    def evaluation_days(self) -> list[date]:
        return [date.fromisoformat(d) for d in self.evaluation_dates]


# --- Reports of offensive treatment (kränkande behandling, SL 6:10) -----------------------


class OffensiveTreatmentLimits:
    """Say how soon each step of a report of offensive treatment must be taken (SL 6:10).

    Skollagen 6 kap. 10 § requires a member of staff who learns that a pupil has been
    subjected to offensive treatment to report it to the rektor, and the rektor to report
    it to the huvudman, each "skyndsamt" (promptly); the Skolverket guidance reads that as
    the same day. Skolsam flags a report as overdue at the rektor's step when the rektor
    has not acknowledged (forwarded) it on the day it was reported
    (`REKTOR_DAYS` = 0 days after the report's date), and at the huvudman's step when it
    has not been forwarded within `HUVUDMAN_DAYS` days (default 1). Days are calendar
    days in Europe/Stockholm; a school calendar does not shift them yet.
    """

    REKTOR_DAYS = 0
    HUVUDMAN_DAYS = 1


class InvolvedRole(models.TextChoices):
    SUBJECTED = "utsatt", _("Utsatt elev")
    PUPIL_ACTOR = "utovare_elev", _("Elev som uppges ha kränkt")
    STAFF_ACTOR = "utovare_personal", _("Personal som uppges ha kränkt")


OFFENCE_TEXT_MAX = 4000
PLACE_MAX = 200


class OffensiveTreatmentReport(models.Model):
    """A staff member's report that a pupil was subjected to offensive treatment at a unit,
    forwarded rektor → huvudman, investigated and closed. Kept permanently (bevaras)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    description = models.TextField()
    occurred_on = models.DateField()
    place = models.CharField(max_length=PLACE_MAX)
    reported_by = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField(default=timezone.now, editable=False)
    # The school day of the report (Europe/Stockholm): the steps' limits count from it.
    reported_on = models.DateField()
    # A staff member is an alleged actor: the rektor's step is skipped, the report goes
    # straight to the huvudman (forwarded_at = reported_at, forwarded_by = the reporter).
    rektor_step_skipped = models.BooleanField(default=False)
    forwarded_at = models.DateTimeField(null=True, blank=True)
    forwarded_on = models.DateField(null=True, blank=True)
    forwarded_by = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    conclusions = models.TextField(blank=True)
    measures = models.TextField(blank=True)
    follow_up_date = models.DateField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    retention_class = models.CharField(
        max_length=16, choices=RetentionClass.choices, default=RetentionClass.KEPT
    )

    class Meta:
        ordering = ["-reported_at"]
        indexes = [models.Index(fields=["organisation", "reported_on"])]

    def __str__(self) -> str:
        return f"Anmälan om kränkande behandling {self.pk}"

    def rektor_overdue(self, today: Any) -> bool:
        """Tell whether the rektor's step was (or is) later than the limit."""
        if self.rektor_step_skipped:
            return False
        done = self.forwarded_on or today
        return (done - self.reported_on).days > OffensiveTreatmentLimits.REKTOR_DAYS

    def huvudman_overdue(self, today: Any) -> bool:
        """Tell whether the report reached (or has not yet reached) the huvudman late."""
        done = self.forwarded_on or today
        return (done - self.reported_on).days > OffensiveTreatmentLimits.HUVUDMAN_DAYS

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class OffensiveTreatmentPerson(models.Model):
    """A person named in a report: a pupil subjected, or an alleged actor (pupil or staff;
    a staff actor by the duty they hold)."""

    report = models.ForeignKey(
        OffensiveTreatmentReport, on_delete=models.PROTECT, related_name="involved"
    )
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=20, choices=InvolvedRole.choices)
    duty = models.ForeignKey(
        "duties.Duty", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["report", "person", "role"], name="pd_offence_person_once_per_role"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.person_id}"


class OffensiveTreatmentInterview(models.Model):
    """An interview of the investigation: when, with whom (in words), the notes."""

    report = models.ForeignKey(
        OffensiveTreatmentReport, on_delete=models.PROTECT, related_name="interviews"
    )
    held_on = models.DateField()
    interviewee = models.CharField(max_length=PLACE_MAX)
    notes = models.TextField()
    recorded_by = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["held_on", "recorded_at"]

    def __str__(self) -> str:
        return f"Samtal {self.held_on} i {self.report_id}"
