"""Enrol pupils, move them between schools and end enrolments through HTTP.

The register is the one in organisations/tests/register_story.py. The central
administrator at the förvaltning manages both Malmaskolan and Karlbergsskolan.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from skolsam.audit.models import AuditEntry
from skolsam.enrolment.models import Enrolment
from skolsam.groups.models import GroupMembership
from skolsam.organisations.tests.register_story import (
    TERM_START,
    TODAY,
    build_register,
    row_counts,
)
from skolsam.testing import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def r():
    return build_register()


def current_enrolment(person):
    return Enrolment.objects.get(person=person, end_date__isnull=True)


def test_moving_school_ends_the_old_enrolment_and_class_and_starts_the_new(r):
    old = current_enrolment(r.bo)
    teaching_group = f.GroupFactory(
        display_name="Sv 5", group_type="Undervisning", organisation=r.malmaskolan
    )
    f.MembershipFactory(person=r.bo, group=teaching_group, start_date=TERM_START)
    on = TODAY + timedelta(days=7)
    client = r.client(r.central_administrator)
    page = client.get(reverse("enrolment_move_school", args=[old.pk])).content.decode()
    assert "avslutas dagen före det datum du anger" in page

    response = client.post(
        reverse("enrolment_move_school", args=[old.pk]),
        {
            "school_unit": str(r.karlbergsskolan.pk),
            "school_type": "GR",
            "school_year": "5",
            "start_date": on.isoformat(),
            "group": str(r.class_6a.pk),
        },
        follow=True,
    )

    old.refresh_from_db()
    last_day = on - timedelta(days=1)
    assert old.end_date == last_day
    new = Enrolment.objects.get(person=r.bo, enroled_at=r.karlbergsskolan)
    assert (new.start_date, new.end_date, new.school_year) == (on, None, 5)
    memberships = {m.group.display_name: m for m in GroupMembership.objects.filter(person=r.bo)}
    assert memberships["5A"].end_date == last_day
    assert memberships["Sv 5"].end_date == last_day
    assert (memberships["6A"].start_date, memberships["6A"].end_date) == (on, None)
    assert (
        f"Bo Berg går på Malmaskolan till och med {last_day.isoformat()} och är inskriven vid "
        f"Karlbergsskolan från och med {on.isoformat()}. Klass: 6A." in response.content.decode()
    )
    actions = sorted(
        AuditEntry.objects.filter(person_id=r.bo.pk)
        .exclude(action="person.view")
        .values_list("action", flat=True)
    )
    assert actions == sorted(
        ["enrolment.end", "membership.end", "membership.end", "enrolment.create", "membership.add"]
    )


def test_a_move_dated_before_the_pupil_started_is_refused_and_nothing_changes(r):
    old = current_enrolment(r.bo)
    before = row_counts()
    response = r.client(r.central_administrator).post(
        reverse("enrolment_move_school", args=[old.pk]),
        {
            "school_unit": str(r.karlbergsskolan.pk),
            "school_type": "GR",
            "start_date": TERM_START.isoformat(),
        },
    )
    assert response.status_code == 200
    assert response.context["placement"].errors["start_date"] == [
        f"Eleven började på Malmaskolan {TERM_START.isoformat()}. "
        "Flyttdatumet måste komma efter det."
    ]
    old.refresh_from_db()
    assert old.end_date is None
    assert row_counts() == before


def test_a_move_to_a_school_that_does_not_offer_the_type_changes_nothing(r):
    # The old enrolment is ended first inside the move; the refusal must take that back.
    old = current_enrolment(r.bo)
    before = row_counts()
    response = r.client(r.central_administrator).post(
        reverse("enrolment_move_school", args=[old.pk]),
        {
            "school_unit": str(r.karlbergsskolan.pk),
            "school_type": "FKLASS",
            "start_date": (TODAY + timedelta(days=1)).isoformat(),
        },
    )
    assert response.context["placement"].errors["school_type"] == [
        "Karlbergsskolan erbjuder inte skolformen FKLASS (erbjuder: GR)."
    ]
    old.refresh_from_db()
    assert old.end_date is None
    assert GroupMembership.objects.get(person=r.bo, group=r.class_5a).end_date is None
    assert row_counts() == before


def test_a_school_administrator_cannot_move_a_pupil_to_a_school_she_does_not_manage(r):
    old = current_enrolment(r.bo)
    client = r.client(r.school_administrator)
    form = client.get(reverse("enrolment_move_school", args=[old.pk])).context["placement"]
    assert list(form.fields["school_unit"].queryset) == [r.malmaskolan]
    before = row_counts()
    response = client.post(
        reverse("enrolment_move_school", args=[old.pk]),
        {
            "school_unit": str(r.karlbergsskolan.pk),
            "school_type": "GR",
            "start_date": (TODAY + timedelta(days=1)).isoformat(),
        },
    )
    assert response.context["placement"].errors["school_unit"]
    assert row_counts() == before


def test_ending_an_enrolment_ends_the_groups_at_the_unit_too(r):
    enrolment = current_enrolment(r.bo)
    response = r.client(r.school_administrator).post(
        reverse("enrolment_end", args=[enrolment.pk]),
        {"end_date": TODAY.isoformat(), "leave_groups": "on"},
    )
    assert response["Location"] == reverse("school_unit_detail", args=[r.malmaskolan.pk])
    enrolment.refresh_from_db()
    assert enrolment.end_date == TODAY
    assert GroupMembership.objects.get(person=r.bo, group=r.class_5a).end_date == TODAY


def test_ending_an_enrolment_can_leave_the_groups_alone(r):
    enrolment = current_enrolment(r.bo)
    r.client(r.school_administrator).post(
        reverse("enrolment_end", args=[enrolment.pk]), {"end_date": TODAY.isoformat()}
    )
    assert GroupMembership.objects.get(person=r.bo, group=r.class_5a).end_date is None


def test_an_end_before_the_start_is_refused_and_nothing_changes(r):
    enrolment = current_enrolment(r.bo)
    before = row_counts()
    response = r.client(r.school_administrator).post(
        reverse("enrolment_end", args=[enrolment.pk]),
        {"end_date": (TERM_START - timedelta(days=1)).isoformat(), "leave_groups": "on"},
    )
    assert response.context["form"].errors["end_date"] == [
        "Slutdatum kan inte ligga före startdatum."
    ]
    enrolment.refresh_from_db()
    assert enrolment.end_date is None
    assert row_counts() == before


def test_an_administrator_enrols_a_registered_pupil_in_fritidshem(r):
    client = r.client(r.school_administrator)
    response = client.post(
        reverse("enrolment_create", args=[r.bo.pk]),
        {"school_unit": str(r.malmaskolan.pk), "school_type": "FTH", "start_date": TODAY},
    )
    assert response["Location"] == reverse("person_manage", args=[r.bo.pk])
    assert Enrolment.objects.filter(person=r.bo, school_type="FTH", start_date=TODAY).exists()


def test_enrolling_with_an_end_before_the_start_is_refused_and_nothing_is_written(r):
    before = row_counts()
    response = r.client(r.school_administrator).post(
        reverse("enrolment_create", args=[r.bo.pk]),
        {
            "school_unit": str(r.malmaskolan.pk),
            "school_type": "FTH",
            "start_date": TODAY.isoformat(),
            "end_date": (TODAY - timedelta(days=1)).isoformat(),
        },
    )
    assert response.context["placement"].errors["end_date"] == [
        "Slutdatum kan inte ligga före startdatum."
    ]
    assert row_counts() == before


def test_an_overlapping_enrolment_is_refused_with_the_reason(r):
    before = row_counts()
    response = r.client(r.school_administrator).post(
        reverse("enrolment_create", args=[r.bo.pk]),
        {"school_unit": str(r.malmaskolan.pk), "school_type": "GR", "start_date": TODAY},
    )
    [error] = response.context["placement"].errors["start_date"]
    assert error.startswith("Eleven är redan inskriven i GR vid Malmaskolan")
    assert row_counts() == before


def test_a_teacher_cannot_reach_the_enrolment_forms(r):
    enrolment = current_enrolment(r.alva)
    client = r.client(r.teacher_of_5b)
    before = row_counts()
    for url in (
        reverse("enrolment_create", args=[r.alva.pk]),
        reverse("enrolment_move_school", args=[enrolment.pk]),
        reverse("enrolment_end", args=[enrolment.pk]),
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"end_date": TODAY.isoformat()}).status_code == 404, url
    assert row_counts() == before


def test_a_protected_pupils_enrolment_is_missing_for_an_administrator_not_named(r):
    enrolment = current_enrolment(r.saga)
    url = reverse("enrolment_end", args=[enrolment.pk])
    assert r.client(r.school_administrator).get(url).status_code == 404
    assert r.client(r.authorised_administrator).get(url).status_code == 200


def test_the_new_schools_classes_follow_the_chosen_unit(r):
    old = current_enrolment(r.bo)
    response = r.client(r.central_administrator).get(
        reverse("enrolment_move_school", args=[old.pk]),
        {"school_unit": str(r.karlbergsskolan.pk)},
        headers={"HX-Request": "true"},
    )
    page = response.content.decode()
    assert "6A" in page and "5A" not in page
    assert "Förskoleklass" not in page
    assert "<html" not in page
