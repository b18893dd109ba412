"""Test the start page each role lands on after logging in.

Köping runs Malmaskolan with classes 5A and 5B. Its rektor sees the school with today's
numbers, the mentor of 5A sees her class, a guardian sees his child, and a guardian whose
custody ended sees no child. A protected pupil in 5A is left out of every count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from skolsam.core.choices import DutyRole, SecurityMarking
from skolsam.testing import factories as f
from skolsam.testing.auth import verified_client

pytestmark = pytest.mark.django_db


@dataclass
class School:
    koping: Any
    malmaskolan: Any
    class_5a: Any
    alva: Any
    guardian: Any
    guardian_whose_custody_ended: Any


def _as(user: Any) -> Client:
    return verified_client(user)


def _start(user: Any) -> Any:
    response = _as(user).get(reverse("start"))
    assert response.status_code == 200
    return response


def _pupil_in(unit: Any, group: Any, **kwargs: Any) -> Any:
    pupil = f.PupilFactory(**kwargs)
    f.EnrolmentFactory(person=pupil, enroled_at=unit)
    f.MembershipFactory(person=pupil, group=group)
    return pupil


@pytest.fixture
def school() -> School:
    koping = f.HuvudmanFactory(display_name="Köpings kommun")
    malmaskolan = f.SchoolUnitFactory(display_name="Malmaskolan", parent=koping)
    class_5a = f.GroupFactory(display_name="5A", organisation=malmaskolan)
    class_5b = f.GroupFactory(display_name="5B", organisation=malmaskolan)
    f.GroupFactory(
        display_name="4A",
        organisation=malmaskolan,
        start_date=date(2024, 8, 19),
        end_date=date(2025, 6, 13),
    )
    alva = _pupil_in(malmaskolan, class_5a, given_name="Alva", family_name="Lindqvist")
    _pupil_in(malmaskolan, class_5a)
    _pupil_in(malmaskolan, class_5b)
    _pupil_in(malmaskolan, class_5a, security_marking=SecurityMarking.SKYDDAD_FOLKBOKFORING)
    moved_away = f.PupilFactory()
    f.EnrolmentFactory(
        person=moved_away,
        enroled_at=malmaskolan,
        start_date=date(2022, 8, 15),
        end_date=date(2025, 6, 13),
    )

    guardian = f.UserFactory()
    f.ResponsibleFactory(person=alva, responsible=guardian.person)
    guardian_whose_custody_ended = f.UserFactory()
    f.ResponsibleFactory(
        person=alva,
        responsible=guardian_whose_custody_ended.person,
        end_date=date(2021, 1, 31),
    )
    return School(koping, malmaskolan, class_5a, alva, guardian, guardian_whose_custody_ended)


def test_the_rektor_sees_the_school_unit_with_todays_pupils_and_groups(school):
    rektor = f.UserFactory()
    f.DutyFactory(person=rektor.person, duty_at=school.malmaskolan, duty_role=DutyRole.REKTOR)
    response = _start(rektor)
    [unit] = response.context["school_units"]
    assert unit.display_name == "Malmaskolan"
    # Three pupils; the protected one and the one who left are not counted. 4A has ended.
    assert unit.pupil_count == 3
    assert unit.group_count == 2
    assert "Mina skolenheter" in response.content.decode()


def test_a_kurator_sees_the_school_unit_too(school):
    kurator = f.UserFactory()
    f.DutyFactory(person=kurator.person, duty_at=school.malmaskolan, duty_role=DutyRole.KURATOR)
    [unit] = _start(kurator).context["school_units"]
    assert unit.pupil_count == 3


def test_a_teacher_sees_her_class_with_its_members_but_no_school_unit(school):
    mentor = f.UserFactory()
    duty = f.DutyFactory(person=mentor.person, duty_at=school.malmaskolan)
    f.AssignmentRoleFactory(duty=duty, group=school.class_5a)
    response = _start(mentor)
    assert response.context["school_units"] == []
    [group] = response.context["groups"]
    assert group.display_name == "5A"
    # Alva and one more; the protected pupil is not counted.
    assert group.member_count == 2
    assert "Mina grupper" in response.content.decode()


def test_a_guardian_sees_the_child(school):
    response = _start(school.guardian)
    assert response.context["children"] == [school.alva]
    assert reverse("person_detail", args=[school.alva.pk]) in response.content.decode()


def test_a_guardian_whose_custody_ended_sees_no_child(school):
    response = _start(school.guardian_whose_custody_ended)
    assert response.context["children"] == []
    assert "Alva" not in response.content.decode()


def test_an_account_without_a_person_is_told_why_it_sees_nothing(school):
    response = _start(f.UserFactory(person=None))
    assert "inte kopplat till någon person" in response.content.decode()


def test_every_start_page_has_the_person_search(school):
    body = _start(school.guardian).content.decode()
    assert f'action="{reverse("person_search")}"' in body
    assert 'role="search"' in body


def test_the_start_page_costs_the_same_queries_for_one_school_as_for_many(school):
    central = f.UserFactory()
    f.DutyFactory(
        person=central.person, duty_at=school.koping, duty_role=DutyRole.SKOLADMINISTRATOR
    )
    client = _as(central)
    client.get(reverse("start"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("start"))
    for n in range(5):
        unit = f.SchoolUnitFactory(parent=school.koping)
        group = f.GroupFactory(organisation=unit)
        for _ in range(n + 1):
            _pupil_in(unit, group)
    # The register changed, so the next request builds the session's Actor anew, once.
    client.get(reverse("start"))
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("start"))
    assert len(response.context["school_units"]) == 6
    assert len(many) == len(one)
