"""Test the person search: folding of case and diacritics, civic-number prefixes, scope,
protected identity and the roles that tell namesakes apart.

The register is the story's (skolsam.testing.story), with namesakes added on top: Åsa
Öberg goes in 7A at Scheeleskolan, another Åsa Öberg teaches at Ullviskolan, and a third is
the pupil's guardian. Örjan Ek in 7A has skyddad folkbokföring: Ingrid, who teaches 7A, is
named to see where he is; Anders, the rektor at his school, and Birgitta, Köping's central
administrator, are not. Karl teaches at Ullviskolan.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skolsam.accounts.actor import actor_for_person
from skolsam.core.access import system_actor
from skolsam.core.choices import DutyRole, SecurityMarking
from skolsam.people.folding import fold, search_name
from skolsam.people.models import Person
from skolsam.people.selectors import person_search
from skolsam.people.services import person_create, person_update
from skolsam.testing import factories as f
from skolsam.testing.auth import without_csrf_tokens
from skolsam.testing.story import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def register(story: Any, django_db_blocker: Any) -> Any:
    """The story with the namesakes and Örjan added."""
    with django_db_blocker.unblock():
        s = story
        asa_pupil = f.PupilFactory(
            given_name="Åsa", family_name="Öberg", birth_date=date(2013, 5, 2)
        )
        f.EnrolmentFactory(person=asa_pupil, enroled_at=s.scheeleskolan, school_year=7)
        f.MembershipFactory(person=asa_pupil, group=s.groups["7A"])
        asa_teacher = f.PersonFactory(given_name="Åsa", family_name="Öberg")
        f.DutyFactory(person=asa_teacher, duty_at=s.ullviskolan, duty_role=DutyRole.LARARE)
        asa_guardian = f.PersonFactory(given_name="Åsa", family_name="Öberg")
        f.ResponsibleFactory(person=asa_pupil, responsible=asa_guardian)
        orjan = f.PupilFactory(
            given_name="Örjan",
            family_name="Ek",
            security_marking=SecurityMarking.SKYDDAD_FOLKBOKFORING,
        )
        f.EnrolmentFactory(person=orjan, enroled_at=s.scheeleskolan, school_year=7)
        f.MembershipFactory(person=orjan, group=s.groups["7A"])
        f.AuthorisationFactory(person=orjan, staff=s.teacher_of_7a)
        s.people.update(
            asa_pupil=asa_pupil, asa_teacher=asa_teacher, asa_guardian=asa_guardian, orjan=orjan
        )
    return story


def _found(person: Any, query: str) -> list[Any]:
    """Return the ids a search by `person` finds, in the order shown."""
    return [p.pk for p in person_search(actor=actor_for_person(person.pk), query=query).persons]


def _page(person: Any, query: str) -> str:
    client: Client = client_for(person)
    response = client.get(reverse("person_search"), {"q": query})
    assert response.status_code == 200
    return without_csrf_tokens(response.content).decode()


# --- case and diacritics -----------------------------------------------------------------


@pytest.mark.parametrize("query", ["asa", "ÅSA", "Åsa", "asa oberg", "OBERG", "öber", "Å. Öb"])
def test_a_name_is_found_whatever_the_case_and_the_diacritics(register, query):
    found = _found(register.rektor_at_scheeleskolan, query)
    assert register.asa_pupil.pk in found


def test_orjan_is_found_by_orjan_in_capitals_by_the_staff_named_for_him(register):
    assert _found(register.teacher_of_7a, "ORJAN") == [register.orjan.pk]
    assert _found(register.teacher_of_7a, "orjan ek") == [register.orjan.pk]


def test_a_name_matches_from_the_start_of_a_word_only(register):
    # Vilma Berg, not Åsa Öberg: "berg" does not start a word of her name.
    vilma = f.PupilFactory(given_name="Vilma", family_name="Berg")
    f.EnrolmentFactory(person=vilma, enroled_at=register.scheeleskolan)
    assert _found(register.rektor_at_scheeleskolan, "berg") == [vilma.pk]
    assert register.asa_pupil.pk not in _found(register.rektor_at_scheeleskolan, "sa")


def test_every_part_of_a_double_name_is_a_word(register):
    pupil = f.PupilFactory(given_name="Anna-Lena", family_name="von Essen-Lindén")
    f.EnrolmentFactory(person=pupil, enroled_at=register.scheeleskolan)
    for query in ("lena", "anna-lena", "essen", "linden", "von ess", "LINDÉN anna"):
        assert _found(register.rektor_at_scheeleskolan, query) == [pupil.pk], query


@given(st.text(alphabet="aAåÅäÄöÖoOeEéÉüÜsSbBgGrR -'", min_size=0, max_size=12))
def test_folding_twice_is_folding_once(text):
    assert fold(fold(text)) == fold(text)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(term=st.text(alphabet="aAåÅäÄöÖoOeEéÉrRjJnNbBgG -'", min_size=0, max_size=10))
def test_searching_a_term_finds_what_searching_its_fold_finds(register, term):
    actor = actor_for_person(register.rektor_at_scheeleskolan.pk)
    found = [p.pk for p in person_search(actor=actor, query=term).persons]
    assert found == [p.pk for p in person_search(actor=actor, query=fold(term)).persons]


def test_both_databases_give_the_same_answers_in_the_same_order(register):
    # Run on SQLite and on PostgreSQL: both must match these exact lists.
    for name in ("Ander", "Andersson", "Sander", "Ånders", "Anders-Lind"):
        pupil = f.PupilFactory(given_name="Ebba", family_name=name)
        f.EnrolmentFactory(person=pupil, enroled_at=register.scheeleskolan)
    # Searched with the given name too: the story's own Anders and its factory-made
    # Anderssons would otherwise join the list.
    found = _found(register.rektor_at_scheeleskolan, "EBBA ANDER")
    names = [Person.objects.get(pk=pk).family_name for pk in found]
    assert names == ["Ander", "Anders-Lind", "Andersson", "Ånders"]
    assert _found(register.rektor_at_scheeleskolan, "ebba lind") == [
        Person.objects.get(family_name="Anders-Lind").pk
    ]


# --- who writes names writes the search name ------------------------------------------------


def test_a_person_registered_or_renamed_through_the_services_is_found_by_the_folded_name(
    register,
):
    admin = actor_for_person(register.rektor_at_scheeleskolan.pk)
    person = person_create(actor=system_actor("test"), given_name="Zoë", family_name="Müller")
    f.EnrolmentFactory(person=person, enroled_at=register.scheeleskolan)
    assert _found(register.rektor_at_scheeleskolan, "zoe muller") == [person.pk]

    person_update(actor=admin, person=person, family_name="Ødegård")
    assert _found(register.rektor_at_scheeleskolan, "odegard") == [person.pk]
    assert _found(register.rektor_at_scheeleskolan, "muller") == []


def test_the_migration_fills_the_search_name_of_every_person(register):
    from importlib import import_module

    migration = import_module("skolsam.people.migrations.0003_person_search_name")
    Person.objects.update(search_name="")
    migration.fill_search_names(django_apps, connection.schema_editor())
    for person in Person.objects.all():
        assert person.search_name == search_name(
            person.given_name, person.middle_name, person.family_name
        )
    assert _found(register.rektor_at_scheeleskolan, "asa")


# --- civic numbers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "form",
    [
        lambda n: n[:8],  # YYYYMMDD
        lambda n: n[2:8],  # YYMMDD
        lambda n: f"{n[:8]}-{n[8:10]}",  # YYYYMMDD-NN
        lambda n: f"{n[2:8]}-{n[8:11]}",  # YYMMDD-NNN
        lambda n: n[:11],  # YYYYMMDDNNN
        lambda n: n[:6],  # YYYYMM
    ],
)
def test_the_start_of_a_civic_number_finds_the_pupil(register, form):
    assert register.asa_pupil.pk in _found(
        register.rektor_at_scheeleskolan, form(register.asa_pupil.civic_no)
    )


@pytest.mark.parametrize(
    "form",
    [
        lambda n: n,  # YYYYMMDDNNNN
        lambda n: f"{n[:8]}-{n[8:]}",  # YYYYMMDD-NNNN
        lambda n: f"{n[2:8]}-{n[8:]}",  # YYMMDD-NNNN
        lambda n: n[2:],  # YYMMDDNNNN
    ],
)
def test_a_whole_civic_number_finds_exactly_that_person(register, form):
    assert _found(register.rektor_at_scheeleskolan, form(register.asa_pupil.civic_no)) == [
        register.asa_pupil.pk
    ]


def test_fewer_than_six_digits_ask_for_more(register):
    body = _page(register.rektor_at_scheeleskolan, register.asa_pupil.civic_no[:4])
    assert "Skriv minst 6 siffror av personnumret" in body
    assert "träff" not in body


def test_the_start_of_a_number_finds_nobody_outside_the_scope(register):
    found = _found(register.teacher_at_ullviskolan, register.asa_pupil.civic_no[:8])
    assert register.asa_pupil.pk not in found


# --- protected identity --------------------------------------------------------------------


def test_a_protected_pupil_is_never_found_by_school_roles_not_named_for_him(register):
    number = register.orjan.civic_no
    for query in ("Örjan", "orjan ek", number, number[:8], f"{number[2:8]}-{number[8:]}"):
        assert register.orjan.pk not in _found(register.rektor_at_scheeleskolan, query), query
        assert register.orjan.pk not in _found(register.teacher_at_ullviskolan, query), query


def test_the_central_administrator_finds_him_only_by_his_whole_number_and_without_his_school(
    register,
):
    number = register.orjan.civic_no
    assert register.orjan.pk not in _found(register.central_admin_koping, "orjan")
    assert register.orjan.pk not in _found(register.central_admin_koping, number[:8])
    body = _page(register.central_admin_koping, number)
    assert reverse("person_detail", args=[register.orjan.pk]) in body
    assert "Skyddad identitet" in body
    assert "7A" not in body
    assert "Scheeleskolan" not in body
    assert "elev" not in body


def test_the_named_teacher_sees_his_class_and_school(register):
    body = _page(register.teacher_of_7a, "orjan")
    assert "elev 7A Scheeleskolan" in body


# --- namesakes ---------------------------------------------------------------------------


def test_namesakes_are_told_apart_by_role_school_and_class(register):
    body = _page(register.central_admin_koping, "åsa öberg")
    items = re.findall(r"<li>(.*?)</li>", body, flags=re.S)
    by_person = {
        who: next(i for i in items if reverse("person_detail", args=[who.pk]) in i)
        for who in (register.asa_pupil, register.asa_teacher, register.asa_guardian)
    }
    assert "elev 7A Scheeleskolan" in by_person[register.asa_pupil]
    assert "lärare Ullviskolan" in by_person[register.asa_teacher]
    assert "vårdnadshavare" in by_person[register.asa_guardian]
    assert "Scheeleskolan" not in by_person[register.asa_guardian]


def test_a_preschool_child_shows_the_department_and_the_preschool(register):
    solrosen = f.SchoolUnitFactory(
        display_name="Solrosens förskola",
        parent=register.koping_forvaltning,
        school_types=["FS"],
    )
    department = f.GroupFactory(display_name="Solen", organisation=solrosen, group_type="Avdelning")
    child = f.PupilFactory(given_name="Signe", family_name="Lund")
    f.PlacementFactory(child=child, placed_at=solrosen, group=department)
    body = _page(register.central_admin_koping, "signe")
    assert "barn Solen Solrosens förskola" in body


# --- queries -------------------------------------------------------------------------------

# Session, user, two-factor device and the actor (duties, tree, groups, relations,
# authorisations), then the search: the persons, and their roles, schools and classes.
MAX_QUERIES = 13


@pytest.mark.parametrize("hits", [5, 50])
def test_the_search_page_costs_the_same_queries_for_5_and_50_hits(
    register, hits, django_assert_max_num_queries
):
    for i in range(hits):
        pupil = f.PupilFactory(given_name="Tindra", family_name=f"Åkesson {i}")
        f.EnrolmentFactory(person=pupil, enroled_at=register.scheeleskolan)
        f.MembershipFactory(person=pupil, group=register.groups["7A"])
        f.ResponsibleFactory(person=pupil, responsible=f.PersonFactory(given_name="Tindra"))
    client = client_for(register.rektor_at_scheeleskolan)
    client.get(reverse("person_search"), {"q": "x"})  # session and login settled
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(reverse("person_search"), {"q": "tindra åkesson"})
    body = without_csrf_tokens(response.content).decode()
    assert body.count("elev 7A Scheeleskolan") == hits
