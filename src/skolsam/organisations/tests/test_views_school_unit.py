"""Test the school unit page through HTTP, as the staff of the school see it.

The register is the story's (skolsam.testing.story): Scheeleskolan has 7A (Theo and Selma)
and 7B (Alva, and Elsa, who has skyddad folkbokföring); Eva is its skoladministratör, Lars
mentors 7B, Birgitta is Köping's central administrator. One more pupil is added here: Cecilia
left 7A a month ago but is still enrolled at Scheeleskolan.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from skolsam.audit.models import AuditEntry
from skolsam.core.choices import DutyRole
from skolsam.core.dates import today
from skolsam.testing import factories as f
from skolsam.testing.story import client_for, pupil_in

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def s(story: Any, django_db_blocker: Any) -> Any:
    """The story with Cecilia, who left 7A a month ago and is still enrolled."""
    with django_db_blocker.unblock():
        cecilia = f.PupilFactory(given_name="Cecilia")
        f.EnrolmentFactory(person=cecilia, enroled_at=story.scheeleskolan, school_year=7)
        f.MembershipFactory(
            person=cecilia, group=story.groups["7A"], end_date=today() - timedelta(days=30)
        )
        story.people["pupil_who_left_7a"] = cecilia
    return story


def unit_page(client, unit):
    response = client.get(reverse("school_unit_detail", args=[unit.pk]))
    assert response.status_code == 200
    return response


def test_the_administrator_sees_groups_staff_and_pupils_by_year(s):
    response = unit_page(client_for(s.school_admin_at_scheeleskolan), s.scheeleskolan)
    o = response.context["o"]
    counts = {g.display_name: g.member_count for g in o.groups}
    # Elsa is not counted: even "one more in 7B" would say where she goes to school.
    assert counts == {"7A": 2, "7B": 1}
    # Alva, Theo, Selma and Cecilia, who is enrolled without a class.
    assert [(y.school_type, y.school_year, y.count) for y in o.years] == [("GR", 7, 4)]
    staff = {row.person.full_name: [d.duty_role for d in row.duties] for row in o.staff}
    assert staff == {
        s.rektor_at_scheeleskolan.full_name: [DutyRole.REKTOR],
        s.school_admin_at_scheeleskolan.full_name: [DutyRole.SKOLADMINISTRATOR],
        s.kurator_at_scheeleskolan.full_name: [DutyRole.KURATOR],
        s.colleague_at_scheeleskolan.full_name: [DutyRole.FRITIDSPEDAGOG],
        s.teacher_of_7b.full_name: [DutyRole.LARARE],
        s.mentor_of_7b.full_name: [DutyRole.LARARE],
        s.authorised_teacher_of_7b.full_name: [DutyRole.LARARE],
        s.teacher_of_7a.full_name: [DutyRole.LARARE],
    }
    page = response.content.decode()
    assert "Mentor för 7B" in page
    assert reverse("pupil_register") + f"?skolenhet={s.scheeleskolan.pk}" in page
    assert reverse("group_detail", args=[s.groups["7B"].pk]) in page


def test_the_administrator_named_for_a_protected_pupil_counts_her(s):
    eva = s.school_admin_at_scheeleskolan
    before = unit_page(client_for(eva), s.scheeleskolan).context["o"]
    assert ({g.display_name: g.member_count for g in before.groups}["7B"], before.pupil_count) == (
        1,
        4,
    )
    f.AuthorisationFactory(person=s.protected_pupil_in_7b, staff=eva)
    o = unit_page(client_for(eva), s.scheeleskolan).context["o"]
    assert {g.display_name: g.member_count for g in o.groups}["7B"] == 2
    assert o.pupil_count == 5


def test_the_pupils_of_a_year_come_as_a_list_with_their_classes(s):
    client = client_for(s.school_admin_at_scheeleskolan)
    url = reverse("school_unit_pupils", args=[s.scheeleskolan.pk])
    response = client.get(url, {"skolform": "GR", "arskurs": "7"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    rows = response.context["rows"]
    expected = {
        s.pupil_in_7b: ["7B"],
        s.pupil_in_7a: ["7A"],
        s.pupil_of_another_class: ["7A"],
        s.pupil_who_left_7a: [],
    }
    by_family_name = sorted(expected, key=lambda p: (p.family_name, p.given_name, p.pk))
    assert [(row.person, [g.display_name for g in row.classes]) for row in rows] == [
        (pupil, expected[pupil]) for pupil in by_family_name
    ]
    assert "<html" not in response.content.decode()
    entry = AuditEntry.objects.get(action="school_unit.pupils")
    assert len(entry.detail["persons"]) == 4


def test_a_teacher_sees_her_own_school_with_her_own_groups_only(s):
    lars = s.mentor_of_7b
    response = unit_page(client_for(lars), s.scheeleskolan)
    o = response.context["o"]
    assert [g.display_name for g in o.groups] == ["7B"]
    assert o.shows_pupils is False and o.years == []
    assert o.may_manage is False
    page = response.content.decode()
    assert reverse("pupil_register") not in page
    url = reverse("school_unit_pupils", args=[s.scheeleskolan.pk])
    assert client_for(lars).get(url, {"skolform": "GR", "arskurs": "7"}).status_code == 404


def test_a_teacher_gets_404_for_another_schools_page(s):
    client = client_for(s.mentor_of_7b)
    for unit in (s.ullviskolan, s.gaddgardsskolan):
        assert client.get(reverse("school_unit_detail", args=[unit.pk])).status_code == 404
    missing = reverse("school_unit_detail", args=["00000000-0000-0000-0000-000000000000"])
    assert client.get(missing).status_code == 404


def test_an_organisation_that_is_not_a_school_unit_has_no_unit_page(s):
    client = client_for(s.central_admin_koping)
    url = reverse("school_unit_detail", args=[s.koping_forvaltning.pk])
    assert client.get(url).status_code == 404
    assert unit_page(client, s.ullviskolan).context["o"].may_manage is True


def test_the_unit_page_costs_the_same_queries_for_a_small_and_a_large_school(s):
    small = f.SchoolUnitFactory(parent=s.koping_forvaltning)
    large = f.SchoolUnitFactory(parent=s.koping_forvaltning)
    for unit, classes, pupils in ((small, 1, 2), (large, 6, 10)):
        for _ in range(classes):
            group = f.GroupFactory(organisation=unit)
            for year in range(pupils):
                pupil_in(unit, group, school_year=year % 10)
            f.AssignmentRoleFactory(duty=f.DutyFactory(duty_at=unit), group=group)
    client = client_for(s.central_admin_koping)
    client.get(reverse("start"))

    def cost(unit) -> int:
        with CaptureQueriesContext(connection) as queries:
            unit_page(client, unit)
        return len(queries)

    assert cost(small) == cost(large)
    assert cost(large) <= 16
