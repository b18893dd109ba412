"""Prove the group rules: one class at a time, moves, periods, rights and the audit trail."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from skolsam.accounts import actor as actor_builder
from skolsam.activities.models import Activity
from skolsam.activities.services import activity_create
from skolsam.audit.models import AuditEntry
from skolsam.core.choices import DutyRole, GroupType
from skolsam.core.errors import DomainError
from skolsam.groups import services
from skolsam.groups.models import Group, GroupMembership
from skolsam.people import access as people_access
from skolsam.testing import factories as f
from skolsam.testing.story import ON, build_school

pytestmark = pytest.mark.django_db

TERM_START = date(2026, 8, 17)


@pytest.fixture
def scheeleskolan():
    return build_school()


@pytest.fixture
def school_admin(scheeleskolan):
    return f.staff_actor(scheeleskolan, role=DutyRole.SKOLADMINISTRATOR, on=ON)


@pytest.fixture
def class_7a(scheeleskolan):
    return f.GroupFactory(display_name="7A", organisation=scheeleskolan)


@pytest.fixture
def class_7b(scheeleskolan):
    return f.GroupFactory(display_name="7B", organisation=scheeleskolan)


@pytest.fixture
def pupil(scheeleskolan):
    pupil = f.PupilFactory(given_name="Alva")
    f.EnrolmentFactory(person=pupil, enroled_at=scheeleskolan)
    return pupil


def fields(caught) -> set[str]:
    return set(caught.value.message_dict)


# --- group_create ---------------------------------------------------------------------------


def test_group_create_writes_the_group_and_its_audit_entry(school_admin, scheeleskolan):
    group = services.group_create(
        actor=school_admin,
        organisation=scheeleskolan,
        display_name=" 7C ",
        group_type=GroupType.KLASS,
        school_type="GR",
        start_date=TERM_START,
        end_date=date(2027, 6, 11),
    )
    assert (group.display_name, group.organisation) == ("7C", scheeleskolan)
    entry = AuditEntry.objects.get(action="group.create")
    assert entry.object_id == str(group.pk)
    assert entry.changes == {"display_name": [None, "7C"], "group_type": [None, "Klass"]}


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"display_name": "  "}, "display_name"),
        ({"group_type": "Klubb"}, "group_type"),
        ({"school_type": "XX"}, "school_type"),
        ({"end_date": date(2026, 8, 16)}, "end_date"),
    ],
)
def test_group_create_refusals_write_nothing(school_admin, scheeleskolan, override, field):
    data = {
        "organisation": scheeleskolan,
        "display_name": "7C",
        "group_type": GroupType.KLASS,
        "start_date": TERM_START,
        **override,
    }
    with pytest.raises(DomainError) as caught:
        services.group_create(actor=school_admin, **data)
    assert fields(caught) == {field}
    assert not Group.objects.exists() and not AuditEntry.objects.exists()


def test_only_administrators_of_the_unit_create_groups(scheeleskolan):
    teacher = f.staff_actor(scheeleskolan, role=DutyRole.LARARE, on=ON)
    rektor_elsewhere = f.staff_actor(f.SchoolUnitFactory(), role=DutyRole.REKTOR, on=ON)
    for actor in (teacher, rektor_elsewhere):
        with pytest.raises(DomainError, match="behörighet"):
            services.group_create(
                actor=actor,
                organisation=scheeleskolan,
                display_name="7C",
                group_type=GroupType.KLASS,
                start_date=TERM_START,
            )
    assert not Group.objects.exists()


# --- one class at a time ------------------------------------------------------------------


def test_a_pupil_is_in_at_most_one_class_at_a_time(school_admin, pupil, class_7a, class_7b):
    services.group_membership_add(
        actor=school_admin, group=class_7a, person=pupil, start_date=TERM_START
    )
    with pytest.raises(DomainError) as caught:
        services.group_membership_add(
            actor=school_admin, group=class_7b, person=pupil, start_date=ON
        )
    assert fields(caught) == {"group"}
    assert "går redan i klass 7A" in caught.value.message_dict["group"][0]
    assert GroupMembership.objects.filter(person=pupil).count() == 1


def test_a_future_class_may_follow_an_ended_one(school_admin, pupil, class_7a, class_7b):
    services.group_membership_add(
        actor=school_admin,
        group=class_7a,
        person=pupil,
        start_date=TERM_START,
        end_date=date(2026, 12, 31),
    )
    with pytest.raises(DomainError):  # overlaps on the last day of 7A
        services.group_membership_add(
            actor=school_admin, group=class_7b, person=pupil, start_date=date(2026, 12, 31)
        )
    services.group_membership_add(
        actor=school_admin, group=class_7b, person=pupil, start_date=date(2027, 1, 1)
    )
    assert GroupMembership.objects.filter(person=pupil).count() == 2


def test_teaching_groups_are_not_limited_to_one(school_admin, scheeleskolan, pupil, class_7a):
    services.group_membership_add(
        actor=school_admin, group=class_7a, person=pupil, start_date=TERM_START
    )
    for name in ("Spanska 7", "Idrott 7"):
        group = f.GroupFactory(
            display_name=name, organisation=scheeleskolan, group_type=GroupType.UNDERVISNING
        )
        services.group_membership_add(
            actor=school_admin, group=group, person=pupil, start_date=TERM_START
        )
    assert GroupMembership.objects.filter(person=pupil).count() == 3


def test_the_same_group_twice_in_one_period_is_refused(school_admin, scheeleskolan, pupil):
    spanish = f.GroupFactory(organisation=scheeleskolan, group_type=GroupType.UNDERVISNING)
    services.group_membership_add(
        actor=school_admin, group=spanish, person=pupil, start_date=TERM_START
    )
    with pytest.raises(DomainError, match="redan med i"):
        services.group_membership_add(
            actor=school_admin, group=spanish, person=pupil, start_date=ON
        )


def test_membership_add_refuses_an_end_before_the_start(school_admin, pupil, class_7a):
    with pytest.raises(DomainError) as caught:
        services.group_membership_add(
            actor=school_admin,
            group=class_7a,
            person=pupil,
            start_date=ON,
            end_date=date(2026, 10, 14),
        )
    assert fields(caught) == {"end_date"}
    assert not GroupMembership.objects.exists()


def test_membership_add_and_end_are_audited(school_admin, pupil, class_7a):
    membership = services.group_membership_add(
        actor=school_admin, group=class_7a, person=pupil, start_date=TERM_START
    )
    services.group_membership_end(actor=school_admin, membership=membership, end_date=ON)
    added = AuditEntry.objects.get(action="membership.add")
    assert added.person_id == pupil.pk
    assert added.changes == {
        "group": [None, str(class_7a.pk)],
        "start_date": [None, "2026-08-17"],
        "end_date": [None, None],
    }
    ended = AuditEntry.objects.get(action="membership.end")
    assert ended.changes == {"end_date": [None, "2026-10-15"]}
    membership.refresh_from_db()
    assert membership.end_date == ON


def test_membership_end_refuses_an_end_before_the_start(school_admin, pupil, class_7a):
    membership = f.MembershipFactory(person=pupil, group=class_7a, start_date=ON)
    with pytest.raises(DomainError) as caught:
        services.group_membership_end(
            actor=school_admin, membership=membership, end_date=date(2026, 10, 14)
        )
    assert fields(caught) == {"end_date"}
    membership.refresh_from_db()
    assert membership.end_date is None
    assert not AuditEntry.objects.exists()


def test_only_administrators_change_memberships(scheeleskolan, pupil, class_7a):
    mentor = f.staff_actor(scheeleskolan, role=DutyRole.LARARE, on=ON)
    with pytest.raises(DomainError, match="behörighet"):
        services.group_membership_add(
            actor=mentor, group=class_7a, person=pupil, start_date=TERM_START
        )
    membership = f.MembershipFactory(person=pupil, group=class_7a)
    with pytest.raises(DomainError, match="behörighet"):
        services.group_membership_end(actor=mentor, membership=membership, end_date=ON)


# --- moving a pupil between classes ----------------------------------------------------------


def test_move_ends_the_old_class_the_day_before_the_new_one(
    school_admin, pupil, class_7a, class_7b
):
    old = services.group_membership_add(
        actor=school_admin, group=class_7a, person=pupil, start_date=TERM_START
    )
    new = services.group_membership_move(
        actor=school_admin, person=pupil, to_group=class_7b, on=date(2026, 11, 2)
    )
    old.refresh_from_db()
    assert old.end_date == date(2026, 11, 1)
    assert (new.group, new.start_date, new.end_date) == (class_7b, date(2026, 11, 2), None)
    assert list(
        AuditEntry.objects.filter(person_id=pupil.pk)
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["membership.add", "membership.end", "membership.add"]


def test_move_the_day_after_the_start_leaves_a_one_day_membership(
    school_admin, pupil, class_7a, class_7b
):
    old = f.MembershipFactory(person=pupil, group=class_7a, start_date=ON)
    services.group_membership_move(
        actor=school_admin, person=pupil, to_group=class_7b, on=date(2026, 10, 16)
    )
    old.refresh_from_db()
    assert (old.start_date, old.end_date) == (ON, ON)


def test_move_without_a_current_class_just_adds(school_admin, pupil, class_7b):
    membership = services.group_membership_move(
        actor=school_admin, person=pupil, to_group=class_7b, on=ON
    )
    assert membership.start_date == ON


@pytest.mark.parametrize(
    ("to", "on", "message"),
    [
        ("7A", date(2026, 11, 2), "går redan i 7A"),
        ("7B", TERM_START, "samma dag"),
    ],
)
def test_move_refusals_change_nothing(school_admin, pupil, class_7a, class_7b, to, on, message):
    services.group_membership_add(
        actor=school_admin, group=class_7a, person=pupil, start_date=TERM_START
    )
    entries = AuditEntry.objects.count()
    with pytest.raises(DomainError, match=message):
        services.group_membership_move(
            actor=school_admin,
            person=pupil,
            to_group={"7A": class_7a, "7B": class_7b}[to],
            on=on,
        )
    assert list(GroupMembership.objects.values_list("group__display_name", "end_date")) == [
        ("7A", None)
    ]
    assert AuditEntry.objects.count() == entries


def test_a_refused_move_rolls_back_the_ended_class(school_admin, pupil, class_7a, class_7b):
    # The pupil already has a place in 7B from January; moving them to 7B in November
    # would end 7A and then collide with that place, so nothing at all must change.
    services.group_membership_add(
        actor=school_admin,
        group=class_7a,
        person=pupil,
        start_date=TERM_START,
        end_date=date(2026, 12, 31),
    )
    services.group_membership_add(
        actor=school_admin, group=class_7b, person=pupil, start_date=date(2027, 1, 1)
    )
    entries = AuditEntry.objects.count()
    with pytest.raises(DomainError):
        services.group_membership_move(
            actor=school_admin, person=pupil, to_group=class_7b, on=date(2026, 11, 2)
        )
    assert GroupMembership.objects.get(group=class_7a).end_date == date(2026, 12, 31)
    assert AuditEntry.objects.count() == entries


# --- activities: who teaches which groups ------------------------------------------------------


def test_activity_create_is_audited_and_makes_the_teacher_see_the_class(
    school_admin, scheeleskolan, pupil, class_7a
):
    f.MembershipFactory(person=pupil, group=class_7a)
    duty = f.DutyFactory(duty_at=scheeleskolan, duty_role=DutyRole.LARARE)
    activity = activity_create(
        actor=school_admin,
        organisation=scheeleskolan,
        display_name="Matematik 7A",
        groups=[class_7a],
        teachers=[duty],
        start_date=TERM_START,
    )
    entry = AuditEntry.objects.get(action="activity.create")
    assert entry.object_id == str(activity.pk)
    assert entry.changes["groups"] == [None, [str(class_7a.pk)]]
    assert entry.changes["teachers"] == [None, [str(duty.pk)]]
    assert entry.changes["start_date"] == [None, "2026-08-17"]
    teacher = actor_builder.actor_for_person(duty.person_id, on=ON)
    assert people_access.person_for_actor(teacher, pupil.pk) == pupil


def test_activity_create_refusals_write_nothing(school_admin, scheeleskolan, class_7a):
    duty = f.DutyFactory(duty_at=scheeleskolan)
    group_in_arboga = f.GroupFactory()  # a class at another huvudman's school
    teacher_in_arboga = f.DutyFactory()
    ok: dict[str, Any] = {
        "organisation": scheeleskolan,
        "display_name": "Svenska 7A",
        "groups": [class_7a],
        "teachers": [duty],
        "start_date": TERM_START,
    }
    refusals: list[tuple[dict[str, Any], str]] = [
        ({"groups": []}, "groups"),
        ({"end_date": date(2026, 8, 16)}, "end_date"),
        ({"groups": [class_7a, group_in_arboga]}, "groups"),
        ({"teachers": [duty, teacher_in_arboga]}, "teachers"),
    ]
    for override, field in refusals:
        with pytest.raises(DomainError) as caught:
            activity_create(actor=school_admin, **{**ok, **override})
        assert fields(caught) == {field}
    teacher = f.staff_actor(scheeleskolan, role=DutyRole.LARARE, on=ON)
    with pytest.raises(DomainError, match="behörighet"):
        activity_create(actor=teacher, **ok)
    assert not Activity.objects.exists() and not AuditEntry.objects.exists()
