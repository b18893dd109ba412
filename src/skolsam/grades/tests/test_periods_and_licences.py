"""Grading periods are the rektor's; licences are recorded by the teacher's administrators."""

from __future__ import annotations

from datetime import date

import pytest

from skolsam.audit.models import AuditEntry
from skolsam.core.choices import DutyRole
from skolsam.core.dates import today
from skolsam.core.errors import DomainError
from skolsam.core.policy import Action
from skolsam.grades.access import grade_policy, grading_period_policy, licence_policy, licensed_for
from skolsam.grades.models import GradingPeriodKind
from skolsam.grades.services import (
    grade_decide,
    grading_period_close,
    grading_period_open,
    teacher_licence_record,
)
from skolsam.grades.tests.conftest import MATHS_7_9
from skolsam.testing import factories as f

pytestmark = pytest.mark.django_db


def open_period(grading, by, kind=GradingPeriodKind.FINAL, **kw):
    return grading_period_open(
        actor=grading.actor(by),
        organisation=kw.pop("organisation", grading.school),
        kind=kind,
        semester=kw.pop("semester", "VT"),
        year=kw.pop("year", today().year + 1),
        **kw,
    )


def test_only_the_rektor_of_the_unit_opens_a_period(grading):
    clerk = f.DutyFactory(duty_at=grading.school, duty_role=DutyRole.SKOLADMINISTRATOR).person
    for someone in (grading.teacher, clerk):
        with pytest.raises(DomainError, match="Bara skolenhetens rektor kan öppna"):
            open_period(grading, someone)
    other_school = f.SchoolUnitFactory()
    with pytest.raises(DomainError, match="Bara skolenhetens rektor"):
        open_period(grading, grading.rektor, organisation=other_school)
    period = open_period(grading, grading.rektor)
    assert (period.kind, period.final_grade, period.opened_by) == (
        "Slutbetyg",
        True,
        grading.rektor,
    )
    assert AuditEntry.objects.filter(action="grades.period_open", object_id=str(period.pk)).exists()


def test_a_period_is_opened_once_per_kind_and_term_and_with_sane_values(grading):
    with pytest.raises(DomainError, match="redan en sådan betygsperiod"):
        open_period(
            grading, grading.rektor, kind=GradingPeriodKind.TERM, semester="HT", year=today().year
        )
    with pytest.raises(DomainError) as caught:
        open_period(grading, grading.rektor, kind="Veckobetyg", semester="ST", year=1900)
    assert set(caught.value.message_dict) == {"kind", "semester", "year"}
    with pytest.raises(DomainError, match="från årskurs 4 eller 5"):
        open_period(grading, grading.rektor, kind=GradingPeriodKind.TERM, first_school_year=3)
    with pytest.raises(DomainError, match="Bara terminsbetyg"):
        open_period(grading, grading.rektor, first_school_year=4)
    assert grading.period.first_school_year == 6  # the rule's year when nothing was decided


def test_the_rektor_closes_the_period_once_and_teachers_cannot(grading):
    with pytest.raises(DomainError, match="Bara skolenhetens rektor kan stänga"):
        grading_period_close(actor=grading.actor(grading.teacher), period=grading.period)
    closed = grading_period_close(actor=grading.actor(grading.rektor), period=grading.period)
    assert closed.closed_by == grading.rektor and not closed.is_open
    with pytest.raises(DomainError, match="redan stängd"):
        grading_period_close(actor=grading.actor(grading.rektor), period=closed)


def test_the_units_staff_see_its_periods_and_others_do_not(grading):
    teacher = grading.actor(grading.teacher)
    assert list(grading_period_policy.objects(teacher, Action.VIEW)) == [grading.period]
    assert not grading_period_policy.objects(teacher, Action.DECIDE).exists()
    stranger = f.staff_actor(f.SchoolUnitFactory(), role=DutyRole.REKTOR)
    assert not grading_period_policy.objects(stranger, Action.VIEW).exists()
    rektor = grading.actor(grading.rektor)
    assert list(grading_period_policy.objects(rektor, Action.DECIDE)) == [grading.period]


def test_who_sees_a_grade(grading):
    grade = grade_decide(
        actor=grading.actor(grading.teacher),
        kind="Satt",
        grade_value="C",
        student=grading.alva,
        syllabus=grading.syllabus,
        organisation=grading.school,
        period=grading.period,
    )
    sees = {
        name: grade_policy.objects(grading.actor(person), Action.VIEW).filter(pk=grade.pk).exists()
        for name, person in (
            ("maria", grading.teacher),
            ("anders", grading.rektor),
            ("ingrid", grading.other_teacher),
            ("karin", grading.guardian),
        )
    }
    assert sees == {"maria": True, "anders": True, "ingrid": False, "karin": False}


def test_a_licence_is_recorded_by_an_administrator_where_the_teacher_works(grading):
    ingrid = grading.other_teacher
    with pytest.raises(DomainError, match="Du kan bara registrera legitimation"):
        teacher_licence_record(
            actor=grading.actor(grading.teacher),
            person=ingrid,
            valid_from=date(2020, 1, 1),
            qualifications=[MATHS_7_9],
        )
    elsewhere = f.staff_actor(f.SchoolUnitFactory(), role=DutyRole.REKTOR)
    with pytest.raises(DomainError, match="Du kan bara registrera legitimation"):
        teacher_licence_record(
            actor=elsewhere, person=ingrid, valid_from=date(2020, 1, 1), qualifications=[MATHS_7_9]
        )
    licence = teacher_licence_record(
        actor=grading.actor(grading.rektor),
        person=ingrid,
        valid_from=date(2020, 1, 1),
        qualifications=[MATHS_7_9],
    )
    assert AuditEntry.objects.filter(action="grades.licence_record", person_id=ingrid.pk).exists()
    assert licence_policy.can(grading.actor(ingrid), Action.VIEW, licence)
    assert not licence_policy.can(grading.actor(grading.teacher), Action.VIEW, licence)


@pytest.mark.parametrize(
    ("qualification", "message"),
    [
        ({"school_type": "FS", "subject_code": "X"}, "skolform där betyg sätts"),
        ({"school_type": "GR", "subject_code": " "}, "ämnets kod"),
        ({**MATHS_7_9, "school_year_to": None}, "både första och sista"),
        ({**MATHS_7_9, "school_year_from": 9, "school_year_to": 7}, "den första först"),
        ({**MATHS_7_9, "school_year_from": "sju"}, "heltal"),
    ],
)
def test_a_bad_qualification_is_refused_and_nothing_written(grading, qualification, message):
    from skolsam.grades.models import TeacherLicence

    before = TeacherLicence.objects.count()
    with pytest.raises(DomainError, match=message):
        teacher_licence_record(
            actor=grading.actor(grading.rektor),
            person=grading.other_teacher,
            valid_from=date(2020, 1, 1),
            qualifications=[qualification],
        )
    assert TeacherLicence.objects.count() == before


def test_a_licence_covers_its_subject_years_and_days(grading):
    ingrid = grading.other_teacher
    teacher_licence_record(
        actor=grading.actor(grading.rektor),
        person=ingrid,
        valid_from=date(2024, 1, 1),
        valid_to=date(2025, 12, 31),
        qualifications=[MATHS_7_9],
    )
    maths = grading.syllabus
    assert licensed_for(ingrid.pk, maths, 8, date(2025, 6, 1))
    assert not licensed_for(ingrid.pk, maths, 6, date(2025, 6, 1))  # year 6 not covered
    assert not licensed_for(ingrid.pk, maths, None, date(2025, 6, 1))  # year unknown
    assert not licensed_for(ingrid.pk, maths, 8, date(2026, 1, 1))  # revoked/ended
    assert not licensed_for(ingrid.pk, maths, 8, date(2023, 12, 31))  # not yet


def test_the_system_actor_opens_no_period_for_nobody(grading):
    # It passes the policy, but a decision is a named person's.
    from skolsam.core.access import system_actor

    with pytest.raises(DomainError, match="fattas av en person"):
        grading_period_open(
            actor=system_actor("test"),
            organisation=grading.school,
            kind=GradingPeriodKind.FINAL,
            semester="VT",
            year=today().year + 1,
        )
