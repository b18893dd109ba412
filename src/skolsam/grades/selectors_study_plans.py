"""Read what a pupil's study plan page shows: the planned courses and subjects with the
grade each has now, the points done and planned, and what may be added.

A constant number of queries whatever the plan's size: its courses with their syllabuses,
the pupil's current grades in them (as the actor may see grades), the school form's
syllabuses and programmes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef, Q

from skolsam.core.access import Actor
from skolsam.core.policy import Action
from skolsam.curriculum.models import Programme, Syllabus
from skolsam.grades.access import StudyPlanPage, grade_policy, study_plan_pupils
from skolsam.grades.models import (
    Grade,
    Semester,
    StudyPlan,
    StudyPlanContentType,
    StudyPlanCourse,
)
from skolsam.grades.rules import (
    GY11,
    GY25,
    is_passing,
    plannable_in_study_plan,
    upper_secondary_generation,
)

_TERM = re.compile(r"(HT|VT)(\d{4})")


@dataclass(frozen=True)
class Term:
    """A term of the school year: the spring (January-June) or the autumn (July-December)."""

    semester: str
    year: int

    @property
    def code(self) -> str:
        return f"{self.semester}{self.year}"

    @property
    def start(self) -> date:
        return date(self.year, 1, 1) if self.semester == Semester.VT else date(self.year, 7, 1)

    @property
    def end(self) -> date:
        return date(self.year, 6, 30) if self.semester == Semester.VT else date(self.year, 12, 31)

    def __str__(self) -> str:
        return f"{self.semester} {self.year}"


def term_of(day: date) -> Term:
    """Return the term `day` falls in."""
    return Term(Semester.VT if day.month <= 6 else Semester.HT, day.year)


def term_from_code(code: str) -> Term | None:
    """Read a term written HT2026 or VT2027; None if it is not one."""
    found = _TERM.fullmatch(code.strip().upper())
    return Term(found.group(1), int(found.group(2))) if found else None


def terms_between(start: date, end: date | None, *, count_if_open: int = 6) -> list[Term]:
    """Return the terms from `start`'s to `end`'s (or `count_if_open` terms if no end)."""
    terms = [term_of(start)]
    last = term_of(end) if end is not None else None
    while (last is None and len(terms) < count_if_open) or (
        last is not None and terms[-1] != last and len(terms) < 40
    ):
        t = terms[-1]
        terms.append(
            Term(Semester.HT, t.year)
            if t.semester == Semester.VT
            else Term(Semester.VT, t.year + 1)
        )
    return terms


def generation_of(syllabus: Syllabus) -> str:
    """Return GY25 (subject, subject level) or GY11 (course) for an upper-secondary syllabus."""
    return upper_secondary_generation(syllabus.curriculum, syllabus.course_code)


def syllabus_code(syllabus: Syllabus) -> str:
    """Return the code one types for a syllabus: the course's, else the subject's."""
    return syllabus.course_code or syllabus.subject_code


def syllabus_name(syllabus: Syllabus) -> str:
    return syllabus.course_name or syllabus.subject_name


@dataclass
class PlanRow:
    """One planned course or subject with the grade it has now."""

    course: StudyPlanCourse
    generation: str
    points: int | None
    term: str
    grade: Grade | None
    passed: bool


@dataclass
class PlanSection:
    content_type: str
    label: str
    rows: list[PlanRow] = field(default_factory=list)


@dataclass
class StudyPlanView:
    sections: list[PlanSection]
    points_planned: int
    points_done: int
    courses: int
    grades_partial: bool


def _span(course: StudyPlanCourse) -> str:
    if course.start_date is None:
        return ""
    first = term_of(course.start_date)
    last = term_of(course.end_date) if course.end_date else first
    return str(first) if first == last else f"{first}–{last}"


def study_plan_view(*, actor: Actor, page: StudyPlanPage) -> StudyPlanView:
    """Return the plan's courses by heading, each with its current grade, and the totals.

    Points planned count every heading but Borttagna kurser; points done those of the
    courses with a passing grade. Grades are those the actor may see (grade_policy VIEW).
    Two queries.
    """
    plan = page.plan
    if plan is None:
        return StudyPlanView([], 0, 0, 0, grades_partial=False)
    courses = list(
        StudyPlanCourse.objects.filter(study_plan=plan).select_related("syllabus").order_by("id")
    )
    graded: dict[Any, Grade] = {}
    # Staff school-wide at the unit see its grades; others (a mentor) those they set,
    # registered or co-signed (grade_policy VIEW), and the page says so.
    grades_partial = plan.organisation_id not in actor.school_wide_org_ids
    if courses:
        # The grades as they stand, among those the actor may see.
        found = (
            Grade.objects.current()
            .filter(pk__in=grade_policy.objects(actor, Action.VIEW).values("pk"))
            .filter(student_id=plan.student_id, syllabus_id__in=[c.syllabus_id for c in courses])
            .order_by("year", "semester", "decided_at")
        )
        for g in found:
            # The latest decision per syllabus stands (VT before HT within a year).
            before = graded.get(g.syllabus_id)
            if before is None or (g.year, g.semester == Semester.HT) >= (
                before.year,
                before.semester == Semester.HT,
            ):
                graded[g.syllabus_id] = g
    sections = {
        value: PlanSection(value, str(label)) for value, label in StudyPlanContentType.choices
    }
    planned = done = 0
    for c in courses:
        points = c.points if c.points is not None else c.syllabus.points
        grade = graded.get(c.syllabus_id)
        passed = grade is not None and is_passing(grade.grade_value)
        if c.content_type != StudyPlanContentType.BORTTAGNA:
            planned += points or 0
            done += (points or 0) if passed else 0
        sections[c.content_type].rows.append(
            PlanRow(c, generation_of(c.syllabus), points, _span(c), grade, passed)
        )
    return StudyPlanView(
        sections=[s for s in sections.values() if s.rows],
        points_planned=planned,
        points_done=done,
        courses=len(courses),
        grades_partial=grades_partial,
    )


@dataclass(frozen=True)
class SyllabusChoice:
    code: str
    name: str
    generation: str
    points: int | None


def syllabus_choices(school_type: str) -> list[SyllabusChoice]:
    """Return what a study plan in the school form may hold, GY25 subjects before GY11
    courses, by name: one query."""
    rows = Syllabus.objects.filter(school_type=school_type).only(
        "subject_code", "subject_name", "course_code", "course_name", "points", "curriculum"
    )
    choices = [
        SyllabusChoice(syllabus_code(s), syllabus_name(s), generation_of(s), s.points)
        for s in rows
        if plannable_in_study_plan(s.curriculum, s.course_code) and syllabus_code(s)
    ]
    order = {GY25: 0, GY11: 1}
    return sorted(choices, key=lambda c: (order[c.generation], c.name.lower(), c.code))


# The list shows this many pupils; a name narrows it.
LIST_LIMIT = 100


@dataclass
class PupilLine:
    enrolment: Any
    has_plan: bool


def study_plan_list(*, actor: Actor, query: str = "") -> tuple[list[PupilLine], bool]:
    """Return the upper-secondary pupils whose plans the actor sees (by name, at most
    LIST_LIMIT, narrowed by a name), each with whether a plan is set, and whether more
    matched: one query."""
    found = study_plan_pupils(actor)
    for word in query.split()[:4]:
        found = found.filter(
            Q(person__given_name__icontains=word) | Q(person__family_name__icontains=word)
        )
    plans = StudyPlan.objects.filter(
        student_id=OuterRef("person_id"), organisation_id=OuterRef("enroled_at_id")
    )
    rows = list(
        found.annotate(has_plan=Exists(plans))
        .select_related("person", "enroled_at", "programme")
        .order_by("person__family_name", "person__given_name", "person_id", "enroled_at_id")[
            : LIST_LIMIT + 1
        ]
    )
    return [PupilLine(e, e.has_plan) for e in rows[:LIST_LIMIT]], len(rows) > LIST_LIMIT


def programme_choices(school_type: str) -> list[Programme]:
    """Return the school form's programmes, by name: one query."""
    return list(Programme.objects.filter(school_type=school_type).order_by("name", "code"))
