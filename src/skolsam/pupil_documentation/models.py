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
