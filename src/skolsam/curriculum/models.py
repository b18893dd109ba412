"""Hold programmes, syllabuses and what each school unit offers (SS 12000)."""

from django.db import models

from skolsam.core.choices import ProgrammeType, SchoolType
from skolsam.core.models import SS12000Entity


class Syllabus(SS12000Entity):
    school_type = models.CharField(max_length=10, choices=SchoolType.choices)
    subject_code = models.CharField(max_length=32, blank=True, db_index=True)
    subject_name = models.CharField(max_length=200)
    subject_designation = models.CharField(max_length=16, blank=True)
    course_code = models.CharField(max_length=32, blank=True, db_index=True)
    course_name = models.CharField(max_length=200, blank=True)
    start_school_year = models.PositiveSmallIntegerField(null=True, blank=True)
    end_school_year = models.PositiveSmallIntegerField(null=True, blank=True)
    points = models.PositiveIntegerField(null=True, blank=True)
    curriculum = models.CharField(max_length=16, blank=True)
    language_code = models.CharField(max_length=8, blank=True)
    official = models.BooleanField(default=True)

    class Meta:
        ordering = ["school_type", "subject_name", "course_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["school_type", "subject_code", "course_code"],
                name="syllabus_unique_code",
            )
        ]

    def __str__(self) -> str:
        return self.course_name or self.subject_name


class Programme(SS12000Entity):
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=40, choices=ProgrammeType.choices)
    parent_programme = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    school_type = models.CharField(max_length=10, choices=SchoolType.choices)
    code = models.CharField(max_length=16, blank=True, db_index=True)
    # SS 12000 Programme.content: [{type, points, content: [syllabus ids]}]
    content = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})" if self.code else self.name


class SchoolUnitOffering(SS12000Entity):
    offered_at = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="offerings"
    )
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    offered_syllabuses = models.ManyToManyField(Syllabus, blank=True, related_name="+")
    offered_programmes = models.ManyToManyField(Programme, blank=True, related_name="+")
