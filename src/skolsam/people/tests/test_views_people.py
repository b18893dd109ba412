"""Test the person search and the person card through HTTP, as the people who use them.

Köping runs Malmaskolan, where Alva goes in class 5A, and Karlbergsskolan next door.
Alva has a guardian, and a guardian whose custody ended. Saga in 5A has skyddad
folkbokföring; her mentor is named to see where she is, the central administrator is not.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from skolsam.audit.models import AuditEntry
from skolsam.core.choices import DutyRole, SecurityMarking
from skolsam.testing import factories as f
from skolsam.testing.auth import verified_client, without_csrf_tokens

pytestmark = pytest.mark.django_db

SECRET_STREET = "Hemliga vägen 7"


@dataclass
class School:
    koping: Any
    malmaskolan: Any
    karlbergsskolan: Any
    class_5a: Any
    alva: Any
    saga: Any
    guardian: Any
    guardian_whose_custody_ended: Any
    teacher_at_the_pupils_school: Any
    teacher_at_another_school: Any
    central_administrator: Any


def _user(person: Any) -> Any:
    return f.UserFactory(person=person)


def _as(user: Any) -> Client:
    return verified_client(user)


@pytest.fixture
def school() -> School:
    koping = f.HuvudmanFactory(display_name="Köpings kommun", municipality_code="1983")
    malmaskolan = f.SchoolUnitFactory(display_name="Malmaskolan", parent=koping)
    karlbergsskolan = f.SchoolUnitFactory(display_name="Karlbergsskolan", parent=koping)
    class_5a = f.GroupFactory(display_name="5A", organisation=malmaskolan)

    alva = f.PupilFactory(
        given_name="Alva",
        family_name="Lindqvist",
        birth_date=date(2015, 3, 4),
        emails=[{"type": "Privat", "value": "alva@example.se"}],
    )
    f.EnrolmentFactory(person=alva, enroled_at=malmaskolan)
    f.MembershipFactory(person=alva, group=class_5a)

    saga = f.PupilFactory(
        given_name="Saga",
        family_name="Holm",
        security_marking=SecurityMarking.SKYDDAD_FOLKBOKFORING,
        addresses=[
            {
                "type": "Folkbokföring",
                "streetAddress": SECRET_STREET,
                "postalCode": "73131",
                "locality": "Köping",
            }
        ],
    )
    f.EnrolmentFactory(person=saga, enroled_at=malmaskolan)
    f.MembershipFactory(person=saga, group=class_5a)

    guardian = f.PersonFactory(
        given_name="Eva",
        family_name="Lindqvist",
        phone_numbers=[{"type": "Hem", "value": "0221-123 45", "mobile": True}],
    )
    f.ResponsibleFactory(person=alva, responsible=guardian)
    guardian_whose_custody_ended = f.PersonFactory(given_name="Olof", family_name="Lindqvist")
    f.ResponsibleFactory(
        person=alva,
        responsible=guardian_whose_custody_ended,
        start_date=date(2015, 3, 4),
        end_date=date(2020, 6, 30),
    )

    teacher = f.PersonFactory(given_name="Maja", family_name="Berg")
    duty = f.DutyFactory(person=teacher, duty_at=malmaskolan, duty_role=DutyRole.LARARE)
    f.AssignmentRoleFactory(duty=duty, group=class_5a)
    f.AuthorisationFactory(person=saga, staff=teacher)

    other_teacher = f.PersonFactory(given_name="Hugo", family_name="Sten")
    other_duty = f.DutyFactory(person=other_teacher, duty_at=karlbergsskolan)
    f.AssignmentRoleFactory(
        duty=other_duty, group=f.GroupFactory(display_name="5B", organisation=karlbergsskolan)
    )

    central = f.PersonFactory(given_name="Liam", family_name="Ek")
    f.DutyFactory(person=central, duty_at=koping, duty_role=DutyRole.SKOLADMINISTRATOR)

    return School(
        koping=koping,
        malmaskolan=malmaskolan,
        karlbergsskolan=karlbergsskolan,
        class_5a=class_5a,
        alva=alva,
        saga=saga,
        guardian=guardian,
        guardian_whose_custody_ended=guardian_whose_custody_ended,
        teacher_at_the_pupils_school=_user(teacher),
        teacher_at_another_school=_user(other_teacher),
        central_administrator=_user(central),
    )


def _search(client: Client, q: str, **headers: str) -> Any:
    return client.get(reverse("person_search"), {"q": q}, headers=headers)


def _found(response: Any, person: Any) -> bool:
    return reverse("person_detail", args=[person.pk]) in _text(response)


# --- search ---------------------------------------------------------------------------


def test_search_needs_a_login(school):
    response = Client().get(reverse("person_search"), {"q": "Alva"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_teacher_at_the_pupils_school_finds_the_pupil_by_name(school):
    client = _as(school.teacher_at_the_pupils_school)
    response = _search(client, "alva lindq")
    assert response.status_code == 200
    assert _found(response, school.alva)
    assert "<html" in _text(response)


def test_a_teacher_at_another_school_finds_nobody_by_the_same_name(school):
    response = _search(_as(school.teacher_at_another_school), "Alva")
    assert response.status_code == 200
    assert not _found(response, school.alva)
    assert "Ingen person du har behörighet till" in _text(response)


@pytest.mark.parametrize(
    "form",
    [
        lambda n: n,  # YYYYMMDDNNNN
        lambda n: f"{n[:8]}-{n[8:]}",  # YYYYMMDD-NNNN
        lambda n: f"{n[2:8]}-{n[8:]}",  # YYMMDD-NNNN
        lambda n: n[2:],  # YYMMDDNNNN
        lambda n: f" {n[2:8]} {n[8:]} ",  # with spaces
    ],
)
def test_search_accepts_every_usual_way_of_writing_a_civic_number(school, form):
    response = _search(_as(school.teacher_at_the_pupils_school), form(school.alva.civic_no))
    assert _found(response, school.alva)


def test_a_whole_civic_number_finds_nothing_outside_the_actors_scope(school):
    response = _search(_as(school.teacher_at_another_school), school.alva.civic_no)
    assert not _found(response, school.alva)


def test_a_guardian_whose_custody_ended_cannot_find_the_child(school):
    response = _search(_as(_user(school.guardian_whose_custody_ended)), school.alva.civic_no)
    assert not _found(response, school.alva)


def test_htmx_gets_only_the_result_list_and_the_status_line(school):
    client = _as(school.teacher_at_the_pupils_school)
    response = _search(client, "Alva", HX_Request="true")
    body = _text(response)
    assert _found(response, school.alva)
    assert "<html" not in body
    assert 'id="search-status" hx-swap-oob="innerHTML"' in body
    assert "HX-Request" in response["Vary"]


def test_an_htmx_history_restore_gets_the_whole_page(school):
    client = _as(school.teacher_at_the_pupils_school)
    response = _search(client, "Alva", HX_Request="true", HX_History_Restore_Request="true")
    assert "<html" in _text(response)


def test_a_protected_pupil_is_not_found_by_name_even_by_the_central_administrator(school):
    response = _search(_as(school.central_administrator), "Saga Holm")
    assert not _found(response, school.saga)


def test_a_protected_pupil_found_by_civic_number_is_logged(school):
    client = _as(school.central_administrator)
    response = _search(client, school.saga.civic_no)
    assert _found(response, school.saga)
    assert "Skyddad identitet" in _text(response)
    entry = AuditEntry.objects.get(action="person.search")
    assert entry.person_id == school.saga.pk
    assert entry.detail == {"protected": True}


def test_a_named_teacher_finds_the_protected_pupil_by_name(school):
    response = _search(_as(school.teacher_at_the_pupils_school), "Saga")
    assert _found(response, school.saga)


def test_a_short_query_searches_nothing(school):
    response = _search(_as(school.teacher_at_the_pupils_school), "A")
    assert not _found(response, school.alva)
    assert "träff" not in _text(response)


def test_search_shows_at_most_fifty_and_says_there_are_more(school):
    for _ in range(51):
        pupil = f.PupilFactory(family_name="Åkerlund")
        f.EnrolmentFactory(person=pupil, enroled_at=school.malmaskolan)
    rektor = f.PersonFactory()
    f.DutyFactory(person=rektor, duty_at=school.malmaskolan, duty_role=DutyRole.REKTOR)
    response = _search(_as(_user(rektor)), "Åkerlund")
    body = _text(response)
    assert len(re.findall(r'href="/personer/[0-9a-f-]{36}/"', body)) == 50
    assert "Fler än 50 träffar" in body


# --- person card ----------------------------------------------------------------------


def _text(response: Any) -> str:
    """Return the page without its CSRF tokens: a random token may contain "5A" too."""
    return without_csrf_tokens(response.content).decode()


def _card(client: Client, person_id: Any) -> Any:
    return client.get(reverse("person_detail", args=[person_id]))


def test_the_card_shows_identity_contacts_guardian_enrolment_and_class(school):
    response = _card(_as(school.teacher_at_the_pupils_school), school.alva.pk)
    assert response.status_code == 200
    body = _text(response)
    civic = school.alva.civic_no
    assert f"{civic[:8]}-{civic[8:]}" in body
    assert "2015-03-04" in body
    assert "alva@example.se" in body
    assert "Eva Lindqvist" in body
    assert "0221-123 45" in body
    assert "Malmaskolan" in body
    assert "5A" in body
    assert "Skyddad identitet" not in body


def test_the_card_leaves_out_a_guardian_whose_custody_ended(school):
    response = _card(_as(school.teacher_at_the_pupils_school), school.alva.pk)
    assert "Olof Lindqvist" not in _text(response)


def test_the_card_shows_enrolment_and_group_history(school):
    old_school = f.SchoolUnitFactory(display_name="Scheeleskolan", parent=school.koping)
    f.EnrolmentFactory(
        person=school.alva,
        enroled_at=old_school,
        start_date=date(2021, 8, 16),
        end_date=date(2025, 6, 13),
    )
    f.MembershipFactory(
        person=school.alva,
        group=f.GroupFactory(display_name="3C", organisation=old_school),
        start_date=date(2023, 8, 21),
        end_date=date(2024, 6, 14),
    )
    body = _text(_card(_as(school.teacher_at_the_pupils_school), school.alva.pk))
    assert "Scheeleskolan" in body
    assert "3C" in body
    assert "Avslutad" in body
    assert "Pågående" in body


def test_the_card_shows_a_staff_members_duties(school):
    teacher = school.teacher_at_the_pupils_school.person
    body = _text(_card(_as(school.central_administrator), teacher.pk))
    assert "Tjänster" in body
    assert "Lärare" in body
    assert "Malmaskolan" in body


def test_a_teacher_at_another_school_gets_the_same_404_as_for_a_missing_person(school):
    client = _as(school.teacher_at_another_school)
    forbidden = _card(client, school.alva.pk)
    missing = _card(client, uuid.uuid4())
    assert forbidden.status_code == missing.status_code == 404
    assert without_csrf_tokens(forbidden.content) == without_csrf_tokens(missing.content)
    assert not AuditEntry.objects.filter(action="person.view").exists()


def test_a_guardian_sees_the_child_in_the_portal_and_whose_custody_ended_does_not(school):
    guardian = _as(_user(school.guardian))
    child_page = reverse("portal:child", args=[school.alva.pk])
    assert guardian.get(child_page).status_code == 200
    # The person card is a staff page: a guardian gets the portal, never staff pages.
    assert _card(guardian, school.alva.pk).status_code == 404
    ended = _as(_user(school.guardian_whose_custody_ended))
    assert ended.get(child_page).status_code == 404
    assert _card(ended, school.alva.pk).status_code == 404


def test_viewing_a_card_writes_an_audit_entry(school):
    user = school.teacher_at_the_pupils_school
    _card(_as(user), school.alva.pk)
    entry = AuditEntry.objects.get(action="person.view")
    assert entry.actor_id == user.pk
    assert entry.actor_label == user.username
    assert entry.person_id == school.alva.pk
    assert entry.detail == {"protected": False}
    assert entry.request_id


def test_the_central_administrator_sees_a_protected_pupil_but_not_where_she_is(school):
    response = _card(_as(school.central_administrator), school.saga.pk)
    assert response.status_code == 200
    body = _text(response)
    assert "Saga Holm" in body
    assert "Skyddad identitet" in body
    assert "Skyddad folkbokföring" in body
    assert "Dold – skyddad identitet" in body
    assert SECRET_STREET not in body
    assert "Malmaskolan" not in body
    assert "5A" not in body
    entry = AuditEntry.objects.get(action="person.view")
    assert entry.detail == {"protected": True}


def test_the_named_mentor_sees_where_the_protected_pupil_is(school):
    body = _text(_card(_as(school.teacher_at_the_pupils_school), school.saga.pk))
    assert "Skyddad identitet" in body
    assert "Dold – skyddad identitet" not in body
    assert SECRET_STREET in body
    assert "Malmaskolan" in body
    assert "5A" in body


def test_an_unnamed_teacher_at_the_pupils_school_does_not_reach_the_protected_pupil(school):
    colleague = f.PersonFactory()
    duty = f.DutyFactory(person=colleague, duty_at=school.malmaskolan)
    f.AssignmentRoleFactory(duty=duty, group=school.class_5a)
    client = _as(_user(colleague))
    assert _card(client, school.saga.pk).status_code == 404
    assert _card(client, school.alva.pk).status_code == 200


def test_a_protected_guardians_address_is_hidden_on_the_childs_card(school):
    hidden_parent = f.PersonFactory(
        given_name="Stina",
        family_name="Lindqvist",
        security_marking=SecurityMarking.SEKRETESSMARKERING,
        addresses=[
            {
                "type": "Folkbokföring",
                "streetAddress": SECRET_STREET,
                "postalCode": "73131",
                "locality": "Köping",
            }
        ],
    )
    f.ResponsibleFactory(person=school.alva, responsible=hidden_parent)
    # She works at Karlbergsskolan, so the central administrator sees that she exists,
    # but not where she lives.
    f.DutyFactory(person=hidden_parent, duty_at=school.karlbergsskolan)
    body = _text(_card(_as(school.central_administrator), school.alva.pk))
    assert "Stina Lindqvist" in body
    assert SECRET_STREET not in body
    # A teacher does not see a protected guardian at all.
    body = _text(_card(_as(school.teacher_at_the_pupils_school), school.alva.pk))
    assert "Stina Lindqvist" not in body


def test_the_card_costs_the_same_queries_for_one_membership_as_for_many(school):
    client = _as(school.central_administrator)
    busy: Any = f.PupilFactory()
    for year in range(2018, 2026):
        unit = f.SchoolUnitFactory(parent=school.koping)
        f.EnrolmentFactory(
            person=busy,
            enroled_at=unit,
            start_date=date(year, 8, 20),
            end_date=date(year + 1, 6, 10),
        )
        f.MembershipFactory(
            person=busy,
            group=f.GroupFactory(organisation=unit),
            start_date=date(year, 8, 20),
            end_date=date(year + 1, 6, 10),
        )
        f.ResponsibleFactory(person=busy)
        f.DutyFactory(person=busy, duty_at=unit, start_date=date(year, 8, 20))
    f.EnrolmentFactory(person=busy, enroled_at=school.malmaskolan)

    _card(client, school.alva.pk)  # warm up the session and the permission cache
    with CaptureQueriesContext(connection) as one:
        assert _card(client, school.alva.pk).status_code == 200
    with CaptureQueriesContext(connection) as many:
        assert _card(client, busy.pk).status_code == 200
    assert len(many) == len(one), [q["sql"] for q in many.captured_queries]
    assert len(one) <= 20


def test_a_malformed_id_is_a_404_too(school):
    client = _as(school.teacher_at_the_pupils_school)
    assert client.get("/personer/not-a-uuid/").status_code == 404
