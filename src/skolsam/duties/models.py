"""Hold staff duties (tjänster) and their assignment roles to groups (SS 12000 Duty)."""

from django.db import models

from skolsam.core.choices import AssignmentRoleType, DutyRole
from skolsam.core.models import SS12000Entity


class Duty(SS12000Entity):
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="duties")
    duty_at = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="duties"
    )
    duty_role = models.CharField(max_length=40, choices=DutyRole.choices)
    description = models.CharField(max_length=200, blank=True)
    signature = models.CharField(max_length=16, blank=True)
    duty_percent = models.PositiveSmallIntegerField(null=True, blank=True)
    hours_per_year = models.PositiveIntegerField(null=True, blank=True)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["person", "start_date"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="duty_end_after_start",
            )
        ]


class AssignmentRole(SS12000Entity):
    duty = models.ForeignKey(Duty, on_delete=models.CASCADE, related_name="assignment_roles")
    group = models.ForeignKey(
        "groups.Group", on_delete=models.CASCADE, related_name="assignment_roles"
    )
    assignment_role_type = models.CharField(max_length=32, choices=AssignmentRoleType.choices)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
