"""Register a new pupil with guardians through the administrators' form, as they would.

The register is the one in organisations/tests/register_story.py: Malmaskolan and
Karlbergsskolan in Köping, Gäddgårdsskolan in Arboga.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.urls import reverse

from skolsam.audit.models import AuditEntry
from skolsam.core.choices import SchoolType
from skolsam.enrolment.models import Enrolment
from skolsam.groups.models import GroupMembership
from skolsam.organisations.tests.register_story import (
    NEW_ADULTS,
    NEW_CHILDREN,
    TODAY,
    build_register,
    dashed,
    row_counts,
)
from skolsam.people.models import Person, Responsible

pytestmark = pytest.mark.django_db

URL = reverse("pupil_register")
CHILD = NEW_CHILDREN[0]
MOTHER, FATHER = NEW_ADULTS[0], NEW_ADULTS[1]


@pytest.fixture
def r():
    return build_register()


def form_data(r: Any, **changes: Any) -> dict[str, Any]:
    """A complete registration: Vera (born 2021) into förskoleklass, with two guardians."""
    data = {
        "pupil-given_name": "Vera",
        "pupil-family_name": "Sund",
        "pupil-civic_no": dashed(CHILD),
        "pupil-street_address": "Torggatan 4",
        "pupil-postal_code": "731 30",
        "pupil-locality": "Köping",
        "pupil-municipality_code": "1983",
        "enrolment-school_unit": str(r.malmaskolan.pk),
        "enrolment-school_type": "FKLASS",
        "enrolment-school_year": "0",
        "enrolment-start_date": TODAY.isoformat(),
        "enrolment-group": "",
        "guardian1-civic_no": dashed(MOTHER),
        "guardian1-given_name": "Sara",
        "guardian1-family_name": "Sund",
        "guardian1-relation_type": "Vårdnadshavare",
        "guardian1-phone": "070-123 45 67",
        "guardian1-email": "sara.sund@example.se",
        "guardian1-same_address": "on",
        "guardian2-civic_no": dashed(FATHER),
        "guardian2-given_name": "Olof",
        "guardian2-family_name": "Sund",
        "guardian2-relation_type": "Vårdnadshavare",
        "guardian2-phone": "073-765 43 21",
        "guardian2-email": "",
        "guardian2-street_address": "Ågatan 9",
        "guardian2-postal_code": "73132",
        "guardian2-locality": "Köping",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_a_school_administrator_registers_a_pupil_with_two_guardians(r):
    client = r.client(r.school_administrator)
    response = client.post(URL, form_data(r, **{"enrolment-group": str(r.class_5a.pk)}))

    vera = Person.objects.get(civic_no=CHILD)
    assert response.status_code == 302
    assert response["Location"] == reverse("person_detail", args=[vera.pk])
    assert (vera.given_name, vera.birth_date) == ("Vera", date(2021, 1, 1))
    assert vera.home_municipality_code == "1983"
    [enrolment] = Enrolment.objects.filter(person=vera)
    assert (enrolment.enroled_at, enrolment.school_type, enrolment.school_year) == (
        r.malmaskolan,
        "FKLASS",
        0,
    )
    assert enrolment.start_date == TODAY
    [membership] = GroupMembership.objects.filter(person=vera)
    assert (membership.group, membership.start_date) == (r.class_5a, TODAY)

    relations = Responsible.objects.filter(person=vera).select_related("responsible")
    guardians = {rel.responsible.civic_no: rel for rel in relations}
    assert set(guardians) == {MOTHER, FATHER}
    sara, olof = guardians[MOTHER].responsible, guardians[FATHER].responsible
    assert guardians[MOTHER].start_date == vera.birth_date  # custody from birth
    assert sara.phone_numbers[0]["value"] == "070-123 45 67"
    assert sara.emails == [{"type": "Privat", "value": "sara.sund@example.se"}]
    # "Same address as the pupil" for Sara, his own for Olof.
    assert sara.addresses[0]["streetAddress"] == "Torggatan 4"
    assert olof.addresses[0]["streetAddress"] == "Ågatan 9"

    entries = AuditEntry.objects.exclude(action="person.view")
    actions = sorted(e.action for e in entries.filter(actor_id=r.school_administrator.pk))
    assert actions == sorted(
        ["person.create"] * 3 + ["enrolment.create", "membership.add"] + ["responsible.add"] * 2
    )
    # One request, one id: the audit log shows the registration as one act.
    assert len({e.request_id for e in entries.filter(actor_id=r.school_administrator.pk)}) == 1

    card = client.get(response["Location"])
    assert "Sara Sund" in card.content.decode()
    assert "Vera Sund är registrerad och inskriven vid Malmaskolan" in card.content.decode()


def test_one_guardian_is_enough(r):
    client = r.client(r.school_administrator)
    # What a browser sends when guardian 2 is left blank: the relation select keeps its value.
    blank = {
        k: ("Vårdnadshavare" if k.endswith("relation_type") else "")
        for k in form_data(r)
        if k.startswith("guardian2-")
    }
    response = client.post(URL, form_data(r, **blank))
    assert response.status_code == 302
    vera = Person.objects.get(civic_no=CHILD)
    assert Responsible.objects.filter(person=vera).count() == 1


def test_a_guardian_already_in_the_register_is_linked_not_created_twice(r):
    # Erik, Alva's father, registers Alva's little sister; his details stay as they are.
    client = r.client(r.school_administrator)
    data = form_data(
        r,
        **{
            "guardian1-civic_no": dashed(r.erik.civic_no),
            "guardian1-given_name": "",
            "guardian1-family_name": "",
            "guardian1-phone": "070-000 00 00",
        },
    )
    before = Person.objects.count()
    response = client.post(URL, data)
    assert response.status_code == 302
    assert Person.objects.count() == before + 2  # Vera and Olof; Erik is linked
    vera = Person.objects.get(civic_no=CHILD)
    assert Responsible.objects.filter(person=vera, responsible=r.erik).exists()
    r.erik.refresh_from_db()
    assert r.erik.phone_numbers[0]["value"] == "070-111 22 33"
    page = client.get(response["Location"], follow=True).content.decode()
    assert "Erik Lindqvist fanns redan i registret och kopplades" in page


def test_a_guardian_the_administrator_may_not_see_is_refused_without_saying_who(r):
    client = r.client(r.school_administrator)
    before = row_counts()
    data = form_data(r, **{"guardian2-civic_no": dashed(r.person_in_arboga.civic_no)})
    response = client.post(URL, data)
    assert response.status_code == 200
    errors = response.context["guardians"][1].errors["civic_no"]
    assert errors == [
        "Det finns redan en person med det personnumret i registret, men du har inte "
        "behörighet att se personen, så den kan inte kopplas härifrån. Kontakta en central "
        "administratör."
    ]
    assert "Arvid" not in response.content.decode()
    assert row_counts() == before


def test_an_invalid_civic_number_is_refused_and_nothing_is_written(r):
    client = r.client(r.school_administrator)
    before = row_counts()
    wrong_check_digit = CHILD[:-1] + str((int(CHILD[-1]) + 1) % 10)
    response = client.post(URL, form_data(r, **{"pupil-civic_no": wrong_check_digit}))
    assert response.status_code == 200
    assert response.context["pupil"].errors["civic_no"] == ["Kontrollsiffran stämmer inte."]
    page = response.content.decode()
    assert "Något behöver rättas" in page
    assert 'aria-invalid="true"' in page
    assert "Kontrollsiffran stämmer inte." in page
    # The user's input is kept.
    assert 'value="Vera"' in page
    assert row_counts() == before


def test_a_unit_that_does_not_offer_the_school_type_is_refused_and_nothing_is_written(r):
    # The central administrator manages both schools; Karlbergsskolan has no förskoleklass.
    client = r.client(r.central_administrator)
    before = row_counts()
    data = form_data(r, **{"enrolment-school_unit": str(r.karlbergsskolan.pk)})
    response = client.post(URL, data)
    assert response.status_code == 200
    assert response.context["placement"].errors["school_type"] == [
        "Karlbergsskolan erbjuder inte skolformen FKLASS (erbjuder: GR)."
    ]
    # The pupil was created before the enrolment was refused; the transaction took it back.
    assert not Person.objects.filter(civic_no=CHILD).exists()
    assert row_counts() == before


def test_an_end_date_before_the_start_is_refused_and_nothing_is_written(r):
    client = r.client(r.school_administrator)
    before = row_counts()
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    response = client.post(URL, form_data(r, **{"enrolment-end_date": yesterday}))
    assert response.status_code == 200
    assert response.context["placement"].errors["end_date"] == [
        "Slutdatum kan inte ligga före startdatum."
    ]
    assert row_counts() == before


def test_the_same_civic_number_twice_is_refused(r):
    client = r.client(r.school_administrator)
    before = row_counts()
    response = client.post(URL, form_data(r, **{"guardian2-civic_no": dashed(MOTHER)}))
    assert response.context["guardians"][1].errors["civic_no"] == [
        "Samma personnummer som vårdnadshavare 1."
    ]
    assert row_counts() == before


def test_a_pupil_registered_ahead_of_the_first_day_gets_guardians_too(r):
    # Registered in November for a start in January: the relations are checked as of then.
    client = r.client(r.school_administrator)
    start = (TODAY + timedelta(days=45)).isoformat()
    response = client.post(URL, form_data(r, **{"enrolment-start_date": start}))
    assert response.status_code == 302
    # An upcoming pupil is already the school's to see, so the administrator lands on the card.
    vera = Person.objects.get(civic_no=CHILD)
    assert response["Location"] == reverse("person_detail", args=[vera.pk])
    assert Responsible.objects.filter(person=vera).count() == 2


def test_the_form_offers_only_the_units_the_administrator_manages(r):
    response = r.client(r.school_administrator).get(URL)
    assert response.status_code == 200
    units = list(response.context["placement"].fields["school_unit"].queryset)
    assert units == [r.malmaskolan]
    page = response.content.decode()
    assert "Karlbergsskolan" not in page and "Gäddgårdsskolan" not in page


def test_the_school_types_and_classes_follow_the_chosen_unit(r):
    client = r.client(r.central_administrator)
    response = client.get(
        URL, {"enrolment-school_unit": str(r.karlbergsskolan.pk)}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "6A" in page and "5A" not in page
    assert str(SchoolType.GR.label) in page and str(SchoolType.FKLASS.label) not in page
    assert "<html" not in page


def test_a_post_for_a_unit_the_administrator_does_not_manage_is_refused(r):
    client = r.client(r.school_administrator)
    before = row_counts()
    data = form_data(
        r,
        **{
            "enrolment-school_unit": str(r.karlbergsskolan.pk),
            "enrolment-school_type": "GR",
        },
    )
    response = client.post(URL, data)
    assert response.status_code == 200
    assert response.context["placement"].errors["school_unit"]
    assert row_counts() == before


@pytest.mark.parametrize("who", ["teacher_of_5b", "teacher_in_arboga"])
def test_a_teacher_cannot_reach_the_registration_form(r, who):
    client = r.client(getattr(r, who))
    before = row_counts()
    assert client.get(URL).status_code == 404
    assert client.post(URL, form_data(r)).status_code == 404
    assert row_counts() == before


def test_the_start_page_and_the_person_card_lead_the_administrator_here(r):
    client = r.client(r.school_administrator)
    start = client.get(reverse("start")).content.decode()
    assert URL in start
    assert reverse("school_unit_detail", args=[r.malmaskolan.pk]) in start
    card = client.get(reverse("person_detail", args=[r.alva.pk])).content.decode()
    assert reverse("person_manage", args=[r.alva.pk]) in card
    assert reverse("person_edit", args=[r.alva.pk]) in card


def test_a_teacher_is_not_offered_the_administrators_pages(r):
    client = r.client(r.teacher_of_5b)
    start = client.get(reverse("start")).content.decode()
    assert URL not in start
    assert reverse("group_detail", args=[r.class_5b.pk]) in start
    pupil = r.bo
    r.class_5b.memberships.create(person=pupil, start_date=TODAY)
    card = client.get(reverse("person_detail", args=[pupil.pk])).content.decode()
    assert reverse("person_edit", args=[pupil.pk]) not in card


def test_a_refusal_at_the_last_step_takes_back_everything_written_before_it(r):
    # Pupil, enrolment and guardian 1 are written before guardian 2 is found to have no name.
    client = r.client(r.school_administrator)
    before = row_counts()
    data = form_data(r, **{"guardian2-given_name": "", "guardian2-family_name": ""})
    response = client.post(URL, data)
    assert response.status_code == 200
    assert response.context["guardians"][1].errors["given_name"] == ["Förnamn saknas."]
    assert not Person.objects.filter(civic_no__in=[CHILD, MOTHER, FATHER]).exists()
    assert row_counts() == before
