"""Test the class list and the group forms through HTTP, as the school's staff use them.

The register is the story's (skolsam.testing.story): at Scheeleskolan Eva is the
skoladministratör and Lars mentors 7B (Alva, and Elsa with skyddad folkbokföring); Theo and
Selma are in 7A; Birgitta manages Köping's schools. Added here for every test: Karin's mobile
number and e-mail address; Hanna, Alva's other guardian, who has skyddad folkbokföring and
works at Ullviskolan (so Birgitta sees that she exists); and Cecilia, who left 7A a month ago.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from skolsam.audit.models import AuditEntry
from skolsam.core.choices import GroupType, SecurityMarking
from skolsam.core.dates import today
from skolsam.groups.models import Group, GroupMembership
from skolsam.people.models import Person
from skolsam.testing import factories as f
from skolsam.testing.factories import TERM_START
from skolsam.testing.story import client_for, dashed, pupil_in, row_counts

pytestmark = pytest.mark.django_db

TODAY = today()


@pytest.fixture(scope="module")
def s(story: Any, django_db_blocker: Any) -> Any:
    """The story with Karin's contact details, Hanna and Cecilia."""
    with django_db_blocker.unblock():
        Person.objects.filter(pk=story.guardian_of_pupil_in_7b.pk).update(
            phone_numbers=[{"type": "Hem", "value": "070-111 22 33", "mobile": True}],
            emails=[{"type": "Privat", "value": "karin@example.se"}],
        )
        hanna = f.PersonFactory(
            given_name="Hanna",
            security_marking=SecurityMarking.SKYDDAD_FOLKBOKFORING,
            phone_numbers=[{"type": "Hem", "value": "070-999 88 77", "mobile": True}],
            emails=[{"type": "Privat", "value": "hanna.hemlig@example.se"}],
        )
        f.ResponsibleFactory(person=story.pupil_in_7b, responsible=hanna)
        f.DutyFactory(person=hanna, duty_at=story.ullviskolan)
        story.people["protected_guardian_of_pupil_in_7b"] = hanna
        cecilia = f.PupilFactory(given_name="Cecilia")
        f.EnrolmentFactory(person=cecilia, enroled_at=story.scheeleskolan, school_year=7)
        f.MembershipFactory(
            person=cecilia, group=story.groups["7A"], end_date=TODAY - timedelta(days=30)
        )
        story.people["pupil_who_left_7a"] = cecilia
    return story


def class_list(client, group, **params):
    response = client.get(reverse("group_detail", args=[group.pk]), params)
    assert response.status_code == 200
    return response


def pupils(response) -> list[str]:
    return [row.person.given_name for row in response.context["class_list"].rows]


def by_family_name(*people: Any) -> list[str]:
    """The given names of `people` in the order a class list shows them."""
    return [p.given_name for p in sorted(people, key=lambda p: (p.family_name, p.given_name))]


# --- the class list ------------------------------------------------------------------------


def test_the_administrator_sees_the_class_with_guardians_contact_details(s):
    client = client_for(s.school_admin_at_scheeleskolan)
    response = class_list(client, s.groups["7B"])
    assert pupils(response) == ["Alva"]
    page = response.content.decode()
    assert s.guardian_of_pupil_in_7b.full_name in page
    assert 'href="tel:070-1112233"' in page
    assert "karin@example.se" in page
    # Hanna has skyddad folkbokföring: a school administrator does not see her at all.
    assert "Hanna" not in page and "070-999 88 77" not in page
    seventh_a = class_list(client, s.groups["7A"])
    assert pupils(seventh_a) == by_family_name(s.pupil_in_7a, s.pupil_of_another_class)


def test_a_protected_pupil_is_hidden_from_an_administrator_not_named_for_her(s):
    response = class_list(client_for(s.school_admin_at_scheeleskolan), s.groups["7B"])
    assert "Elsa" not in pupils(response)
    assert "Elsa" not in response.content.decode()


def test_a_protected_pupil_is_shown_to_the_administrator_named_for_her_and_logged(s):
    eva, elsa = s.school_admin_at_scheeleskolan, s.protected_pupil_in_7b
    f.AuthorisationFactory(person=elsa, staff=eva)
    response = class_list(client_for(eva), s.groups["7B"])
    assert "Elsa" in pupils(response)
    assert "Skyddad identitet" in response.content.decode()
    assert AuditEntry.objects.filter(
        action="group.list", person_id=elsa.pk, actor__person=eva
    ).exists()


def test_a_protected_guardian_is_named_with_contact_details_masked(s):
    # Birgitta sees that Hanna exists (she works at Ullviskolan), but is not named for her:
    # her phone and e-mail stay hidden on Alva's row.
    hanna = s.protected_guardian_of_pupil_in_7b
    response = class_list(client_for(s.central_admin_koping), s.groups["7B"])
    page = response.content.decode()
    [alva] = [row for row in response.context["class_list"].rows if row.person == s.pupil_in_7b]
    shown = next(g for g in alva.guardians if g.person == hanna)
    assert shown.shows_contact is False
    assert hanna.full_name in page
    assert "070-999 88 77" not in page and "hanna.hemlig@example.se" not in page
    assert "Kontaktuppgifter dolda" in page
    assert "070-111 22 33" in page  # Karin's are shown


def test_the_class_as_it_was_on_an_earlier_day(s):
    client = client_for(s.school_admin_at_scheeleskolan)
    class_7a = s.groups["7A"]
    assert "Cecilia" not in pupils(class_list(client, class_7a))
    earlier = (TODAY - timedelta(days=40)).isoformat()
    response = class_list(client, class_7a, datum=earlier)
    assert pupils(response) == by_family_name(
        s.pupil_in_7a, s.pupil_of_another_class, s.pupil_who_left_7a
    )
    assert f"Så här såg gruppen ut {earlier}" in response.content.decode()
    # htmx swaps the list alone and the address bar keeps the date.
    partial = client.get(
        reverse("group_detail", args=[class_7a.pk]),
        {"datum": earlier},
        headers={"HX-Request": "true"},
    )
    assert partial.content.decode().lstrip().startswith('<div id="class-list">')


def test_a_malformed_date_falls_back_to_today_with_a_message(s):
    response = client_for(s.school_admin_at_scheeleskolan).get(
        reverse("group_detail", args=[s.groups["7B"].pk]), {"datum": "15 oktober"}
    )
    assert response.status_code == 400
    assert response.context["class_list"].on == TODAY
    assert "Skriv datumet som ÅÅÅÅ-MM-DD" in response.content.decode()


def test_the_class_list_is_printable(s):
    page = class_list(client_for(s.school_admin_at_scheeleskolan), s.groups["7B"])
    page = page.content.decode()
    assert "organisations/register.css" in page
    assert 'onclick="window.print()"' in page
    assert 'class="actions no-print"' in page


def test_a_teacher_sees_her_own_class_and_404_for_the_others(s):
    # Lars mentors 7B, and is not named for Elsa.
    client = client_for(s.mentor_of_7b)
    assert pupils(class_list(client, s.groups["7B"])) == ["Alva"]
    assert client.get(reverse("group_detail", args=[s.groups["7A"].pk])).status_code == 404
    assert client.get(reverse("group_detail", args=[s.groups["6C"].pk])).status_code == 404
    arboga = client_for(s.teacher_in_arboga)
    assert arboga.get(reverse("group_detail", args=[s.groups["7B"].pk])).status_code == 404


def test_the_class_list_costs_the_same_queries_for_a_small_and_a_large_class(s):
    def class_of(size: int):
        group = f.GroupFactory(organisation=s.scheeleskolan)
        for _ in range(size):
            pupil = pupil_in(s.scheeleskolan, group)
            f.ResponsibleFactory(
                person=pupil,
                responsible=f.PersonFactory(
                    phone_numbers=[{"type": "Hem", "value": "070-1", "mobile": True}]
                ),
            )
            f.ResponsibleFactory(person=pupil)
        return group

    small, large = class_of(2), class_of(25)
    client = client_for(s.school_admin_at_scheeleskolan)
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


def test_an_administrator_creates_a_class(s):
    client = client_for(s.school_admin_at_scheeleskolan)
    response = client.post(
        reverse("group_create"),
        {
            "organisation": str(s.scheeleskolan.pk),
            "display_name": "7C",
            "group_type": GroupType.KLASS,
            "school_type": "GR",
            "start_date": TODAY.isoformat(),
        },
    )
    group = Group.objects.get(display_name="7C")
    assert group.organisation == s.scheeleskolan
    assert response["Location"] == reverse("group_detail", args=[group.pk])
    assert AuditEntry.objects.filter(action="group.create", object_id=str(group.pk)).exists()


def test_a_group_ending_before_it_starts_is_refused_and_nothing_is_written(s):
    client = client_for(s.school_admin_at_scheeleskolan)
    before = row_counts()
    response = client.post(
        reverse("group_create"),
        {
            "organisation": str(s.scheeleskolan.pk),
            "display_name": "7C",
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


def test_the_group_form_offers_only_the_units_the_administrator_manages(s):
    client = client_for(s.school_admin_at_scheeleskolan)
    form = client.get(reverse("group_create")).context["form"]
    assert list(form.fields["organisation"].queryset) == [s.scheeleskolan]
    before = row_counts()
    response = client.post(
        reverse("group_create"),
        {
            "organisation": str(s.ullviskolan.pk),
            "display_name": "6B",
            "group_type": GroupType.KLASS,
            "start_date": TODAY.isoformat(),
        },
    )
    assert response.context["form"].errors["organisation"]
    assert row_counts() == before


def test_an_administrator_adds_a_pupil_to_a_teaching_group_by_civic_number(s):
    theo = s.pupil_in_7a
    group = f.GroupFactory(
        display_name="Sv 7", group_type=GroupType.UNDERVISNING, organisation=s.scheeleskolan
    )
    client = client_for(s.school_admin_at_scheeleskolan)
    response = client.post(
        reverse("group_membership_add", args=[group.pk]),
        {"civic_no": dashed(theo.civic_no), "start_date": TODAY.isoformat()},
    )
    assert response.status_code == 302
    assert GroupMembership.objects.filter(group=group, person=theo, start_date=TODAY).exists()


def test_a_second_class_is_refused_with_the_rule_explained(s):
    client = client_for(s.school_admin_at_scheeleskolan)
    before = row_counts()
    response = client.post(
        reverse("group_membership_add", args=[s.groups["7B"].pk]),
        {"civic_no": dashed(s.pupil_in_7a.civic_no), "start_date": TODAY.isoformat()},
    )
    [error] = response.context["form"].errors["civic_no"]
    assert "går redan i klass 7A" in error and "flytta eleven i stället" in error
    assert row_counts() == before


def test_a_pupil_the_administrator_may_not_change_is_not_found_by_civic_number(s):
    client = client_for(s.school_admin_at_scheeleskolan)
    before = row_counts()
    response = client.post(
        reverse("group_membership_add", args=[s.groups["7A"].pk]),
        {"civic_no": dashed(s.protected_pupil_in_7b.civic_no), "start_date": TODAY.isoformat()},
    )
    [error] = response.context["form"].errors["civic_no"]
    assert error.startswith("Det finns ingen elev med det personnumret som du har behörighet")
    assert row_counts() == before


def test_an_administrator_ends_a_membership_and_the_history_stays(s):
    membership = GroupMembership.objects.get(person=s.pupil_in_7a, group=s.groups["7A"])
    client = client_for(s.school_admin_at_scheeleskolan)
    response = client.post(
        reverse("group_membership_end", args=[membership.pk]), {"end_date": TODAY.isoformat()}
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.end_date == TODAY


def test_moving_class_ends_the_old_class_the_day_before_the_new_one_starts(s):
    theo = s.pupil_in_7a
    client = client_for(s.school_admin_at_scheeleskolan)
    on = TODAY + timedelta(days=1)
    page = client.get(reverse("class_move", args=[theo.pk])).content.decode()
    assert "står kvar i nuvarande klass till och med dagen före" in page
    response = client.post(
        reverse("class_move", args=[theo.pk]),
        {"to_group": str(s.groups["7B"].pk), "on": on.isoformat()},
        follow=True,
    )
    old = GroupMembership.objects.get(person=theo, group=s.groups["7A"])
    new = GroupMembership.objects.get(person=theo, group=s.groups["7B"])
    assert old.end_date == TODAY
    assert (new.start_date, new.end_date) == (on, None)
    assert (
        f"{theo.full_name} går i 7A till och med {TODAY.isoformat()} och i 7B från och med "
        f"{on.isoformat()}." in response.content.decode()
    )
    actions = set(AuditEntry.objects.filter(person_id=theo.pk).values_list("action", flat=True))
    assert {"membership.end", "membership.add"} <= actions


def test_moving_on_the_day_the_pupil_started_is_refused(s):
    client = client_for(s.school_admin_at_scheeleskolan)
    before = row_counts()
    response = client.post(
        reverse("class_move", args=[s.pupil_in_7a.pk]),
        {"to_group": str(s.groups["7B"].pk), "on": TERM_START.isoformat()},
    )
    assert response.context["form"].errors["on"] == [
        "Eleven började i sin nuvarande grupp samma dag."
    ]
    assert row_counts() == before


def test_a_class_at_another_school_is_not_offered(s):
    # Birgitta manages Ullviskolan too, but Theo is enrolled at Scheeleskolan: moving
    # school is its own form, which ends the enrolment as well.
    theo = s.pupil_in_7a
    client = client_for(s.central_admin_koping)
    form = client.get(reverse("class_move", args=[theo.pk])).context["form"]
    assert [g.display_name for g in form.fields["to_group"].queryset] == ["7B"]
    before = row_counts()
    response = client.post(
        reverse("class_move", args=[theo.pk]),
        {"to_group": str(s.groups["6C"].pk), "on": TODAY.isoformat()},
    )
    assert response.context["form"].errors["to_group"]
    assert row_counts() == before


def test_a_teacher_cannot_reach_the_group_forms(s):
    # Not even for 7B, the class Lars mentors.
    client = client_for(s.mentor_of_7b)
    alva = s.pupil_in_7b
    membership = GroupMembership.objects.get(person=alva, group=s.groups["7B"])
    before = row_counts()
    for url in (
        reverse("group_create"),
        reverse("group_membership_add", args=[s.groups["7B"].pk]),
        reverse("group_membership_end", args=[membership.pk]),
        reverse("class_move", args=[alva.pk]),
        reverse("assignment_role_add", args=[s.groups["7B"].pk]),
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {}).status_code == 404, url
    assert row_counts() == before
