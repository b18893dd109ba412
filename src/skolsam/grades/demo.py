"""Give the demo grades: licences, earlier terms' grades, a grading period open now, and a
teacher without a licence whose grades wait for a co-signer.

Called by the demo loader after the attendance: `demo_grades_load(named=generation.named)`.
Everything goes through the services as the people who would do it (the central
administrator records the licences, the rektor opens and closes the periods, each
activity's teacher saves the grade sheet), so the audit log reads as in real use.
Idempotent: a second load finds the periods and changes nothing.

- Centralskolan 7-9 (Köping): term grades for the autumn and spring terms before this
  one, for every pupil in every subject; the term-grade period of this term open now.
  The teacher of 9A mathematics has no licence (`UNLICENSED`), so what they grade waits
  for a licensed mathematics teacher (the demo login `larare.centralskolan`) to co-sign.
- Last school year's year 9 at Centralskolan (registered by `demo/leavers.py`): their
  term grades of that autumn and their final grades (slutbetyg) of that spring, each set
  by their teacher as of a day in that term, the final grades in a final grading period
  the rektor opened, closed and published; the rektor issues their slutbetyg in the demo.
  Only their activities run on those days, so the unit's graders then are theirs.
- Mälargymnasiet (Köping): course grades from the spring term's course ends, and a study
  plan for a few pupils (`STUDY_PLANS`), set by the rektor: the pupil's programme and the
  courses of their groups' activities, under Gymnasiegemensamma or Programgemensamma.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from skolsam.accounts.actor import actor_for_person
from skolsam.activities.models import Activity, ActivityTeacher
from skolsam.core.choices import SchoolType, SecurityMarking
from skolsam.core.dates import today
from skolsam.core.models import valid_on
from skolsam.curriculum.models import Syllabus
from skolsam.enrolment.models import Enrolment
from skolsam.grades.models import (
    Grade,
    GradingPeriod,
    GradingPeriodKind,
    Semester,
    StudyPlanContentType,
    TeacherLicence,
)
from skolsam.grades.selectors import grade_sheet_for, roster
from skolsam.grades.services import (
    PlannedCourse,
    SheetEntry,
    grade_sheet_save,
    grading_period_close,
    grading_period_open,
    grading_period_publish,
    study_plan_set,
    teacher_licence_record,
)
from skolsam.grades.services.national_tests import national_tests_record
from skolsam.grades.services.warnings import grade_warning_send, may_warn
from skolsam.groups.models import GroupMembership
from skolsam.people.models import Person

CENTRAL = "koping/centralskolan"
# Set by demo/leavers.py when it has registered last school year's year 9 (the demo
# loader calls it first); the key is repeated here because grades sits below demo.
LEAVERS_KEY = f"leavers:{CENTRAL}"
GYMNASIUM = "koping/malargymnasiet"
# The teacher who grades without a licence (SL 3:16): their grades wait for a co-signer.
UNLICENSED = f"teaches:{CENTRAL}/9A/GRGRMAT01"
# Weighted towards the middle of the scale, with a few F and one dash in a hundred.
# How many of Mälargymnasiet's pupils get a study plan in the demo.
STUDY_PLANS = 6
# Subjects every national programme reads (gymnasiegemensamma ämnen), by subject code.
COMMON_SUBJECTS = ("SVE", "SVA", "ENG", "MAT", "HIS", "IDR", "NAK", "REL", "SAM")
VALUES = ["A"] * 8 + ["B"] * 14 + ["C"] * 26 + ["D"] * 20 + ["E"] * 22 + ["F"] * 9 + ["–"]


# The pupil whose guardians have the demo's portal logins (Alice in 8A): her mathematics
# teacher warns of an F, so the guardian finds the notice in the portal.
WARNED = "special:elev"
WARNING_MEASURES = (
    "Underlaget i {subject} räcker ännu inte för betyget E. Skolan erbjuder studiestöd "
    "tisdagar 15.30–16.30 och anpassade uppgifter, och mentorn bjuder in till ett samtal "
    "inom två veckor."
)
# And warns at most this many more pupils whose latest grade in the subject is an F.
MORE_WARNINGS = 3
# The national tests of year 9 the leavers took in their last spring, by subject code.
NATIONAL_TESTS = ("GRGRSVE01", "GRGRENG01", "GRGRMAT01", "GRGRBIO01")
SCALE = "ABCDEF"


@dataclass
class DemoGradesResult:
    licences: int = 0
    grades: int = 0
    periods: int = 0
    study_plans: int = 0
    warnings: int = 0
    national_tests: int = 0

    def __str__(self) -> str:
        return (
            f"{self.licences} legitimationer, {self.grades} betyg, {self.periods} perioder, "
            f"{self.study_plans} studieplaner, {self.warnings} varningar, "
            f"{self.national_tests} nationella prov"
        )


def _terms_before(day: date) -> list[tuple[str, int]]:
    """Return the two terms before the one `day` is in, oldest first."""
    if day.month >= 7:
        return [(Semester.HT, day.year - 1), (Semester.VT, day.year)]
    return [(Semester.VT, day.year - 1), (Semester.HT, day.year - 1)]


def _current_term(day: date) -> tuple[str, int]:
    return (Semester.HT if day.month >= 7 else Semester.VT), day.year


def _graders(unit_id: UUID, day: date) -> list[tuple[Activity, Person]]:
    teaching = (
        ActivityTeacher.objects.filter(
            valid_on(day, "activity__"),
            grader=True,
            activity__organisation_id=unit_id,
            activity__syllabus__isnull=False,
        )
        .select_related("activity__syllabus", "duty__person", "activity__organisation")
        .order_by("activity__display_name")
    )
    return [(t.activity, t.duty.person) for t in teaching]


def _licences(
    graders: list[tuple[Activity, Person]], admin: Any, skip: UUID | None, on: date
) -> int:
    by_person: dict[UUID, set[tuple[str, str]]] = {}
    for activity, person in graders:
        if person.pk == skip or activity.syllabus is None:
            continue
        by_person.setdefault(person.pk, set()).add(
            (activity.syllabus.school_type, activity.syllabus.subject_code)
        )
    done = 0
    for person in Person.objects.filter(pk__in=list(by_person)):
        if TeacherLicence.objects.filter(person=person).exists():
            continue
        quals = [
            {
                "school_type": school_type,
                "subject_code": code,
                "school_year_from": 4 if school_type == SchoolType.GR else None,
                "school_year_to": 9 if school_type == SchoolType.GR else None,
            }
            for school_type, code in sorted(by_person[person.pk])
            if code
        ]
        if quals:
            teacher_licence_record(
                actor=admin, person=person, valid_from=date(2015, 6, 1), qualifications=quals
            )
            done += 1
    return done


def _grade_term(
    graders: list[tuple[Activity, Person]],
    period: GradingPeriod,
    rng: random.Random,
    on: date,
    skip: UUID | None = None,
) -> int:
    saved = 0
    for activity, person in graders:
        if person.pk == skip:
            continue
        actor = actor_for_person(person.pk, on=on)
        sheet = grade_sheet_for(actor=actor, period=period, activity=activity)
        if sheet.values is None:
            continue
        entries = [
            SheetEntry(
                student_id=row.person.pk,
                grade_value=(
                    rng.choice(VALUES)
                    if "F" in sheet.values.values
                    else rng.choice(sheet.values.values)
                ),
            )
            for row in sheet.rows
            if row.editable
        ]
        if entries:
            saved += grade_sheet_save(
                actor=actor,
                period=period,
                activity=activity,
                version=sheet.version,
                entries=entries,
            ).set
    return saved


def _grading_day(semester: str, year: int) -> date:
    """A school day late in the term, when its grades are set: 8 December or 20 May."""
    return date(year, 12, 8) if semester == Semester.HT else date(year, 5, 20)


def demo_grades_load(*, named: dict[str, Any]) -> DemoGradesResult:
    """Load the demo's grades once (see the module's docstring)."""
    result = DemoGradesResult()
    day = today()
    central = named.get(f"org:{CENTRAL}")
    if central is None or GradingPeriod.objects.filter(organisation_id=central).exists():
        return result
    rng = random.Random(12)
    admin = actor_for_person(named["central:koping"], on=day)
    unlicensed = named.get(UNLICENSED)
    units = [(CENTRAL, GradingPeriodKind.TERM), (GYMNASIUM, GradingPeriodKind.COURSE_END)]
    for key, kind in units:
        unit_id = named.get(f"org:{key}")
        rektor_id = named.get(f"rektor:{key}")
        if unit_id is None or rektor_id is None:
            continue
        rektor = actor_for_person(rektor_id, on=day)
        graders = _graders(unit_id, day)
        # Last school year's leavers (Centralskolan only) and their teachers then.
        leavers = {
            (semester, year): _graders(unit_id, _grading_day(semester, year))
            for semester, year in _terms_before(day)
            if kind == GradingPeriodKind.TERM and named.get(LEAVERS_KEY)
        }
        result.licences += _licences(
            graders + [g for gs in leavers.values() for g in gs], admin, unlicensed, day
        )
        unit = graders[0][0].organisation if graders else None
        if unit is None:
            continue
        terms = _terms_before(day)
        if kind == GradingPeriodKind.COURSE_END:
            terms = [t for t in terms if t[0] == Semester.VT]
        for semester, year in terms:
            period = grading_period_open(
                actor=rektor, organisation=unit, kind=kind, semester=semester, year=year
            )
            result.periods += 1
            result.grades += _grade_term(graders, period, rng, day, skip=unlicensed)
            if semester == Semester.HT and leavers.get((semester, year)):
                then = _grading_day(semester, year)
                result.grades += _grade_term(leavers[(semester, year)], period, rng, then)
            grading_period_close(actor=rektor, period=period)
            # Published, so pupils and guardians see them in the portal; the latest term at
            # Centralskolan is left closed but unpublished, for the rektor to lock, sign
            # and publish in the demo.
            if not (kind == GradingPeriodKind.TERM and (semester, year) == terms[-1]):
                grading_period_publish(actor=rektor, period=period)
        spring = [(t, gs) for t, gs in leavers.items() if t[0] == Semester.VT and gs]
        for (semester, year), leaver_graders in spring:
            final = grading_period_open(
                actor=rektor,
                organisation=unit,
                kind=GradingPeriodKind.FINAL,
                semester=semester,
                year=year,
            )
            result.periods += 1
            then = _grading_day(semester, year)
            result.national_tests += _national_tests(leaver_graders, year, rng, then)
            result.grades += _grade_term(leaver_graders, final, rng, then)
            grading_period_close(actor=rektor, period=final)
            grading_period_publish(actor=rektor, period=final)
        if kind == GradingPeriodKind.COURSE_END:
            result.study_plans += _study_plans(unit, rektor, day)
        if kind == GradingPeriodKind.TERM:
            semester, year = _current_term(day)
            now_open = grading_period_open(
                actor=rektor, organisation=unit, kind=kind, semester=semester, year=year
            )
            result.periods += 1
            _waiting_for_co_signer(graders, now_open, unlicensed, day)
            result.warnings += _warnings(graders, named.get(WARNED), unlicensed, day)
    return result


def _waiting_for_co_signer(
    graders: list[tuple[Activity, Person]], period: GradingPeriod, teacher: UUID | None, on: date
) -> None:
    """Let the unlicensed teacher grade three pupils now: their grades wait for a co-signer."""
    for activity, person in graders:
        if person.pk != teacher:
            continue
        actor = actor_for_person(person.pk, on=on)
        sheet = grade_sheet_for(actor=actor, period=period, activity=activity)
        rows = [r for r in sheet.rows if r.editable][:3]
        grade_sheet_save(
            actor=actor,
            period=period,
            activity=activity,
            version=sheet.version,
            entries=[
                SheetEntry(student_id=r.person.pk, grade_value=v)
                for r, v in zip(rows, "CBE", strict=False)
            ],
        )
        return


def _study_plans(unit: Any, rektor: Any, day: date) -> int:
    """Give a few of the unit's pupils a study plan: programme and their groups' courses."""
    enrolments = (
        Enrolment.objects.filter(
            valid_on(day),
            enroled_at=unit,
            programme__isnull=False,
            person__security_marking=SecurityMarking.INGEN,
        )
        .select_related("person", "programme")
        .order_by("person__family_name", "person__given_name", "person_id")[:STUDY_PLANS]
    )
    made = 0
    for enrolment in enrolments:
        groups = GroupMembership.objects.filter(valid_on(day), person=enrolment.person)
        activities = Activity.objects.filter(
            valid_on(day), organisation=unit, groups__in=groups.values("group_id")
        )
        syllabuses = Syllabus.objects.filter(pk__in=activities.values("syllabus_id")).order_by(
            "course_code"
        )
        study_plan_set(
            actor=rektor,
            student=enrolment.person,
            organisation=unit,
            start_date=enrolment.start_date,
            end_date=enrolment.end_date,
            programme=enrolment.programme,
            courses=[
                PlannedCourse(
                    StudyPlanContentType.GYMNASIEGEMENSAMMA
                    if s.subject_code[:3] in COMMON_SUBJECTS
                    else StudyPlanContentType.PROGRAMGEMENSAMMA,
                    s,
                )
                for s in syllabuses
            ],
        )
        made += 1
    return made


def _national_tests(
    graders: list[tuple[Activity, Person]], year: int, rng: random.Random, on: date
) -> int:
    """Record the year's national tests (provbetyg) for the subjects that have them.

    A result lies at the grade the teacher will set or a step beside it, as results do:
    the rektor's comparison then shows the differences per subject and teacher.
    """
    recorded = 0
    for activity, person in graders:
        if activity.syllabus is None or activity.syllabus.subject_code not in NATIONAL_TESTS:
            continue
        actor = actor_for_person(person.pk, on=on)
        pupils = roster(actor, activity)
        results = {}
        for pupil in pupils:
            middle = SCALE.index(rng.choice("BCCDDEE"))
            results[pupil.pk] = SCALE[
                max(0, min(len(SCALE) - 1, middle + rng.choice((-1, 0, 0, 1))))
            ]
        recorded += national_tests_record(
            actor=actor, activity=activity, year=year, part="Provbetyg", results=results
        )
    return recorded


def _warnings(
    graders: list[tuple[Activity, Person]], warned: UUID | None, skip: UUID | None, on: date
) -> int:
    """Let teachers warn of an F this term: the named pupil in mathematics, and a few pupils
    whose latest grade in the subject was an F."""
    sent = 0
    failed = {
        (g.student_id, g.syllabus_id)
        for g in Grade.objects.current().filter(grade_value="F", school_type=SchoolType.GR)
    }
    for activity, person in graders:
        if person.pk == skip or activity.syllabus is None:
            continue
        actor = actor_for_person(person.pk, on=on)
        for pupil in roster(actor, activity):
            named = pupil.pk == warned and activity.syllabus.subject_code == "GRGRMAT01"
            more = sent < MORE_WARNINGS + 1 and (pupil.pk, activity.syllabus_id) in failed
            if not (named or more) or not may_warn(actor, pupil, activity):
                continue
            grade_warning_send(
                actor=actor,
                student=pupil,
                activity=activity,
                measures=WARNING_MEASURES.format(subject=activity.syllabus.subject_name.lower()),
            )
            sent += 1
    return sent
