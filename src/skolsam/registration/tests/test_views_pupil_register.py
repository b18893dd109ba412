"""Register a new pupil with guardians through the administrators' form, as they would.

The register is the story's (skolsam.testing.story): Scheeleskolan (förskoleklass,
grundskola, fritidshem) and Ullviskolan (grundskola only) in Köping, Gäddgårdsskolan in
Arboga. Eva is Scheeleskolan's skoladministratör, Birgitta manages both of Köping's schools,
Lars mentors 7B and Nils teaches in Arboga.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.urls import reverse

from skolsam.audit.models import AuditEntry
from skolsam.core.choices import SchoolType
from skolsam.core.dates import today
from skolsam.enrolment.models import Enrolment
from skolsam.groups.models import GroupMembership
from skolsam.people.models import Person, Responsible
from skolsam.testing.story import NEW_ADULTS, NEW_CHILDREN, client_for, dashed, row_counts

pytestmark = pytest.mark.django_db

URL = reverse("pupil_register")
CHILD = NEW_CHILDREN[0]
MOTHER, FATHER = NEW_ADULTS[0], NEW_ADULTS[1]
TODAY = today()


def form_data(s: Any, **changes: Any) -> dict[str, Any]:
    """A complete registration: Vera (born 2021) into förskoleklass, with two guardians."""
    data = {
        "pupil-given_name": "Vera",
        "pupil-family_name": "Sund",
        "pupil-civic_no": dashed(CHILD),
        "pupil-street_address": "Torggatan 4",
        "pupil-postal_code": "731 30",
        "pupil-locality": "Köping",
        "pupil-municipality_code": "1983",
        "enrolment-school_unit": str(s.scheeleskolan.pk),
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


def test_a_school_administrator_registers_a_pupil_with_two_guardians(story):
    eva = story.school_admin_at_scheeleskolan
    client = client_for(eva)
    response = client.post(URL, form_data(story, **{"enrolment-group": str(story.groups["7B"].pk)}))

    vera = Person.objects.get(civic_no=CHILD)
    assert response.status_code == 302
    assert response["Location"] == reverse("person_detail", args=[vera.pk])
    assert (vera.given_name, vera.birth_date) == ("Vera", date(2021, 1, 1))
    assert vera.home_municipality_code == "1983"
    [enrolment] = Enrolment.objects.filter(person=vera)
    assert (enrolment.enroled_at, enrolment.school_type, enrolment.school_year) == (
        story.scheeleskolan,
        "FKLASS",
        0,
    )
    assert enrolment.start_date == TODAY
    [membership] = GroupMembership.objects.filter(person=vera)
    assert (membership.group, membership.start_date) == (story.groups["7B"], TODAY)

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

    entries = AuditEntry.objects.exclude(action="person.view").filter(actor__person=eva)
    actions = sorted(e.action for e in entries)
    assert actions == sorted(
        ["person.create"] * 3 + ["enrolment.create", "membership.add"] + ["responsible.add"] * 2
    )
    # One request, one id: the audit log shows the registration as one act.
    assert len({e.request_id for e in entries}) == 1

    card = client.get(response["Location"])
    assert "Sara Sund" in card.content.decode()
    assert "Vera Sund är registrerad och inskriven vid Scheeleskolan" in card.content.decode()


def test_one_guardian_is_enough(story):
    client = client_for(story.school_admin_at_scheeleskolan)
    # What a browser sends when guardian 2 is left blank: the relation select keeps its value.
    blank = {
        k: ("Vårdnadshavare" if k.endswith("relation_type") else "")
        for k in form_data(story)
        if k.startswith("guardian2-")
    }
    response = client.post(URL, form_data(story, **blank))
    assert response.status_code == 302
    vera = Person.objects.get(civic_no=CHILD)
    assert Responsible.objects.filter(person=vera).count() == 1


def test_a_guardian_already_in_the_register_is_linked_not_created_twice(story):
    # Karin, Alva's guardian, registers Alva's little sister; her details stay as they are.
    karin = Person.objects.get(pk=story.guardian_of_pupil_in_7b.pk)
    client = client_for(story.school_admin_at_scheeleskolan)
    data = form_data(
        story,
        **{
            "guardian1-civic_no": dashed(story.guardian_of_pupil_in_7b.civic_no),
            "guardian1-given_name": "",
            "guardian1-family_name": "",
            "guardian1-phone": "070-000 00 00",
        },
    )
    before = Person.objects.count()
    response = client.post(URL, data)
    assert response.status_code == 302
    assert Person.objects.count() == before + 2  # Vera and Olof; Karin is linked
    vera = Person.objects.get(civic_no=CHILD)
    assert Responsible.objects.filter(person=vera, responsible=karin).exists()
    after = Person.objects.get(pk=karin.pk)
    assert (after.phone_numbers, after.version) == (karin.phone_numbers, karin.version)
    page = client.get(response["Location"], follow=True).content.decode()
    assert f"{karin.full_name} fanns redan i registret och kopplades" in page


def test_a_guardian_the_administrator_may_not_see_is_refused_without_saying_who(story):
    client = client_for(story.school_admin_at_scheeleskolan)
    before = row_counts()
    nils = story.teacher_in_arboga
    data = form_data(story, **{"guardian2-civic_no": dashed(nils.civic_no)})
    response = client.post(URL, data)
    assert response.status_code == 200
    errors = response.context["guardians"][1].errors["civic_no"]
    assert errors == [
        "Det finns redan en person med det personnumret i registret, men du har inte "
        "behörighet att se personen, så den kan inte kopplas härifrån. Kontakta en central "
        "administratör."
    ]
    assert nils.full_name not in response.content.decode()
    assert row_counts() == before


def test_an_invalid_civic_number_is_refused_and_nothing_is_written(story):
    client = client_for(story.school_admin_at_scheeleskolan)
    before = row_counts()
    wrong_check_digit = CHILD[:-1] + str((int(CHILD[-1]) + 1) % 10)
    response = client.post(URL, form_data(story, **{"pupil-civic_no": wrong_check_digit}))
    assert response.status_code == 200
    assert response.context["pupil"].errors["civic_no"] == ["Kontrollsiffran stämmer inte."]
    page = response.content.decode()
    assert "Något behöver rättas" in page
    assert 'aria-invalid="true"' in page
    assert "Kontrollsiffran stämmer inte." in page
    # The user's input is kept.
    assert 'value="Vera"' in page
    assert row_counts() == before


def test_a_unit_that_does_not_offer_the_school_type_is_refused_and_nothing_is_written(story):
    # Birgitta manages both of Köping's schools; Ullviskolan has no förskoleklass.
    client = client_for(story.central_admin_koping)
    before = row_counts()
    data = form_data(story, **{"enrolment-school_unit": str(story.ullviskolan.pk)})
    response = client.post(URL, data)
    assert response.status_code == 200
    assert response.context["placement"].errors["school_type"] == [
        "Ullviskolan erbjuder inte skolformen FKLASS (erbjuder: GR)."
    ]
    # The pupil was created before the enrolment was refused; the transaction took it back.
    assert not Person.objects.filter(civic_no=CHILD).exists()
    assert row_counts() == before


def test_an_end_date_before_the_start_is_refused_and_nothing_is_written(story):
    client = client_for(story.school_admin_at_scheeleskolan)
    before = row_counts()
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    response = client.post(URL, form_data(story, **{"enrolment-end_date": yesterday}))
    assert response.status_code == 200
    assert response.context["placement"].errors["end_date"] == [
        "Slutdatum kan inte ligga före startdatum."
    ]
    assert row_counts() == before


def test_the_same_civic_number_twice_is_refused(story):
    client = client_for(story.school_admin_at_scheeleskolan)
    before = row_counts()
    response = client.post(URL, form_data(story, **{"guardian2-civic_no": dashed(MOTHER)}))
    assert response.context["guardians"][1].errors["civic_no"] == [
        "Samma personnummer som vårdnadshavare 1."
    ]
    assert row_counts() == before


def test_a_pupil_registered_ahead_of_the_first_day_gets_guardians_too(story):
    # Registered in November for a start in January: the relations are checked as of then.
    client = client_for(story.school_admin_at_scheeleskolan)
    start = (TODAY + timedelta(days=45)).isoformat()
    response = client.post(URL, form_data(story, **{"enrolment-start_date": start}))
    assert response.status_code == 302
    # An upcoming pupil is already the school's to see, so the administrator lands on the card.
    vera = Person.objects.get(civic_no=CHILD)
    assert response["Location"] == reverse("person_detail", args=[vera.pk])
    assert Responsible.objects.filter(person=vera).count() == 2


def test_the_form_offers_only_the_units_the_administrator_manages(story):
    response = client_for(story.school_admin_at_scheeleskolan).get(URL)
    assert response.status_code == 200
    units = list(response.context["placement"].fields["school_unit"].queryset)
    assert units == [story.scheeleskolan]
    page = response.content.decode()
    assert "Ullviskolan" not in page and "Gäddgårdsskolan" not in page


def test_the_school_types_and_classes_follow_the_chosen_unit(story):
    client = client_for(story.central_admin_koping)
    response = client.get(
        URL, {"enrolment-school_unit": str(story.ullviskolan.pk)}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "6C" in page and "7A" not in page and "7B" not in page
    assert str(SchoolType.GR.label) in page and str(SchoolType.FKLASS.label) not in page
    assert "<html" not in page


def test_a_post_for_a_unit_the_administrator_does_not_manage_is_refused(story):
    client = client_for(story.school_admin_at_scheeleskolan)
    before = row_counts()
    data = form_data(
        story,
        **{
            "enrolment-school_unit": str(story.ullviskolan.pk),
            "enrolment-school_type": "GR",
        },
    )
    response = client.post(URL, data)
    assert response.status_code == 200
    assert response.context["placement"].errors["school_unit"]
    assert row_counts() == before


@pytest.mark.parametrize("who", ["mentor_of_7b", "teacher_in_arboga"])
def test_a_teacher_cannot_reach_the_registration_form(story, who):
    client = client_for(getattr(story, who))
    before = row_counts()
    assert client.get(URL).status_code == 404
    assert client.post(URL, form_data(story)).status_code == 404
    assert row_counts() == before


def test_the_start_page_and_the_person_card_lead_the_administrator_here(story):
    client = client_for(story.school_admin_at_scheeleskolan)
    start = client.get(reverse("start")).content.decode()
    assert URL in start
    assert reverse("school_unit_detail", args=[story.scheeleskolan.pk]) in start
    alva = story.pupil_in_7b
    card = client.get(reverse("person_detail", args=[alva.pk])).content.decode()
    assert reverse("person_manage", args=[alva.pk]) in card
    assert reverse("person_edit", args=[alva.pk]) in card


def test_a_teacher_is_not_offered_the_administrators_pages(story):
    # Lars mentors 7B: his class is on his start page, and Alva's card opens to him.
    client = client_for(story.mentor_of_7b)
    start = client.get(reverse("start")).content.decode()
    assert URL not in start
    assert reverse("group_detail", args=[story.groups["7B"].pk]) in start
    alva = story.pupil_in_7b
    card = client.get(reverse("person_detail", args=[alva.pk]))
    assert card.status_code == 200
    assert reverse("person_edit", args=[alva.pk]) not in card.content.decode()


def test_a_refusal_at_the_last_step_takes_back_everything_written_before_it(story):
    # Pupil, enrolment and guardian 1 are written before guardian 2 is found to have no name.
    client = client_for(story.school_admin_at_scheeleskolan)
    before = row_counts()
    data = form_data(story, **{"guardian2-given_name": "", "guardian2-family_name": ""})
    response = client.post(URL, data)
    assert response.status_code == 200
    assert response.context["guardians"][1].errors["given_name"] == ["Förnamn saknas."]
    assert not Person.objects.filter(civic_no__in=[CHILD, MOTHER, FATHER]).exists()
    assert row_counts() == before
