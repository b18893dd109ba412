"""The pages' gates and links ask the domain policies, and the answers stay who-sees-what.

At Nyby skola, Karin is rektor, Kim is kurator and Lars teaches 7B. Malmaby skola, in the
same kommun, is where none of them works. Eva holds the permission to issue SS 12000 API
clients; Lars does not.
"""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from skolsam.accounts.actor import _actor_from_json, _actor_to_json, actor_for_user
from skolsam.api.ss12000.access import api_client_policy
from skolsam.attendance.access import csn_report_policy, leave_policy
from skolsam.attendance.models import CsnReport
from skolsam.audit.access import audit_policy
from skolsam.core.access import Actor, system_actor
from skolsam.core.choices import DutyRole, GroupType
from skolsam.core.policy import Action
from skolsam.groups.access import group_policy
from skolsam.organisations.access import organisation_policy
from skolsam.people.access import child_policy
from skolsam.schedule.access import calendar_policy
from skolsam.testing.auth import login_verified
from skolsam.testing.factories import (
    AssignmentRoleFactory,
    DutyFactory,
    GroupFactory,
    HuvudmanFactory,
    PersonFactory,
    PupilFactory,
    ResponsibleFactory,
    SchoolUnitFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def nyby():
    kommun = HuvudmanFactory(display_name="Köpings kommun")
    school = SchoolUnitFactory(parent=kommun, display_name="Nyby skola")
    other = SchoolUnitFactory(parent=kommun, display_name="Malmaby skola")
    people = {}
    for name, role in (
        ("karin", DutyRole.REKTOR),
        ("kim", DutyRole.KURATOR),
        ("lars", DutyRole.LARARE),
    ):
        user = UserFactory(person=PersonFactory(given_name=name.capitalize()))
        people[name] = (user, DutyFactory(person=user.person, duty_at=school, duty_role=role))
    klass = GroupFactory(organisation=school, display_name="7B", group_type=GroupType.KLASS)
    AssignmentRoleFactory(duty=people["lars"][1], group=klass, start_date=date(2020, 1, 1))
    other_class = GroupFactory(organisation=school, display_name="7C", group_type=GroupType.KLASS)
    actors = {name: actor_for_user(user) for name, (user, _duty) in people.items()}
    return {
        "school": school,
        "other": other,
        "klass": klass,
        "other_class": other_class,
        "users": {name: user for name, (user, _duty) in people.items()},
        **actors,
    }


def test_the_unit_s_pupils_are_for_its_school_wide_staff_not_its_teachers(nyby):
    school, other = nyby["school"], nyby["other"]
    assert organisation_policy.can(nyby["karin"], Action.VIEW_PUPILS, school)
    assert organisation_policy.can(nyby["kim"], Action.VIEW_PUPILS, school.pk)
    assert not organisation_policy.can(nyby["lars"], Action.VIEW_PUPILS, school)
    assert not organisation_policy.can(nyby["karin"], Action.VIEW_PUPILS, other)
    assert list(organisation_policy.objects(nyby["kim"], Action.VIEW_PUPILS)) == [school]
    assert organisation_policy.any(nyby["kim"], Action.VIEW_PUPILS)
    assert not organisation_policy.any(nyby["lars"], Action.VIEW_PUPILS)


def test_any_is_the_gate_of_the_register_pages_and_the_system_passes_it(nyby):
    assert organisation_policy.any(nyby["karin"], Action.CREATE)
    assert not organisation_policy.any(nyby["kim"], Action.CREATE)
    assert not organisation_policy.any(nyby["lars"], Action.CREATE)
    assert organisation_policy.any(system_actor("test"), Action.CREATE)
    # DECIDE has no cheap answer: it asks the register, and gives the same as objects().
    assert organisation_policy.any(nyby["karin"], Action.DECIDE)
    assert not organisation_policy.any(nyby["kim"], Action.DECIDE)


def test_a_department_s_day_is_for_its_own_staff_and_the_unit_s_administrators(nyby):
    klass, other_class = nyby["klass"], nyby["other_class"]
    assert group_policy.can(nyby["lars"], Action.TAKE_REGISTER, klass)
    assert not group_policy.can(nyby["lars"], Action.TAKE_REGISTER, other_class)
    assert not group_policy.can(nyby["kim"], Action.TAKE_REGISTER, klass)
    assert set(group_policy.objects(nyby["karin"], Action.TAKE_REGISTER)) == {klass, other_class}
    assert list(group_policy.objects(nyby["lars"], Action.TAKE_REGISTER)) == [klass]


def test_the_settings_link_and_page_answer_alike(nyby, client):
    assert calendar_policy.any(nyby["karin"], Action.CHANGE)
    assert not calendar_policy.any(nyby["lars"], Action.CHANGE)
    login_verified(client, nyby["users"]["karin"])
    assert client.get(reverse("attendance:settings_index")).status_code == 200
    week = client.get(reverse("schedule:week"))
    assert reverse("attendance:settings_index").encode() in week.content
    client.force_login(nyby["users"]["lars"])
    assert client.get(reverse("attendance:settings_index")).status_code == 404
    assert (
        reverse("attendance:settings_index").encode()
        not in client.get(reverse("schedule:week")).content
    )


def test_leave_requests_are_listed_to_the_unit_s_administrators_only(nyby):
    assert not leave_policy.objects(nyby["kim"], Action.VIEW).exists()
    assert not leave_policy.any(nyby["lars"], Action.VIEW)


def test_a_csn_file_is_downloaded_by_the_unit_s_administrators_only(nyby, client):
    school = nyby["school"]
    report = CsnReport.objects.create(
        organisation=school,
        month=date(2026, 9, 1),
        created_at=timezone.now(),
        filename="csn-nyby.txt",
        content="",
        row_count=0,
    )
    assert csn_report_policy.can(nyby["kim"], Action.VIEW, report)
    assert not csn_report_policy.can(nyby["kim"], Action.EXPORT, report)
    assert csn_report_policy.can(nyby["karin"], Action.EXPORT, report)
    download = reverse("attendance:csn_download", args=[report.pk])

    login_verified(client, nyby["users"]["kim"])
    page = client.get(reverse("attendance:csn", args=[school.pk]))
    assert page.status_code == 200
    assert b"csn-nyby.txt" not in page.content
    assert client.get(download).status_code == 404

    login_verified(client, nyby["users"]["karin"])
    page = client.get(reverse("attendance:csn", args=[school.pk]))
    assert download.encode() in page.content
    assert client.get(download).status_code == 200


def test_the_statistics_are_missing_for_a_teacher_of_the_unit(nyby, client):
    client.force_login(nyby["users"]["lars"])
    url = reverse("attendance:statistics", args=[nyby["school"].pk])
    assert client.get(url).status_code == 404
    login_verified(client, nyby["users"]["kim"])
    assert client.get(url).status_code == 200


def test_api_clients_are_managed_by_the_permission_s_holders_only(client):
    eva = UserFactory(person=None, username="eva")
    eva.user_permissions.add(Permission.objects.get(codename="change_apiclient"))
    lars = UserFactory(person=None, username="lars")
    assert actor_for_user(eva).can_manage_api_clients
    assert api_client_policy.any(actor_for_user(eva), Action.CREATE)
    assert not api_client_policy.any(actor_for_user(lars), Action.VIEW)
    assert not api_client_policy.can(actor_for_user(lars), Action.CHANGE, None)

    client.force_login(lars)
    assert client.get(reverse("ss12000:clients")).status_code == 404
    login_verified(client, eva)
    assert client.get(reverse("ss12000:clients")).status_code == 200


def test_the_session_s_json_keeps_every_field_of_the_actor(nyby):
    actor = dataclasses.replace(nyby["karin"], can_search_audit=True, can_manage_api_clients=True)
    assert _actor_from_json(_actor_to_json(actor)) == actor
    kept = set(_actor_to_json(actor))
    # A system actor is never kept in a session.
    assert {f.name for f in dataclasses.fields(Actor)} - kept == {"is_system"}


def test_the_guardian_page_is_for_those_who_act_for_a_child(nyby, client):
    mother = UserFactory(person=PersonFactory(given_name="Sara"))
    ResponsibleFactory(responsible=mother.person, person=PupilFactory(birth_date=date(2014, 3, 1)))
    sara = actor_for_user(mother)
    assert child_policy.any(sara, Action.SEE_CHILD)
    assert child_policy.any(sara, Action.CONSENT)
    assert not child_policy.any(nyby["lars"], Action.SEE_CHILD)
    url = reverse("portal:start")
    client.force_login(nyby["users"]["lars"])
    assert client.get(url).status_code == 404
    client.force_login(mother)
    assert client.get(url).status_code == 200


def test_the_staff_pages_are_for_those_who_hold_a_duty(nyby, client):
    mother = UserFactory(person=PersonFactory(given_name="Sara"))
    assert organisation_policy.any(nyby["lars"], Action.VIEW)
    assert not organisation_policy.any(actor_for_user(mother), Action.VIEW)
    url = reverse("attendance:schedules")
    client.force_login(mother)
    assert client.get(url).status_code == 404
    client.force_login(nyby["users"]["lars"])
    assert client.get(url).status_code == 200


def test_the_audit_log_is_for_its_auditors_only(nyby):
    auditor = dataclasses.replace(nyby["lars"], can_search_audit=True)
    assert audit_policy.any(auditor, Action.VIEW) and audit_policy.any(auditor, Action.EXPORT)
    assert not audit_policy.any(nyby["karin"], Action.VIEW)
    assert not audit_policy.objects(nyby["karin"], Action.EXPORT).exists()
