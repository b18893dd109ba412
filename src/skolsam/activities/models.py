"""Hold activities: a syllabus taught to groups by teachers (SS 12000 Activity).

The timetable and lessons (CalendarEvent) that hang on an activity come with the
attendance module; the register needs the activity already, because it says which
teachers teach which groups.
"""

from django.db import models

from skolsam.core.choices import ActivityType
from skolsam.core.models import SS12000Entity


class Activity(SS12000Entity):
    display_name = models.CharField(max_length=200)
    activity_type = models.CharField(
        max_length=20, choices=ActivityType.choices, default=ActivityType.UNDERVISNING
    )
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="activities"
    )
    syllabus = models.ForeignKey(
        "curriculum.Syllabus", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    groups = models.ManyToManyField("groups.Group", related_name="activities")
    calendar_events_required = models.BooleanField(default=True)
    minutes_planned = models.PositiveIntegerField(null=True, blank=True)
    comment = models.CharField(max_length=300, blank=True)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["display_name"]


class ActivityTeacher(models.Model):
    """A teacher's duty on an activity (SS 12000 DutyAssignment)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="teachers")
    duty = models.ForeignKey("duties.Duty", on_delete=models.CASCADE, related_name="teaching")
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    minutes_planned = models.PositiveIntegerField(null=True, blank=True)
    grader = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.duty_id} @ {self.activity_id}"
