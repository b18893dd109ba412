"""Change a person's names and contact details, with two administrators at the same record.

The register is the story's (skolsam.testing.story): Eva, skoladministratör at
Scheeleskolan, and Anders, its rektor, change Karin, Alva's guardian, who is given a mobile
number and an e-mail address here. Lars mentors 7B; Elsa in 7B has skyddad folkbokföring.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from skolsam.audit.models import AuditEntry
from skolsam.people.models import Person
from skolsam.testing import factories as f
from skolsam.testing.story import client_for, row_counts

pytestmark = pytest.mark.django_db

PHONE = {"type": "Hem", "value": "070-111 22 33", "mobile": True}
EMAIL = {"type": "Privat", "value": "karin@example.se"}


@pytest.fixture(scope="module")
def s(story: Any, django_db_blocker: Any) -> Any:
    """The story with Karin's mobile number and e-mail address in the register."""
    with django_db_blocker.unblock():
        Person.objects.filter(pk=story.guardian_of_pupil_in_7b.pk).update(
            phone_numbers=[PHONE], emails=[EMAIL]
        )
    return story


def karin(s: Any) -> Person:
    """Karin as the register has her now (the story's object is shared by the module)."""
    return Person.objects.get(pk=s.guardian_of_pupil_in_7b.pk)


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


def test_an_administrator_changes_a_guardians_phone_number(s):
    before = karin(s)
    url = reverse("person_edit", args=[before.pk])
    client = client_for(s.school_admin_at_scheeleskolan)
    assert client.get(url).status_code == 200
    response = client.post(url, edit_data(before, **{"phones-0-value": "070-444 55 66"}))
    assert response.status_code == 302
    after = karin(s)
    assert after.phone_numbers == [{"type": "Hem", "value": "070-444 55 66", "mobile": True}]
    assert after.emails == [EMAIL]
    assert after.version == before.version + 1
    # The folkbokföring municipality, not shown as its own column, survives the edit.
    assert after.home_municipality_code == "1983"
    entry = AuditEntry.objects.get(action="person.update", person_id=after.pk)
    assert entry.changes["phone_numbers"][1][0]["value"] == "070-444 55 66"


def test_a_new_row_adds_an_email_and_a_ticked_row_is_removed(s):
    before = karin(s)
    url = reverse("person_edit", args=[before.pk])
    client = client_for(s.school_admin_at_scheeleskolan)
    data = edit_data(
        before,
        **{"emails-1-value": "karin@jobbet.example.se", "emails-1-type": "Arbete övrigt"},
    )
    data["phones-0-DELETE"] = "on"
    assert client.post(url, data).status_code == 302
    after = karin(s)
    assert [e["value"] for e in after.emails] == ["karin@example.se", "karin@jobbet.example.se"]
    assert after.phone_numbers == []


def test_a_stale_version_is_refused_with_a_message_and_the_input_kept(s):
    opened = karin(s)
    url = reverse("person_edit", args=[opened.pk])
    eva = client_for(s.school_admin_at_scheeleskolan)
    anders = client_for(s.rektor_at_scheeleskolan)
    # Both open the form on the same version.
    eva_opened = edit_data(opened)
    anders_opened = edit_data(opened)
    married_name = f"{opened.family_name}-Berg"
    # Anders saves first.
    assert anders.post(url, {**anders_opened, "family_name": married_name}).status_code == 302
    before = row_counts()

    response = eva.post(url, {**eva_opened, "phones-0-value": "070-444 55 66"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Någon annan har sparat ändringar på personen sedan du öppnade den." in page
    # Eva's input is still in the form, and she sees what Anders saved.
    assert 'value="070-444 55 66"' in page
    assert "Det här är sparat nu" in page and f"Karin {married_name}" in page
    now = karin(s)
    assert now.family_name == married_name
    assert now.phone_numbers[0]["value"] == "070-111 22 33"
    assert row_counts() == before

    # Having seen Anders's change, Eva saves again on purpose: the form carries the new version.
    newer = str(opened.version + 1)
    assert response.context["form"]["version"].value() == newer
    again = eva.post(
        url,
        {
            **eva_opened,
            "version": newer,
            "family_name": married_name,
            "phones-0-value": "070-444 55 66",
        },
    )
    assert again.status_code == 302
    now = karin(s)
    assert (now.family_name, now.phone_numbers[0]["value"]) == (married_name, "070-444 55 66")


def test_a_bad_email_is_refused_on_its_row(s):
    url = reverse("person_edit", args=[s.guardian_of_pupil_in_7b.pk])
    before = row_counts()
    response = client_for(s.school_admin_at_scheeleskolan).post(
        url, edit_data(karin(s), **{"emails-0-value": "inte en adress"})
    )
    assert response.status_code == 200
    assert "Skriv en e-postadress, t.ex. namn@example.se." in response.content.decode()
    assert row_counts() == before
    assert karin(s).emails == [EMAIL]


def test_a_teacher_cannot_reach_the_edit_or_manage_pages(s):
    # Lars, 7B's mentor, sees his pupils' guardians on the card, but changes nothing.
    alva = s.pupil_in_7b
    client = client_for(s.mentor_of_7b)
    for name in ("person_edit", "person_manage", "class_move", "enrolment_create", "duty_create"):
        assert client.get(reverse(name, args=[alva.pk])).status_code == 404
    assert client.post(reverse("person_edit", args=[alva.pk]), edit_data(alva)).status_code == 404


def test_a_protected_pupil_is_edited_only_by_an_administrator_named_for_her(s):
    url = reverse("person_edit", args=[s.protected_pupil_in_7b.pk])
    eva = s.school_admin_at_scheeleskolan
    assert client_for(eva).get(url).status_code == 404
    f.AuthorisationFactory(person=s.protected_pupil_in_7b, staff=eva)
    assert client_for(eva).get(url).status_code == 200


def test_the_manage_page_offers_what_the_administrator_may_do(s):
    theo = s.pupil_in_7a
    response = client_for(s.school_admin_at_scheeleskolan).get(
        reverse("person_manage", args=[theo.pk])
    )
    assert response.status_code == 200
    page = response.content.decode()
    [enrolment] = response.context["card"].enrolments
    assert reverse("enrolment_move_school", args=[enrolment.pk]) in page
    assert reverse("enrolment_end", args=[enrolment.pk]) in page
    assert reverse("class_move", args=[theo.pk]) in page
    assert AuditEntry.objects.filter(action="person.view", person_id=theo.pk).exists()
