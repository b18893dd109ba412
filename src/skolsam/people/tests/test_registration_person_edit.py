"""Change a person's names and contact details, with two administrators at the same record."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from skolsam.audit.models import AuditEntry
from skolsam.organisations.tests.register_story import build_register, row_counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def r():
    return build_register()


def edit_data(person: Any, **changes: Any) -> dict[str, Any]:
    """What the edit form posts for `person` unchanged, with `changes` on top."""
    data: dict[str, Any] = {
        "given_name": person.given_name,
        "middle_name": person.middle_name,
        "family_name": person.family_name,
        "version": str(person.version),
    }
    for prefix, rows, fields in (
        ("emails", person.emails, ("type", "value")),
        ("phones", person.phone_numbers, ("type", "value")),
        ("addresses", person.addresses, ()),
    ):
        data[f"{prefix}-TOTAL_FORMS"] = str(len(rows) + 1)
        data[f"{prefix}-INITIAL_FORMS"] = str(len(rows))
        for i, row in enumerate(rows):
            for name in fields:
                data[f"{prefix}-{i}-{name}"] = row[name]
            if prefix == "phones" and row.get("mobile", True):
                data[f"{prefix}-{i}-mobile"] = "on"
            if prefix == "addresses":
                data[f"{prefix}-{i}-type"] = row["type"]
                data[f"{prefix}-{i}-street_address"] = row["streetAddress"]
                data[f"{prefix}-{i}-postal_code"] = row["postalCode"]
                data[f"{prefix}-{i}-locality"] = row["locality"]
                data[f"{prefix}-{i}-municipality_code"] = str(row.get("municipalityCode", ""))
        # The blank row at the end, as the browser sends it.
        extra = len(rows)
        data[f"{prefix}-{extra}-type"] = {
            "emails": "Privat",
            "phones": "Hem",
            "addresses": "Folkbokföring",
        }[prefix]
        if prefix == "phones":
            data[f"{prefix}-{extra}-mobile"] = "on"
    data.update(changes)
    return data


def test_an_administrator_changes_a_guardians_phone_number(r):
    url = reverse("person_edit", args=[r.erik.pk])
    client = r.client(r.school_administrator)
    assert client.get(url).status_code == 200
    response = client.post(url, edit_data(r.erik, **{"phones-0-value": "070-444 55 66"}))
    assert response.status_code == 302
    r.erik.refresh_from_db()
    assert r.erik.phone_numbers == [{"type": "Hem", "value": "070-444 55 66", "mobile": True}]
    assert r.erik.version == 2
    # The folkbokföring municipality, not shown as its own column, survives the edit.
    assert r.erik.home_municipality_code == "1983"
    entry = AuditEntry.objects.get(action="person.update", person_id=r.erik.pk)
    assert entry.changes["phone_numbers"][1][0]["value"] == "070-444 55 66"


def test_a_new_row_adds_an_email_and_a_ticked_row_is_removed(r):
    url = reverse("person_edit", args=[r.erik.pk])
    client = r.client(r.school_administrator)
    data = edit_data(
        r.erik,
        **{"emails-1-value": "erik@jobbet.example.se", "emails-1-type": "Arbete övrigt"},
    )
    data["phones-0-DELETE"] = "on"
    assert client.post(url, data).status_code == 302
    r.erik.refresh_from_db()
    assert [e["value"] for e in r.erik.emails] == [
        "erik.lindqvist@example.se",
        "erik@jobbet.example.se",
    ]
    assert r.erik.phone_numbers == []


def test_a_stale_version_is_refused_with_a_message_and_the_input_kept(r):
    url = reverse("person_edit", args=[r.erik.pk])
    maria = r.client(r.school_administrator)
    nils = r.client(r.authorised_administrator)
    # Both open the form on version 1.
    maria_opened = edit_data(r.erik)
    nils_opened = edit_data(r.erik)
    # Nils saves first.
    assert nils.post(url, {**nils_opened, "family_name": "Lindqvist-Berg"}).status_code == 302
    before = row_counts()

    response = maria.post(url, {**maria_opened, "phones-0-value": "070-444 55 66"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Någon annan har sparat ändringar på personen sedan du öppnade den." in page
    # Maria's input is still in the form, and she sees what Nils saved.
    assert 'value="070-444 55 66"' in page
    assert "Det här är sparat nu" in page and "Erik Lindqvist-Berg" in page
    r.erik.refresh_from_db()
    assert r.erik.family_name == "Lindqvist-Berg"
    assert r.erik.phone_numbers[0]["value"] == "070-111 22 33"
    assert row_counts() == before

    # Having seen Nils's change, Maria saves again on purpose: the form now carries version 2.
    assert response.context["form"]["version"].value() == "2"
    again = maria.post(
        url,
        {
            **maria_opened,
            "version": "2",
            "family_name": "Lindqvist-Berg",
            "phones-0-value": "070-444 55 66",
        },
    )
    assert again.status_code == 302
    r.erik.refresh_from_db()
    assert (r.erik.family_name, r.erik.phone_numbers[0]["value"]) == (
        "Lindqvist-Berg",
        "070-444 55 66",
    )


def test_a_bad_email_is_refused_on_its_row(r):
    url = reverse("person_edit", args=[r.erik.pk])
    before = row_counts()
    response = r.client(r.school_administrator).post(
        url, edit_data(r.erik, **{"emails-0-value": "inte en adress"})
    )
    assert response.status_code == 200
    assert "Skriv en e-postadress, t.ex. namn@example.se." in response.content.decode()
    assert row_counts() == before


def test_a_teacher_cannot_reach_the_edit_or_manage_pages(r):
    # The teacher of 5B sees her pupils' guardians on the card, but changes nothing.
    client = r.client(r.teacher_of_5b)
    for name in ("person_edit", "person_manage", "class_move", "enrolment_create", "duty_create"):
        assert client.get(reverse(name, args=[r.alva.pk])).status_code == 404
    assert (
        client.post(reverse("person_edit", args=[r.alva.pk]), edit_data(r.alva)).status_code == 404
    )


def test_a_protected_pupil_is_edited_only_by_the_administrator_named_for_her(r):
    url = reverse("person_edit", args=[r.saga.pk])
    assert r.client(r.school_administrator).get(url).status_code == 404
    assert r.client(r.authorised_administrator).get(url).status_code == 200


def test_the_manage_page_offers_what_the_administrator_may_do(r):
    response = r.client(r.school_administrator).get(reverse("person_manage", args=[r.bo.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    [enrolment] = response.context["card"].enrolments
    assert reverse("enrolment_move_school", args=[enrolment.pk]) in page
    assert reverse("enrolment_end", args=[enrolment.pk]) in page
    assert reverse("class_move", args=[r.bo.pk]) in page
    assert AuditEntry.objects.filter(action="person.view", person_id=r.bo.pk).exists()
