"""Test the start page each role lands on after logging in.

The register of skolsam.testing.story: Anders, rektor at Scheeleskolan, sees the school with
today's numbers; Sofia the kurator too; Lars, the mentor of 7B, sees his class; Karin sees
her child Alva; Johan, whose custody ended, sees no child. Elsa, protected, in 7B, is left
out of every count, and so are a pupil who has left and a class that has ended.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from skolsam.core.choices import DutyRole
from skolsam.testing import factories as f
from skolsam.testing.auth import verified_client
from skolsam.testing.story import Story, build_story

pytestmark = pytest.mark.django_db


def _as(user: Any) -> Client:
    return verified_client(user)


def _start(person: Any) -> Any:
    """Open the start page as `person`, logged in with a new account of theirs."""
    response = _as(f.UserFactory(person=person)).get(reverse("start"))
    assert response.status_code == 200
    return response


def _pupil_in(unit: Any, group: Any, **kwargs: Any) -> Any:
    pupil = f.PupilFactory(**kwargs)
    f.EnrolmentFactory(person=pupil, enroled_at=unit)
    f.MembershipFactory(person=pupil, group=group)
    return pupil


@pytest.fixture
def story() -> Story:
    story = build_story()
    # What the counts must leave out besides Elsa: a class that has ended and a pupil who
    # has left the school.
    f.GroupFactory(
        display_name="6B",
        organisation=story.scheeleskolan,
        start_date=date(2024, 8, 19),
        end_date=date(2025, 6, 13),
    )
    f.EnrolmentFactory(
        person=f.PupilFactory(),
        enroled_at=story.scheeleskolan,
        start_date=date(2022, 8, 15),
        end_date=date(2025, 6, 13),
    )
    return story


def test_the_rektor_sees_the_school_unit_with_todays_pupils_and_groups(story):
    response = _start(story.rektor_at_scheeleskolan)
    [unit] = response.context["school_units"]
    assert unit.display_name == "Scheeleskolan"
    # Alva, Theo and Selma; Elsa (protected) and the pupil who left are not. 6B has ended.
    assert unit.pupil_count == 3
    assert unit.group_count == 2
    assert "Mina skolenheter" in response.content.decode()


def test_a_kurator_sees_the_school_unit_too(story):
    [unit] = _start(story.kurator_at_scheeleskolan).context["school_units"]
    assert unit.pupil_count == 3


def test_a_teacher_sees_her_class_with_its_members_but_no_school_unit(story):
    response = _start(story.mentor_of_7b)
    assert response.context["school_units"] == []
    [group] = response.context["groups"]
    assert group.display_name == "7B"
    # Alva; Elsa, protected, is not counted.
    assert group.member_count == 1
    assert "Mina grupper" in response.content.decode()


def test_a_guardian_lands_in_the_portal_and_sees_the_child(story):
    client = _as(f.UserFactory(person=story.guardian_of_pupil_in_7b))
    assert client.get(reverse("start"))["Location"] == reverse("portal:start")
    body = client.get(reverse("portal:start")).content.decode()
    assert reverse("portal:child", args=[story.pupil_in_7b.pk]) in body


def test_a_guardian_whose_custody_ended_sees_no_child(story):
    client = _as(f.UserFactory(person=story.guardian_whose_custody_ended))
    assert client.get(reverse("start"))["Location"] == reverse("portal:start")
    assert "Alva" not in client.get(reverse("portal:start")).content.decode()


def test_an_account_without_a_person_is_told_why_it_sees_nothing(story):
    response = _as(story.users["user_without_person"]).get(reverse("start"), follow=True)
    assert "inte kopplat till någon person" in response.content.decode()


def test_every_staff_start_page_has_the_person_search(story):
    body = _start(story.teacher_of_7b).content.decode()
    assert f'action="{reverse("person_search")}"' in body
    assert 'role="search"' in body


def test_the_start_page_costs_the_same_queries_for_one_school_as_for_many(story):
    central = f.UserFactory()
    f.DutyFactory(person=central.person, duty_at=story.koping, duty_role=DutyRole.SKOLADMINISTRATOR)
    client = _as(central)
    client.get(reverse("start"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("start"))
    for n in range(5):
        unit = f.SchoolUnitFactory(parent=story.koping)
        group = f.GroupFactory(organisation=unit)
        for _ in range(n + 1):
            _pupil_in(unit, group)
    # The register changed, so the next request builds the session's Actor anew, once.
    client.get(reverse("start"))
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("start"))
    # Scheeleskolan, Ullviskolan and the five new ones.
    assert len(response.context["school_units"]) == 7
    assert len(many) == len(one)


def test_a_teacher_who_is_also_a_parent_lands_on_the_staff_start_and_reaches_her_children(story):
    # Lars mentors 7B and is Alva's father too: staff start page, and the portal from there.
    lars = story.mentor_of_7b
    f.ResponsibleFactory(person=story.pupil_in_7b, responsible=lars)
    user = f.UserFactory(person=lars, username="lars.parent")
    user.set_password("en-lång-lösenfras-för-lars")
    user.save()
    client = Client()
    login = client.post(
        reverse("login"), {"username": "lars.parent", "password": "en-lång-lösenfras-för-lars"}
    )
    assert login.status_code == 302 and login["Location"] == reverse("start")
    start = client.get(reverse("start"))
    assert start.status_code == 200
    body = start.content.decode()
    assert "Mina grupper" in body
    # The staff navigation links to the portal ("Mina barn").
    nav = body.split('aria-label="Huvudmeny"')[1].split("</nav>")[0]
    assert f'href="{reverse("portal:start")}"' in nav and "Mina barn" in nav
    portal = client.get(reverse("portal:start")).content.decode()
    assert reverse("portal:child", args=[story.pupil_in_7b.pk]) in portal
    assert f'href="{reverse("start")}"' in portal and "Personalsidor" in portal
    assert client.get(reverse("portal:absence_report")).status_code == 200
    assert client.get(reverse("attendance:my_lessons")).status_code == 200


def test_a_teacher_without_children_has_no_portal_link_and_a_pure_guardian_no_staff_pages(story):
    nav = _start(story.teacher_of_7b).content.decode().split('aria-label="Huvudmeny"')[1]
    assert reverse("portal:start") not in nav.split("</nav>")[0]
    karin = _as(f.UserFactory(person=story.guardian_of_pupil_in_7b))
    assert karin.get(reverse("start"))["Location"] == reverse("portal:start")
    body = karin.get(reverse("portal:start")).content.decode()
    assert "Personalsidor" not in body and "Personer" not in body
    assert karin.get(reverse("attendance:my_lessons")).status_code == 404
