"""Hold enrolments (inskrivningar) and preschool/fritidshem placements."""

from django.db import models

from skolsam.core.choices import PlacementReason, PlacementSchoolType, SchoolType
from skolsam.core.models import SS12000Entity


class Enrolment(SS12000Entity):
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="enrolments")
    enroled_at = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="enrolments"
    )
    school_type = models.CharField(max_length=10, choices=SchoolType.choices)
    school_year = models.PositiveSmallIntegerField(null=True, blank=True)
    programme = models.ForeignKey(
        "curriculum.Programme", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    education_code = models.CharField(max_length=32, blank=True)
    specification = models.CharField(max_length=200, blank=True)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    cancelled = models.BooleanField(default=False)

    class Meta:
        ordering = ["start_date"]
        indexes = [
            models.Index(fields=["person", "start_date"]),
            models.Index(fields=["enroled_at", "start_date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="enrolment_end_after_start",
            )
        ]


class Placement(SS12000Entity):
    child = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="placements")
    placed_at = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="placements"
    )
    group = models.ForeignKey(
        "groups.Group", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    owners = models.ManyToManyField("people.Person", blank=True, related_name="owned_placements")
    school_type = models.CharField(max_length=8, choices=PlacementSchoolType.choices)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=16, choices=PlacementReason.choices, blank=True)
    max_weekly_schedule_hours = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["child", "start_date"]),
            models.Index(fields=["placed_at", "start_date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="placement_end_after_start",
            )
        ]
