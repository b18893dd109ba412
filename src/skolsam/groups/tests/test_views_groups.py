"""Test the class list and the group forms through HTTP, as the school's staff use them.

The register is the one in organisations/tests/register_story.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from skolsam.audit.models import AuditEntry
from skolsam.core.choices import GroupType
from skolsam.groups.models import Group, GroupMembership
from skolsam.organisations.tests.register_story import (
    TERM_START,
    TODAY,
    build_register,
    dashed,
    pupil_in,
    row_counts,
)
from skolsam.testing import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def r():
    return build_register()


def class_list(client, group, **params):
    response = client.get(reverse("group_detail", args=[group.pk]), params)
    assert response.status_code == 200
    return response


def pupils(response) -> list[str]:
    return [row.person.given_name for row in response.context["class_list"].rows]


# --- the class list ------------------------------------------------------------------------


def test_the_administrator_sees_the_class_with_guardians_contact_details(r):
    response = class_list(r.client(r.school_administrator), r.class_5a)
    assert pupils(response) == ["Bo", "Alva"]  # by family name: Berg, Lindqvist
    page = response.content.decode()
    assert "Erik Lindqvist" in page
    assert 'href="tel:070-1112233"' in page
    assert "erik.lindqvist@example.se" in page
    # Lena has skyddad folkbokföring: a school administrator does not see her at all.
    assert "Lena" not in page and "070-999 88 77" not in page


def test_a_protected_pupil_is_hidden_from_an_administrator_not_named_for_her(r):
    response = class_list(r.client(r.school_administrator), r.class_5a)
    assert "Saga" not in pupils(response)
    assert "Saga" not in response.content.decode()


def test_a_protected_pupil_is_shown_to_the_administrator_named_for_her_and_logged(r):
    response = class_list(r.client(r.authorised_administrator), r.class_5a)
    assert "Saga" in pupils(response)
    assert "Skyddad identitet" in response.content.decode()
    assert AuditEntry.objects.filter(
        action="group.list", person_id=r.saga.pk, actor_id=r.authorised_administrator.pk
    ).exists()


def test_a_protected_guardian_is_named_with_contact_details_masked(r):
    # The central administrator sees that Lena exists (she works at Karlbergsskolan), but is
    # not named for her: her phone and e-mail stay hidden on Alva's row.
    response = class_list(r.client(r.central_administrator), r.class_5a)
    page = response.content.decode()
    [alva] = [row for row in response.context["class_list"].rows if row.person == r.alva]
    lena = next(g for g in alva.guardians if g.person == r.lena)
    assert lena.shows_contact is False
    assert "Lena Lindqvist" in page
    assert "070-999 88 77" not in page and "lena.hemlig@example.se" not in page
    assert "Kontaktuppgifter dolda" in page
    assert "070-111 22 33" in page  # Erik's are shown


def test_the_class_as_it_was_on_an_earlier_day(r):
    client = r.client(r.school_administrator)
    assert "Cecilia" not in pupils(class_list(client, r.class_5a))
    earlier = (TODAY - timedelta(days=40)).isoformat()
    response = class_list(client, r.class_5a, datum=earlier)
    assert pupils(response) == ["Bo", "Cecilia", "Alva"]
    assert f"Så här såg gruppen ut {earlier}" in response.content.decode()
    # htmx swaps the list alone and the address bar keeps the date.
    partial = client.get(
        reverse("group_detail", args=[r.class_5a.pk]),
        {"datum": earlier},
        headers={"HX-Request": "true"},
    )
    assert partial.content.decode().lstrip().startswith('<div id="class-list">')


def test_a_malformed_date_falls_back_to_today_with_a_message(r):
    response = r.client(r.school_administrator).get(
        reverse("group_detail", args=[r.class_5a.pk]), {"datum": "15 oktober"}
    )
    assert response.status_code == 400
    assert response.context["class_list"].on == TODAY
    assert "Skriv datumet som ÅÅÅÅ-MM-DD" in response.content.decode()


def test_the_class_list_is_printable(r):
    page = class_list(r.client(r.school_administrator), r.class_5a).content.decode()
    assert "organisations/register.css" in page
    assert 'onclick="window.print()"' in page
    assert 'class="actions no-print"' in page


def test_a_teacher_sees_her_own_class_and_404_for_the_others(r):
    client = r.client(r.teacher_of_5b)
    pupil_in(r.malmaskolan, r.class_5b, given_name="Dan", family_name="Åberg")
    assert pupils(class_list(client, r.class_5b)) == ["Dan"]
    assert client.get(reverse("group_detail", args=[r.class_5a.pk])).status_code == 404
    assert client.get(reverse("group_detail", args=[r.class_6a.pk])).status_code == 404
    arboga = r.client(r.teacher_in_arboga)
    assert arboga.get(reverse("group_detail", args=[r.class_5a.pk])).status_code == 404


def test_the_class_list_costs_the_same_queries_for_a_small_and_a_large_class(r):
    def class_of(size: int):
        group = f.GroupFactory(organisation=r.malmaskolan, start_date=TERM_START)
        for _ in range(size):
            pupil = pupil_in(r.malmaskolan, group)
            f.ResponsibleFactory(
                person=pupil,
                responsible=f.PersonFactory(
                    phone_numbers=[{"type": "Hem", "value": "070-1", "mobile": True}]
                ),
            )
            f.ResponsibleFactory(person=pupil)
        return group

    small, large = class_of(2), class_of(25)
    client = r.client(r.school_administrator)
    client.get(reverse("start"))  # settle the session first

    def cost(group) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("group_detail", args=[group.pk]))
        rows = response.context["class_list"].rows
        assert sum(len(row.guardians) for row in rows) == 2 * len(rows)
        return len(queries)

    assert cost(small) == cost(large)
    assert cost(large) <= 16


# --- group forms -----------------------------------------------------------------------------


def test_an_administrator_creates_a_class(r):
    client = r.client(r.school_administrator)
    response = client.post(
        reverse("group_create"),
        {
            "organisation": str(r.malmaskolan.pk),
            "display_name": "5C",
            "group_type": GroupType.KLASS,
            "school_type": "GR",
            "start_date": TODAY.isoformat(),
        },
    )
    group = Group.objects.get(display_name="5C")
    assert response["Location"] == reverse("group_detail", args=[group.pk])
    assert AuditEntry.objects.filter(action="group.create", object_id=str(group.pk)).exists()


def test_a_group_ending_before_it_starts_is_refused_and_nothing_is_written(r):
    client = r.client(r.school_administrator)
    before = row_counts()
    response = client.post(
        reverse("group_create"),
        {
            "organisation": str(r.malmaskolan.pk),
            "display_name": "5C",
            "group_type": GroupType.KLASS,
            "start_date": TODAY.isoformat(),
            "end_date": (TODAY - timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["end_date"] == [
        "Slutdatum kan inte ligga före startdatum."
    ]
    assert row_counts() == before


def test_the_group_form_offers_only_the_units_the_administrator_manages(r):
    client = r.client(r.school_administrator)
    form = client.get(reverse("group_create")).context["form"]
    assert list(form.fields["organisation"].queryset) == [r.malmaskolan]
    before = row_counts()
    response = client.post(
        reverse("group_create"),
        {
            "organisation": str(r.karlbergsskolan.pk),
            "display_name": "6B",
            "group_type": GroupType.KLASS,
            "start_date": TODAY.isoformat(),
        },
    )
    assert response.context["form"].errors["organisation"]
    assert row_counts() == before


def test_an_administrator_adds_a_pupil_to_a_teaching_group_by_civic_number(r):
    group = f.GroupFactory(
        display_name="Sv 5", group_type=GroupType.UNDERVISNING, organisation=r.malmaskolan
    )
    client = r.client(r.school_administrator)
    response = client.post(
        reverse("group_membership_add", args=[group.pk]),
        {"civic_no": dashed(r.bo.civic_no), "start_date": TODAY.isoformat()},
    )
    assert response.status_code == 302
    assert GroupMembership.objects.filter(group=group, person=r.bo, start_date=TODAY).exists()


def test_a_second_class_is_refused_with_the_rule_explained(r):
    client = r.client(r.school_administrator)
    before = row_counts()
    response = client.post(
        reverse("group_membership_add", args=[r.class_5b.pk]),
        {"civic_no": dashed(r.bo.civic_no), "start_date": TODAY.isoformat()},
    )
    [error] = response.context["form"].errors["civic_no"]
    assert "går redan i klass 5A" in error and "flytta eleven i stället" in error
    assert row_counts() == before


def test_a_pupil_the_administrator_may_not_change_is_not_found_by_civic_number(r):
    client = r.client(r.school_administrator)
    response = client.post(
        reverse("group_membership_add", args=[r.class_5b.pk]),
        {"civic_no": dashed(r.saga.civic_no), "start_date": TODAY.isoformat()},
    )
    [error] = response.context["form"].errors["civic_no"]
    assert error.startswith("Det finns ingen elev med det personnumret som du har behörighet")


def test_an_administrator_ends_a_membership_and_the_history_stays(r):
    membership = GroupMembership.objects.get(person=r.bo, group=r.class_5a)
    client = r.client(r.school_administrator)
    response = client.post(
        reverse("group_membership_end", args=[membership.pk]), {"end_date": TODAY.isoformat()}
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.end_date == TODAY


def test_moving_class_ends_the_old_class_the_day_before_the_new_one_starts(r):
    client = r.client(r.school_administrator)
    on = TODAY + timedelta(days=1)
    page = client.get(reverse("class_move", args=[r.bo.pk])).content.decode()
    assert "står kvar i nuvarande klass till och med dagen före" in page
    response = client.post(
        reverse("class_move", args=[r.bo.pk]),
        {"to_group": str(r.class_5b.pk), "on": on.isoformat()},
        follow=True,
    )
    old = GroupMembership.objects.get(person=r.bo, group=r.class_5a)
    new = GroupMembership.objects.get(person=r.bo, group=r.class_5b)
    assert old.end_date == TODAY
    assert (new.start_date, new.end_date) == (on, None)
    assert (
        f"Bo Berg går i 5A till och med {TODAY.isoformat()} och i 5B från och med "
        f"{on.isoformat()}." in response.content.decode()
    )
    actions = set(AuditEntry.objects.filter(person_id=r.bo.pk).values_list("action", flat=True))
    assert {"membership.end", "membership.add"} <= actions


def test_moving_on_the_day_the_pupil_started_is_refused(r):
    client = r.client(r.school_administrator)
    before = row_counts()
    response = client.post(
        reverse("class_move", args=[r.bo.pk]),
        {"to_group": str(r.class_5b.pk), "on": TERM_START.isoformat()},
    )
    assert response.context["form"].errors["on"] == [
        "Eleven började i sin nuvarande grupp samma dag."
    ]
    assert row_counts() == before


def test_a_class_at_another_school_is_not_offered(r):
    # The central administrator manages Karlbergsskolan too, but Bo is enrolled at
    # Malmaskolan: moving school is its own form, which ends the enrolment as well.
    client = r.client(r.central_administrator)
    form = client.get(reverse("class_move", args=[r.bo.pk])).context["form"]
    assert [g.display_name for g in form.fields["to_group"].queryset] == ["5B"]
    before = row_counts()
    response = client.post(
        reverse("class_move", args=[r.bo.pk]),
        {"to_group": str(r.class_6a.pk), "on": TODAY.isoformat()},
    )
    assert response.context["form"].errors["to_group"]
    assert row_counts() == before


def test_a_teacher_cannot_reach_the_group_forms(r):
    client = r.client(r.teacher_of_5b)
    membership = GroupMembership.objects.get(person=r.bo, group=r.class_5a)
    before = row_counts()
    for url in (
        reverse("group_create"),
        reverse("group_membership_add", args=[r.class_5b.pk]),
        reverse("group_membership_end", args=[membership.pk]),
        reverse("class_move", args=[r.bo.pk]),
        reverse("assignment_role_add", args=[r.class_5b.pk]),
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {}).status_code == 404, url
    assert row_counts() == before
