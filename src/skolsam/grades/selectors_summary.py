"""Read an upper-secondary pupil's grade summary: the grades with points, the jämförelsetal
and whether they make a gymnasieexamen (`grades.examen`) or a studiebevis.

Everything is read through the policies: the grades through `grade_policy` (VIEW), the
study plan through `study_plan_policy`, the enrolment through `enrolment.selectors`, so a
pupil with protected identity has no summary for staff not named for her.

The programme is the study plan's where it names one, else the programme of the pupil's
upper-secondary enrolment at the unit today (the latest, if several), or on the day of the
pupil's latest grade there when the enrolment has ended. An inriktning
(Programinriktning) counts as its programme. Which courses are the programgemensamma
ämnen (yrkesexamen: 400 points of them) comes from the study plan's heading, else from the
programme's SS 12000 content; and the study plan's "Utökade" heading marks the courses of
an utökat program, left out of the examen and of the jämförelsetal.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from skolsam.core.access import Actor
from skolsam.core.choices import ProgrammeType, SchoolType
from skolsam.core.dates import today
from skolsam.core.policy import Action
from skolsam.curriculum.models import Programme
from skolsam.enrolment.selectors import person_enrolments_on
from skolsam.grades.access import grade_policy, study_plan_policy
from skolsam.grades.examen import (
    ExamenCourse,
    ExamenOutcome,
    examen_check,
    requirements_for,
)
from skolsam.grades.merit import CourseGrade, jamforelsetal
from skolsam.grades.models import Grade, Semester, StudyPlan, StudyPlanContentType
from skolsam.grades.rules import is_diploma_project, is_passing

# Code_ProgrammeContentType of the programgemensamma ämnen (SS 12000 Programme.content).
PROGRAMME_COMMON = "Programgemensamma"


@dataclass(frozen=True)
class SummaryLine:
    """One course or subject on the summary: its current grade and points."""

    grade: Grade
    code: str
    name: str
    points: int
    diploma_project: bool
    programme_common: bool
    extended: bool

    @property
    def value(self) -> str:
        return self.grade.grade_value

    @property
    def passed(self) -> bool:
        return is_passing(self.value)


@dataclass(frozen=True)
class GradeSummary:
    """A pupil's upper-secondary grades as the examensbevis or studiebevis states them."""

    student: Any
    programme: Programme | None
    lines: list[SummaryLine]
    comparison_value: Decimal | None
    outcome: ExamenOutcome

    @property
    def title(self) -> str:
        return "Examensbevis" if self.outcome.met else "Studiebevis"

    @property
    def comparison_text(self) -> str:
        """The jämförelsetal as the document prints it: two decimals, a decimal comma."""
        if self.comparison_value is None:
            return "–"
        return f"{self.comparison_value:.2f}".replace(".", ",")

    @property
    def total_points(self) -> int:
        return sum(line.points for line in self.lines)

    @property
    def grades(self) -> list[Grade]:
        return [line.grade for line in self.lines]


def _programme_root(programme: Programme | None) -> Programme | None:
    """The programme an inriktning (or utgång) belongs to: it has the type and the code."""
    seen = 0
    while programme is not None and programme.parent_programme_id is not None and seen < 3:
        if programme.type not in (ProgrammeType.PROGRAMINRIKTNING, ProgrammeType.UTGANG):
            break
        programme = programme.parent_programme
        seen += 1
    return programme


def _study_plan(actor: Actor, student: Any, organisation_id: Any) -> StudyPlan | None:
    return (
        study_plan_policy.objects(actor, Action.VIEW)
        .filter(student=student, organisation_id=organisation_id)
        .select_related("programme__parent_programme__parent_programme")
        .prefetch_related("courses")
        .first()
    )


def _enrolled_programme(
    actor: Actor, student: Any, organisation_id: Any, days: list[date]
) -> Programme | None:
    """The programme of the pupil's upper-secondary enrolment at the unit on the first of
    `days` that has one: today, else the day of the pupil's latest grade there (an
    examensbevis is often issued after the enrolment has ended)."""
    for day in days:
        enrolments = list(
            person_enrolments_on(actor=actor, person=student, on=day)
            .filter(
                enroled_at_id=organisation_id,
                school_type=SchoolType.GY,
                programme__isnull=False,
            )
            .select_related("programme__parent_programme__parent_programme")
        )
        if enrolments:
            return enrolments[-1].programme
    return None


def _content_ids(programme: Programme | None, kind: str) -> set[str]:
    """The syllabus ids SS 12000's Programme.content lists under `kind`."""
    ids: set[str] = set()
    for current in (programme, _programme_root(programme)):
        for part in (current.content if current is not None else None) or []:
            if not isinstance(part, dict) or part.get("type") != kind:
                continue
            for ref in part.get("content") or []:
                ids.add(str(ref.get("id") if isinstance(ref, dict) else ref))
    return ids


def _current_upper_secondary_grades(
    actor: Actor, student: Any, organisation_id: Any
) -> list[Grade]:
    grades = (
        grade_policy.objects(actor, Action.VIEW)
        .filter(
            student=student,
            organisation_id=organisation_id,
            school_type=SchoolType.GY,
            superseded_by__isnull=True,
        )
        .select_related("syllabus")
    )
    # One grade per course: the latest decision of the latest term (a prövning after an F).
    latest: dict[Any, Grade] = {}
    for grade in sorted(grades, key=lambda g: (g.year, g.semester == Semester.HT, g.decided_at)):
        latest[grade.syllabus_id] = grade
    return list(latest.values())


def grade_summary_for(*, actor: Actor, student: Any, organisation: Any) -> GradeSummary:
    """Return `student`'s upper-secondary summary at `organisation` as `actor` may see it."""
    organisation_id = getattr(organisation, "pk", organisation)
    plan = _study_plan(actor, student, organisation_id)
    programme = plan.programme if plan is not None and plan.programme_id else None
    grades = _current_upper_secondary_grades(actor, student, organisation_id)
    if programme is None:
        days = [today(), *sorted({g.registered_date for g in grades}, reverse=True)[:1]]
        programme = _enrolled_programme(actor, student, organisation_id, days)
    root = _programme_root(programme)
    planned = {c.syllabus_id: c for c in plan.courses.all()} if plan is not None else {}
    common_ids = _content_ids(programme, PROGRAMME_COMMON)
    lines: list[SummaryLine] = []
    for grade in grades:
        syllabus = grade.syllabus
        course = planned.get(grade.syllabus_id)
        code = syllabus.course_code or syllabus.subject_code
        points = (course.points if course is not None and course.points else None) or (
            syllabus.points or 0
        )
        lines.append(
            SummaryLine(
                grade=grade,
                code=code,
                name=str(syllabus),
                points=points,
                diploma_project=bool(grade.diploma_project)
                or is_diploma_project(syllabus.subject_code, syllabus.course_code),
                programme_common=(
                    course.content_type == StudyPlanContentType.PROGRAMGEMENSAMMA
                    if course is not None
                    else str(grade.syllabus_id) in common_ids
                ),
                extended=course is not None and course.content_type == StudyPlanContentType.UTOKADE,
            )
        )
    lines.sort(key=lambda line: (line.extended, line.diploma_project, line.name, line.code))
    requirements = requirements_for(root.type, root.code or "") if root is not None else None
    outcome = examen_check(
        requirements,
        (
            ExamenCourse(
                code=line.code,
                value=line.value,
                points=line.points,
                diploma_project=line.diploma_project,
                programme_common=line.programme_common,
                extended=line.extended,
            )
            for line in lines
        ),
    )
    if root is None:
        outcome = replace(
            outcome,
            missing=("Eleven har inget program i studieplanen eller i inskrivningen.",),
        )
    comparison = jamforelsetal(
        CourseGrade(line.value, line.points, line.diploma_project)
        for line in lines
        if not line.extended and line.points > 0
    )
    return GradeSummary(
        student=student,
        programme=programme,
        lines=lines,
        comparison_value=comparison,
        outcome=outcome,
    )
