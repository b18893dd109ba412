"""Enrol pupils, move them between schools and end enrolments through HTTP.

The register is the story's (skolsam.testing.story). Birgitta, the central administrator at
Köping's förvaltning, manages both Scheeleskolan and Ullviskolan (a grundskola only); Eva
is Scheeleskolan's skoladministratör. Theo is in 7A at Scheeleskolan.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from skolsam.audit.models import AuditEntry
from skolsam.core.dates import today
from skolsam.enrolment.models import Enrolment
from skolsam.groups.models import GroupMembership
from skolsam.testing import factories as f
from skolsam.testing.factories import TERM_START
from skolsam.testing.story import client_for, row_counts

pytestmark = pytest.mark.django_db

TODAY = today()


def current_enrolment(person):
    return Enrolment.objects.get(person=person, end_date__isnull=True)


def test_moving_school_ends_the_old_enrolment_and_class_and_starts_the_new(story):
    theo = story.pupil_in_7a
    old = current_enrolment(theo)
    teaching_group = f.GroupFactory(
        display_name="Sv 7", group_type="Undervisning", organisation=story.scheeleskolan
    )
    f.MembershipFactory(person=theo, group=teaching_group)
    on = TODAY + timedelta(days=7)
    client = client_for(story.central_admin_koping)
    page = client.get(reverse("enrolment_move_school", args=[old.pk])).content.decode()
    assert "avslutas dagen före det datum du anger" in page

    response = client.post(
        reverse("enrolment_move_school", args=[old.pk]),
        {
            "school_unit": str(story.ullviskolan.pk),
            "school_type": "GR",
            "school_year": "7",
            "start_date": on.isoformat(),
            "group": str(story.groups["6C"].pk),
        },
        follow=True,
    )

    old.refresh_from_db()
    last_day = on - timedelta(days=1)
    assert old.end_date == last_day
    new = Enrolment.objects.get(person=theo, enroled_at=story.ullviskolan)
    assert (new.start_date, new.end_date, new.school_year) == (on, None, 7)
    memberships = {m.group.display_name: m for m in GroupMembership.objects.filter(person=theo)}
    assert set(memberships) == {"7A", "Sv 7", "6C"}
    assert memberships["7A"].end_date == last_day
    assert memberships["Sv 7"].end_date == last_day
    assert (memberships["6C"].start_date, memberships["6C"].end_date) == (on, None)
    assert (
        f"{theo.full_name} går på Scheeleskolan till och med {last_day.isoformat()} och är "
        f"inskriven vid Ullviskolan från och med {on.isoformat()}. Klass: 6C."
        in response.content.decode()
    )
    actions = sorted(
        AuditEntry.objects.filter(person_id=theo.pk)
        .exclude(action="person.view")
        .values_list("action", flat=True)
    )
    assert actions == sorted(
        ["enrolment.end", "membership.end", "membership.end", "enrolment.create", "membership.add"]
    )


def test_a_move_dated_before_the_pupil_started_is_refused_and_nothing_changes(story):
    old = current_enrolment(story.pupil_in_7a)
    before = row_counts()
    response = client_for(story.central_admin_koping).post(
        reverse("enrolment_move_school", args=[old.pk]),
        {
            "school_unit": str(story.ullviskolan.pk),
            "school_type": "GR",
            "start_date": TERM_START.isoformat(),
        },
    )
    assert response.status_code == 200
    assert response.context["placement"].errors["start_date"] == [
        f"Eleven började på Scheeleskolan {TERM_START.isoformat()}. "
        "Flyttdatumet måste komma efter det."
    ]
    old.refresh_from_db()
    assert old.end_date is None
    assert row_counts() == before


def test_a_move_to_a_school_that_does_not_offer_the_type_changes_nothing(story):
    # The old enrolment is ended first inside the move; the refusal must take that back.
    theo = story.pupil_in_7a
    old = current_enrolment(theo)
    before = row_counts()
    response = client_for(story.central_admin_koping).post(
        reverse("enrolment_move_school", args=[old.pk]),
        {
            "school_unit": str(story.ullviskolan.pk),
            "school_type": "FKLASS",
            "start_date": (TODAY + timedelta(days=1)).isoformat(),
        },
    )
    assert response.context["placement"].errors["school_type"] == [
        "Ullviskolan erbjuder inte skolformen FKLASS (erbjuder: GR)."
    ]
    old.refresh_from_db()
    assert old.end_date is None
    assert GroupMembership.objects.get(person=theo, group=story.groups["7A"]).end_date is None
    assert row_counts() == before


def test_a_school_administrator_cannot_move_a_pupil_to_a_school_she_does_not_manage(story):
    old = current_enrolment(story.pupil_in_7a)
    client = client_for(story.school_admin_at_scheeleskolan)
    form = client.get(reverse("enrolment_move_school", args=[old.pk])).context["placement"]
    assert list(form.fields["school_unit"].queryset) == [story.scheeleskolan]
    before = row_counts()
    response = client.post(
        reverse("enrolment_move_school", args=[old.pk]),
        {
            "school_unit": str(story.ullviskolan.pk),
            "school_type": "GR",
            "start_date": (TODAY + timedelta(days=1)).isoformat(),
        },
    )
    assert response.context["placement"].errors["school_unit"]
    assert row_counts() == before


def test_ending_an_enrolment_ends_the_groups_at_the_unit_too(story):
    theo = story.pupil_in_7a
    enrolment = current_enrolment(theo)
    response = client_for(story.school_admin_at_scheeleskolan).post(
        reverse("enrolment_end", args=[enrolment.pk]),
        {"end_date": TODAY.isoformat(), "leave_groups": "on"},
    )
    assert response["Location"] == reverse("school_unit_detail", args=[story.scheeleskolan.pk])
    enrolment.refresh_from_db()
    assert enrolment.end_date == TODAY
    assert GroupMembership.objects.get(person=theo, group=story.groups["7A"]).end_date == TODAY


def test_ending_an_enrolment_can_leave_the_groups_alone(story):
    theo = story.pupil_in_7a
    enrolment = current_enrolment(theo)
    response = client_for(story.school_admin_at_scheeleskolan).post(
        reverse("enrolment_end", args=[enrolment.pk]), {"end_date": TODAY.isoformat()}
    )
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.end_date == TODAY
    assert GroupMembership.objects.get(person=theo, group=story.groups["7A"]).end_date is None


def test_an_end_before_the_start_is_refused_and_nothing_changes(story):
    enrolment = current_enrolment(story.pupil_in_7a)
    before = row_counts()
    response = client_for(story.school_admin_at_scheeleskolan).post(
        reverse("enrolment_end", args=[enrolment.pk]),
        {"end_date": (TERM_START - timedelta(days=1)).isoformat(), "leave_groups": "on"},
    )
    assert response.context["form"].errors["end_date"] == [
        "Slutdatum kan inte ligga före startdatum."
    ]
    enrolment.refresh_from_db()
    assert enrolment.end_date is None
    assert row_counts() == before


def test_an_administrator_enrols_a_registered_pupil_in_fritidshem(story):
    theo = story.pupil_in_7a
    response = client_for(story.school_admin_at_scheeleskolan).post(
        reverse("enrolment_create", args=[theo.pk]),
        {"school_unit": str(story.scheeleskolan.pk), "school_type": "FTH", "start_date": TODAY},
    )
    assert response["Location"] == reverse("person_manage", args=[theo.pk])
    assert Enrolment.objects.filter(person=theo, school_type="FTH", start_date=TODAY).exists()


def test_enrolling_with_an_end_before_the_start_is_refused_and_nothing_is_written(story):
    before = row_counts()
    response = client_for(story.school_admin_at_scheeleskolan).post(
        reverse("enrolment_create", args=[story.pupil_in_7a.pk]),
        {
            "school_unit": str(story.scheeleskolan.pk),
            "school_type": "FTH",
            "start_date": TODAY.isoformat(),
            "end_date": (TODAY - timedelta(days=1)).isoformat(),
        },
    )
    assert response.context["placement"].errors["end_date"] == [
        "Slutdatum kan inte ligga före startdatum."
    ]
    assert row_counts() == before


def test_an_overlapping_enrolment_is_refused_with_the_reason(story):
    before = row_counts()
    response = client_for(story.school_admin_at_scheeleskolan).post(
        reverse("enrolment_create", args=[story.pupil_in_7a.pk]),
        {"school_unit": str(story.scheeleskolan.pk), "school_type": "GR", "start_date": TODAY},
    )
    [error] = response.context["placement"].errors["start_date"]
    assert error.startswith("Eleven är redan inskriven i GR vid Scheeleskolan")
    assert row_counts() == before


def test_a_teacher_cannot_reach_the_enrolment_forms(story):
    # Lars mentors 7B: he sees Alva, but enrols, moves and ends nobody.
    alva = story.pupil_in_7b
    enrolment = current_enrolment(alva)
    client = client_for(story.mentor_of_7b)
    before = row_counts()
    for url in (
        reverse("enrolment_create", args=[alva.pk]),
        reverse("enrolment_move_school", args=[enrolment.pk]),
        reverse("enrolment_end", args=[enrolment.pk]),
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"end_date": TODAY.isoformat()}).status_code == 404, url
    assert row_counts() == before


def test_a_protected_pupils_enrolment_is_missing_for_an_administrator_not_named(story):
    enrolment = current_enrolment(story.protected_pupil_in_7b)
    url = reverse("enrolment_end", args=[enrolment.pk])
    eva = story.school_admin_at_scheeleskolan
    assert client_for(eva).get(url).status_code == 404
    f.AuthorisationFactory(person=story.protected_pupil_in_7b, staff=eva)
    assert client_for(eva).get(url).status_code == 200


def test_the_new_schools_classes_follow_the_chosen_unit(story):
    old = current_enrolment(story.pupil_in_7a)
    response = client_for(story.central_admin_koping).get(
        reverse("enrolment_move_school", args=[old.pk]),
        {"school_unit": str(story.ullviskolan.pk)},
        headers={"HX-Request": "true"},
    )
    page = response.content.decode()
    assert "6C" in page and "7A" not in page and "7B" not in page
    assert "Förskoleklass" not in page
    assert "<html" not in page
