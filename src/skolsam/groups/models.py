"""Hold groups (classes, teaching groups, mentor groups, departments) and their memberships."""

from django.db import models

from skolsam.core.choices import GroupType, SchoolType
from skolsam.core.models import SS12000Entity


class Group(SS12000Entity):
    display_name = models.CharField(max_length=120)
    group_type = models.CharField(max_length=16, choices=GroupType.choices)
    school_type = models.CharField(max_length=10, choices=SchoolType.choices, blank=True)
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="groups"
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["display_name"]

    def __str__(self) -> str:
        return self.display_name


class GroupMembership(SS12000Entity):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="group_memberships"
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["person", "start_date"]),
            models.Index(fields=["group", "start_date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="membership_end_after_start",
            )
        ]
