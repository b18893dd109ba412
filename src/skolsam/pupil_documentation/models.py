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
