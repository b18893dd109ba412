"""Read what the grading pages show: the teacher's sheet, the co-signer's list, the rektor's
progress. Each reads a constant number of queries whatever the size of the group or school.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from django.db.models import Q
from django.http import Http404

from skolsam.activities.models import Activity, ActivityTeacher
from skolsam.attendance.stats import activity_absence_percent
from skolsam.core.access import Actor, located
from skolsam.core.choices import SchoolType
from skolsam.core.models import valid_on
from skolsam.duties.models import Duty
from skolsam.enrolment.models import Enrolment
from skolsam.grades.access import graded_activities, licence_covers, licence_ranges
from skolsam.grades.models import (
    Grade,
    GradeSheet,
    GradingPeriod,
    GradingPeriodKind,
    LicenceQualification,
    PendingGrade,
    Semester,
)
from skolsam.grades.rules import (
    DASH,
    TERM_GRADES_FROM_YEAR,
    ValueSet,
    is_diploma_project,
    value_set_for,
)
from skolsam.groups.models import GroupMembership
from skolsam.pupil_documentation.selectors import sheet_adaptations


def term_span(period: GradingPeriod) -> tuple[date, date]:
    """Return the term the period grades: the spring (Jan-Jun) or autumn (Jul-Dec)."""
    if period.semester == Semester.VT:
        return date(period.year, 1, 1), date(period.year, 6, 30)
    return date(period.year, 7, 1), date(period.year, 12, 31)


def value_set_of(activity: Activity) -> ValueSet | None:
    """Return the values the activity's syllabus is graded in, or None (no grades)."""
    syllabus = activity.syllabus
    if syllabus is None:
        return None
    diploma = is_diploma_project(syllabus.subject_code, syllabus.course_code)
    return value_set_for(syllabus.school_type, diploma_project=diploma)


def first_graded_year(period: GradingPeriod, school_type: str) -> int | None:
    """Return the first school year the period gives term grades in, or None (all)."""
    if period.kind != GradingPeriodKind.TERM:
        return None
    first = TERM_GRADES_FROM_YEAR.get(school_type)
    if school_type == SchoolType.GR and period.first_school_year is not None:
        first = period.first_school_year
    return first


def roster(actor: Actor, activity: Activity) -> list[Any]:
    """Return the pupils of the activity's groups that day, as the actor may see them
    (a protected pupil only for staff named for her), sorted by name: one query."""
    memberships = (
        GroupMembership.objects.filter(
            valid_on(actor.on),
            located(actor, "person__"),
            group__in=activity.groups.all(),
        )
        .select_related("person", "group")
        .order_by("person__family_name", "person__given_name", "person_id")
    )
    seen: dict[UUID, Any] = {}
    for m in memberships:
        if m.person_id not in seen:
            m.person.group_name = m.group.display_name  # type: ignore[attr-defined]
            m.person.sheet_group_id = m.group_id  # type: ignore[attr-defined]
            seen[m.person_id] = m.person
    return list(seen.values())


def school_years(person_ids: list[UUID], organisation_id: UUID, day: date) -> dict[UUID, int]:
    """Return each pupil's school year at the unit that day: one query."""
    return {
        pk: year
        for pk, year in Enrolment.objects.filter(
            valid_on(day),
            person_id__in=person_ids,
            enroled_at_id=organisation_id,
            cancelled=False,
        ).values_list("person_id", "school_year")
        if year is not None
    }


@dataclass
class SheetRow:
    person: Any
    school_year: int | None
    grade: Grade | None = None  # the current decision in this period
    pending: PendingGrade | None = None
    earlier: list[Grade] = field(default_factory=list)
    absence_percent: float = 0.0
    # The pupil's active extra adaptations in the subject or in all subjects.
    adaptations: list[Any] = field(default_factory=list)
    not_graded_reason: str = ""  # why no grade is set for this pupil in this period
    value: str = ""  # what the form shows
    remark: str = ""

    @property
    def editable(self) -> bool:
        return self.grade is None and not self.not_graded_reason


@dataclass
class Sheet:
    period: GradingPeriod
    activity: Activity
    values: ValueSet | None
    version: int
    rows: list[SheetRow]
    licensed_years: list[tuple[int | None, int | None]]

    @property
    def set_count(self) -> int:
        return sum(1 for r in self.rows if r.grade is not None)

    @property
    def pending_count(self) -> int:
        return sum(1 for r in self.rows if r.pending is not None and r.grade is None)


def grade_sheet_for(*, actor: Actor, period: GradingPeriod, activity: Activity) -> Sheet:
    """Return the sheet: each pupil with the grade set in the period (or waiting for a
    co-signer), earlier grades in the subject, absence in the activity this term and the
    active extra adaptations in the subject (those the actor may see: a grader teaches
    every pupil on the sheet)."""
    pupils = roster(actor, activity)
    ids = [p.pk for p in pupils]
    syllabus = activity.syllabus
    years = school_years(ids, activity.organisation_id, actor.on)
    sheet = GradeSheet.objects.filter(period=period, activity=activity).first()
    grades = Grade.objects.current().filter(student_id__in=ids).select_related("syllabus")
    if syllabus is not None:
        grades = grades.filter(
            Q(syllabus_id=syllabus.pk)
            | Q(
                syllabus__subject_code=syllabus.subject_code,
                syllabus__school_type=syllabus.school_type,
            )
        )
    now: dict[UUID, Grade] = {}
    earlier: dict[UUID, list[Grade]] = defaultdict(list)
    for g in grades.order_by("year", "semester"):
        if g.grading_period_id == period.pk and g.syllabus_id == getattr(syllabus, "pk", None):
            now[g.student_id] = g
        else:
            earlier[g.student_id].append(g)
    pending = (
        {p.student_id: p for p in PendingGrade.objects.filter(sheet=sheet, decision__isnull=True)}
        if sheet
        else {}
    )
    start, end = term_span(period)
    absence = activity_absence_percent(
        activity_id=activity.pk, person_ids=ids, start=start, end=min(end, actor.on)
    )
    adaptations = sheet_adaptations(
        actor=actor, student_ids=ids, organisation_id=activity.organisation_id, syllabus=syllabus
    )
    first = first_graded_year(period, syllabus.school_type) if syllabus else None
    rows = []
    for p in pupils:
        year = years.get(p.pk)
        row = SheetRow(
            person=p,
            school_year=year,
            grade=now.get(p.pk),
            pending=pending.get(p.pk),
            earlier=earlier.get(p.pk, []),
            absence_percent=absence.get(p.pk, 0.0),
            adaptations=adaptations.get(p.pk, []),
        )
        if first is not None and year is not None and year < first:
            row.not_graded_reason = f"Åk {year}: terminsbetyg från åk {first}"
        if row.grade is not None:
            row.value, row.remark = row.grade.grade_value, row.grade.remark
        elif row.pending is not None:
            row.value, row.remark = row.pending.grade_value, row.pending.remark
        rows.append(row)
    return Sheet(
        period=period,
        activity=activity,
        values=value_set_of(activity),
        version=sheet.version if sheet else 0,
        rows=rows,
        licensed_years=licence_ranges(actor.person_id, syllabus, actor.on) if syllabus else [],
    )


@dataclass
class SheetLink:
    period: GradingPeriod
    activity: Activity


def sheets_for_teacher(*, actor: Actor) -> list[SheetLink]:
    """Return the sheets the teacher may open: each graded activity in each open period of
    its unit. Two queries."""
    activities = list(
        graded_activities(actor).select_related("syllabus", "organisation").order_by("display_name")
    )
    periods = GradingPeriod.objects.filter(
        organisation_id__in={a.organisation_id for a in activities}, closed_at__isnull=True
    )
    by_unit: dict[UUID, list[GradingPeriod]] = defaultdict(list)
    for p in periods:
        by_unit[p.organisation_id].append(p)
    return [
        SheetLink(period=p, activity=a)
        for a in activities
        if value_set_of(a) is not None
        for p in by_unit.get(a.organisation_id, [])
    ]


def pending_for_co_signer(*, actor: Actor) -> list[PendingGrade]:
    """Return the grades waiting for a co-signer at the units where the actor teaches,
    in subjects and years the actor's licence covers (SL 3:16), never the actor's own.
    Three queries."""
    if actor.person_id is None:
        return []
    units = Duty.objects.filter(valid_on(actor.on), person_id=actor.person_id).values("duty_at_id")
    rows = list(
        PendingGrade.objects.filter(
            located(actor, "student__"),
            decision__isnull=True,
            sheet__period__closed_at__isnull=True,
            sheet__period__organisation_id__in=units,
        )
        .exclude(proposed_by_id=actor.person_id)
        .select_related(
            "student",
            "proposed_by",
            "sheet__period",
            "sheet__activity__syllabus",
            "sheet__activity__organisation",
        )
    )
    if not rows:
        return []
    quals: dict[tuple[str, str], list[tuple[int | None, int | None]]] = defaultdict(list)
    for school_type, code, low, high in LicenceQualification.objects.filter(
        Q(licence__valid_to__isnull=True) | Q(licence__valid_to__gte=actor.on),
        licence__person_id=actor.person_id,
        licence__valid_from__lte=actor.on,
    ).values_list("school_type", "subject_code", "school_year_from", "school_year_to"):
        quals[school_type, code].append((low, high))
    years: dict[tuple[UUID, UUID], int] = {
        (pk, org): year
        for pk, org, year in Enrolment.objects.filter(
            valid_on(actor.on),
            person_id__in={r.student_id for r in rows},
            cancelled=False,
        ).values_list("person_id", "enroled_at_id", "school_year")
        if year is not None
    }
    out = []
    for r in rows:
        syllabus = r.sheet.activity.syllabus
        if syllabus is None:
            continue
        year = years.get((r.student_id, r.sheet.period.organisation_id))
        if licence_covers(quals.get((syllabus.school_type, syllabus.subject_code), []), year):
            r.school_year = year  # type: ignore[attr-defined]
            out.append(r)
    return out


@dataclass
class ProgressRow:
    activity: Activity
    teachers: list[str]
    pupils: int = 0
    set: int = 0
    pending: int = 0
    failing: list[tuple[Any, str]] = field(default_factory=list)  # (pupil, F or dash)
    teacher_ids: list[UUID] = field(default_factory=list)

    @property
    def missing(self) -> int:
        return self.pupils - self.set - self.pending

    @property
    def done(self) -> bool:
        return self.pupils > 0 and self.missing == 0 and self.pending == 0


def progress_for(*, actor: Actor, period: GradingPeriod) -> list[ProgressRow]:
    """Return, per graded activity at the unit: its teachers, pupils, grades set, waiting
    for a co-signer and missing, and the pupils with F or a dash. Six queries."""
    day = actor.on
    activities = list(
        Activity.objects.filter(
            valid_on(day), organisation_id=period.organisation_id, syllabus__isnull=False
        )
        .select_related("syllabus")
        .order_by("display_name")
    )
    activities = [a for a in activities if value_set_of(a) is not None]
    ids = [a.pk for a in activities]
    teachers: dict[UUID, list[Any]] = defaultdict(list)
    for t in (
        ActivityTeacher.objects.filter(
            Q(start_date__isnull=True) | Q(start_date__lte=day),
            Q(end_date__isnull=True) | Q(end_date__gte=day),
            valid_on(day, "duty__"),
            grader=True,
            activity_id__in=ids,
        )
        .select_related("duty__person")
        .order_by("duty__person__family_name")
    ):
        teachers[t.activity_id].append(t.duty.person)
    members: dict[UUID, set[UUID]] = defaultdict(set)
    by_group: dict[UUID, list[UUID]] = defaultdict(list)
    for ga in Activity.groups.through.objects.filter(activity_id__in=ids).values_list(
        "activity_id", "group_id"
    ):
        by_group[ga[1]].append(ga[0])
    first_years = {
        a.pk: first_graded_year(period, a.syllabus.school_type if a.syllabus else "")
        for a in activities
    }
    rows = list(
        GroupMembership.objects.filter(
            valid_on(day), located(actor, "person__"), group_id__in=list(by_group)
        ).values_list("group_id", "person_id")
    )
    years = school_years(list({p for _, p in rows}), period.organisation_id, day)
    for group_id, person_id in rows:
        year = years.get(person_id)
        for activity_id in by_group[group_id]:
            first = first_years[activity_id]
            if first is None or year is None or year >= first:
                members[activity_id].add(person_id)
    people = {}
    grades: dict[tuple[UUID, UUID], Grade] = {}
    # Only what the page shows: a unit's period holds thousands of decisions, and whole
    # rows (a person's JSON columns decoded for every pupil) cost the page most of its time.
    for g in (
        Grade.objects.current()
        .filter(located(actor, "student__"), grading_period=period)
        .select_related("student")
        .only(
            "student_id",
            "syllabus_id",
            "grade_value",
            "student__given_name",
            "student__middle_name",
            "student__family_name",
        )
    ):
        grades[g.student_id, g.syllabus_id] = g
        people[g.student_id] = g.student
    pending = set(
        PendingGrade.objects.filter(sheet__period=period, decision__isnull=True).values_list(
            "sheet__activity_id", "student_id"
        )
    )
    out = []
    for a in activities:
        assert a.syllabus_id is not None
        row = ProgressRow(
            activity=a,
            teachers=[t.full_name for t in teachers[a.pk]],
            teacher_ids=[t.pk for t in teachers[a.pk]],
            pupils=len(members[a.pk]),
        )
        for pupil in members[a.pk]:
            g = grades.get((pupil, a.syllabus_id))
            if g is not None:
                row.set += 1
                if g.grade_value in ("F", DASH):
                    row.failing.append((g.student, g.grade_value))
            elif (a.pk, pupil) in pending:
                row.pending += 1
        row.failing.sort(key=lambda f: f[0].full_name)
        out.append(row)
    return out


def pending_for_actor(actor: Actor, pending_id: Any) -> PendingGrade:
    """Return a grade waiting for a co-signer that the actor may confirm (else 404)."""
    for row in pending_for_co_signer(actor=actor):
        if str(row.pk) == str(pending_id):
            return row
    raise Http404("Betyget finns inte.")
