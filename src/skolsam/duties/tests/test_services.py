"""Prove the duty services: who may register staff, periods, assignment roles and the audit."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from skolsam.accounts import actor as actor_builder
from skolsam.audit.models import AuditEntry
from skolsam.core.choices import AssignmentRoleType, DutyRole
from skolsam.core.errors import DomainError
from skolsam.duties import services
from skolsam.duties.models import AssignmentRole, Duty
from skolsam.people import access as people_access
from skolsam.testing import factories as f
from skolsam.testing.story import ON, build_school

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheeleskolan():
    return build_school()


@pytest.fixture
def rektor(scheeleskolan):
    return f.staff_actor(scheeleskolan, role=DutyRole.REKTOR, on=ON)


def fields(caught) -> set[str]:
    return set(caught.value.message_dict)


def test_duty_create_and_end_are_audited_and_end_access_the_day_after(rektor, scheeleskolan):
    teacher = f.PersonFactory(given_name="Maria")
    duty = services.duty_create(
        actor=rektor,
        person=teacher,
        duty_at=scheeleskolan,
        duty_role=DutyRole.LARARE,
        start_date=date(2026, 8, 1),
        duty_percent=80,
        signature="MAR",
    )
    created = AuditEntry.objects.get(action="duty.create")
    assert created.person_id == teacher.pk
    assert created.changes == {
        "duty_at": [None, str(scheeleskolan.pk)],
        "duty_role": [None, "Lärare"],
        "start_date": [None, "2026-08-01"],
        "end_date": [None, None],
    }
    services.duty_end(actor=rektor, duty=duty, end_date=ON)
    ended = AuditEntry.objects.get(action="duty.end")
    assert ended.changes == {"end_date": [None, "2026-10-15"]}
    last_day = actor_builder.actor_for_person(teacher.pk, on=ON)
    day_after = actor_builder.actor_for_person(teacher.pk, on=ON + timedelta(days=1))
    assert scheeleskolan.pk in last_day.staff_org_ids
    assert not day_after.staff_org_ids


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"duty_role": "Trollkarl"}, "duty_role"),
        ({"duty_percent": 0}, "duty_percent"),
        ({"duty_percent": 101}, "duty_percent"),
        ({"end_date": date(2026, 7, 31)}, "end_date"),
    ],
)
def test_duty_create_refusals_write_nothing(rektor, scheeleskolan, kw, field):
    data = {"duty_role": DutyRole.LARARE, "start_date": date(2026, 8, 1), **kw}
    with pytest.raises(DomainError) as caught:
        services.duty_create(actor=rektor, person=f.PersonFactory(), duty_at=scheeleskolan, **data)
    assert fields(caught) == {field}
    assert Duty.objects.count() == 1  # only the rektor's own duty
    assert not AuditEntry.objects.exists()


def test_duty_end_refuses_an_end_before_the_start(rektor, scheeleskolan):
    duty = f.DutyFactory(duty_at=scheeleskolan, start_date=ON)
    with pytest.raises(DomainError) as caught:
        services.duty_end(actor=rektor, duty=duty, end_date=ON - timedelta(days=1))
    assert fields(caught) == {"end_date"}
    duty.refresh_from_db()
    assert duty.end_date is None


def test_only_administrators_of_the_unit_register_staff(scheeleskolan):
    teacher = f.staff_actor(scheeleskolan, role=DutyRole.LARARE, on=ON)
    kurator = f.staff_actor(scheeleskolan, role=DutyRole.KURATOR, on=ON)
    rektor_elsewhere = f.staff_actor(f.SchoolUnitFactory(), role=DutyRole.REKTOR, on=ON)
    duty = f.DutyFactory(duty_at=scheeleskolan)
    for actor in (teacher, kurator, rektor_elsewhere):
        with pytest.raises(DomainError, match="behörighet"):
            services.duty_create(
                actor=actor,
                person=f.PersonFactory(),
                duty_at=scheeleskolan,
                duty_role=DutyRole.LARARE,
                start_date=ON,
            )
        with pytest.raises(DomainError, match="behörighet"):
            services.duty_end(actor=actor, duty=duty, end_date=ON)


def test_a_central_administrator_registers_staff_anywhere_in_the_huvudman(scheeleskolan):
    huvudman = scheeleskolan.huvudman
    # A second school and a preschool under the same huvudman, and a school of another one.
    malmaskolan = f.SchoolUnitFactory(parent=huvudman, display_name="Malmaskolan")
    solrosen = f.SchoolUnitFactory(parent=huvudman, display_name="Förskolan Solrosen")
    elsewhere = f.SchoolUnitFactory(display_name="Lärkanskolan")
    central = f.staff_actor(huvudman, role=DutyRole.OVRIG_ARBETSLEDNING, on=ON)
    for unit in (scheeleskolan, malmaskolan, solrosen):
        teacher = f.PersonFactory()
        duty = services.duty_create(
            actor=central,
            person=teacher,
            duty_at=unit,
            duty_role=DutyRole.LARARE,
            start_date=ON,
        )
        assert (duty.person_id, duty.duty_at_id) == (teacher.pk, unit.pk)
        entry = AuditEntry.objects.get(action="duty.create", object_id=str(duty.pk))
        assert entry.person_id == teacher.pk
        # The new teacher is staff at that unit from the start date.
        assert actor_builder.actor_for_person(teacher.pk, on=ON).staff_org_ids == {unit.pk}
    with pytest.raises(DomainError, match="behörighet"):
        services.duty_create(
            actor=central,
            person=f.PersonFactory(),
            duty_at=elsewhere,
            duty_role=DutyRole.LARARE,
            start_date=ON,
        )
    assert not Duty.objects.filter(duty_at=elsewhere).exists()


# --- assignment roles ---------------------------------------------------------------------


def test_assignment_role_add_makes_a_mentor_and_is_audited(rektor, scheeleskolan):
    class_7b = f.GroupFactory(display_name="7B", organisation=scheeleskolan)
    pupil = f.PupilFactory()
    f.EnrolmentFactory(person=pupil, enroled_at=scheeleskolan)
    f.MembershipFactory(person=pupil, group=class_7b)
    duty = f.DutyFactory(duty_at=scheeleskolan)
    role = services.assignment_role_add(
        actor=rektor,
        duty=duty,
        group=class_7b,
        assignment_role_type=AssignmentRoleType.MENTOR,
        start_date=ON,
    )
    entry = AuditEntry.objects.get(action="assignment_role.add")
    assert entry.object_id == str(role.pk) and entry.person_id == duty.person_id
    assert entry.changes == {
        "duty": [None, str(duty.pk)],
        "group": [None, str(class_7b.pk)],
        "assignment_role_type": [None, "Mentor"],
        "start_date": [None, "2026-10-15"],
        "end_date": [None, None],
    }
    mentor = actor_builder.actor_for_person(duty.person_id, on=ON)
    assert people_access.person_for_actor(mentor, pupil.pk) == pupil
    yesterday = actor_builder.actor_for_person(duty.person_id, on=ON - timedelta(days=1))
    assert not people_access.persons_visible_to(yesterday).filter(pk=pupil.pk).exists()


def test_assignment_role_add_refusals_write_nothing(rektor, scheeleskolan):
    class_7b = f.GroupFactory(organisation=scheeleskolan)
    duty = f.DutyFactory(duty_at=scheeleskolan)
    teacher_in_arboga = f.DutyFactory()  # a duty at another huvudman's school
    ok: dict[str, Any] = {
        "duty": duty,
        "group": class_7b,
        "assignment_role_type": AssignmentRoleType.MENTOR,
        "start_date": ON,
    }
    refusals: list[tuple[dict[str, Any], str]] = [
        ({"assignment_role_type": "Trollkarl"}, "assignment_role_type"),
        ({"end_date": ON - timedelta(days=1)}, "end_date"),
        ({"duty": teacher_in_arboga}, "duty"),
    ]
    for override, field in refusals:
        with pytest.raises(DomainError) as caught:
            services.assignment_role_add(actor=rektor, **{**ok, **override})
        assert fields(caught) == {field}
    teacher = f.staff_actor(scheeleskolan, role=DutyRole.LARARE, on=ON)
    with pytest.raises(DomainError, match="behörighet"):
        services.assignment_role_add(actor=teacher, **ok)
    assert not AssignmentRole.objects.exists() and not AuditEntry.objects.exists()
