"""The grading chapter of the school day: Scheeleskolan's 7B in year 9, graded this term.

On top of `build_day` (Alva, Hugo and Saga in 7B; Maria teaches them mathematics; Anders
is rektor; Ingrid teaches 7A): the mathematics activity is the GRGRMAT01 syllabus, the
pupils are in year 9, Maria holds a licence for mathematics in years 7-9, Jonas teaches
7B mathematics beside her without a licence, and Anders has opened the autumn term's
grading period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from skolsam.accounts.actor import actor_for_person
from skolsam.core.dates import today
from skolsam.curriculum.models import Syllabus
from skolsam.enrolment.models import Enrolment
from skolsam.grades.models import GradingPeriod, GradingPeriodKind, Semester
from skolsam.grades.services import grading_period_open, teacher_licence_record
from skolsam.testing import factories as f
from skolsam.testing.story import Day, build_day


@dataclass
class Grading:
    day: Day
    syllabus: Any
    period: GradingPeriod
    unlicensed_teacher: Any  # Jonas

    def __getattr__(self, name: str) -> Any:
        return getattr(self.day, name)

    def actor(self, person: Any) -> Any:
        return actor_for_person(person.pk, on=today())

    @property
    def alva(self) -> Any:
        return self.day.pupils[0]


def syllabus(school_type: str, subject_code: str, name: str, course_code: str = "") -> Any:
    found, _ = Syllabus.objects.get_or_create(
        school_type=school_type,
        subject_code=subject_code,
        course_code=course_code,
        defaults={"subject_name": name, "course_name": name if course_code else ""},
    )
    return found


def licence(grading: Grading, person: Any, *qualifications: dict[str, Any]) -> Any:
    """Record a licence for `person` as the rektor (an administrator of the school)."""
    return teacher_licence_record(
        actor=grading.actor(grading.rektor),
        person=person,
        valid_from=date(2020, 1, 1),
        qualifications=list(qualifications),
    )


MATHS_7_9 = {
    "school_type": "GR",
    "subject_code": "GRGRMAT01",
    "school_year_from": 7,
    "school_year_to": 9,
}


@pytest.fixture
def grading(db) -> Grading:
    day = build_day(pupils=3)
    maths = syllabus("GR", "GRGRMAT01", "Matematik")
    day.activity.syllabus = maths
    day.activity.save(update_fields=["syllabus"])
    Enrolment.objects.filter(person__in=day.pupils).update(school_year=9)
    jonas = f.PersonFactory(given_name="Jonas")
    f.ActivityTeacherFactory(
        activity=day.activity, duty=f.DutyFactory(duty_at=day.school, person=jonas)
    )
    grading = Grading(day=day, syllabus=maths, period=None, unlicensed_teacher=jonas)  # type: ignore[arg-type]
    licence(grading, day.teacher, MATHS_7_9)
    grading.period = grading_period_open(
        actor=grading.actor(day.rektor),
        organisation=day.school,
        kind=GradingPeriodKind.TERM,
        semester=Semester.HT,
        year=today().year,
    )
    return grading
