"""Test the school unit page through HTTP, as the staff of the school see it.

The register is the one in register_story.py: Malmaskolan has 5A (Alva, Bo and Saga,
who has skyddad folkbokföring) and 5B; Cecilia left 5A but is still enrolled.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from skolsam.audit.models import AuditEntry
from skolsam.organisations.tests.register_story import TERM_START, build_register, pupil_in
from skolsam.testing import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def r():
    return build_register()


def unit_page(client, unit):
    response = client.get(reverse("school_unit_detail", args=[unit.pk]))
    assert response.status_code == 200
    return response


def test_the_administrator_sees_groups_staff_and_pupils_by_year(r):
    response = unit_page(r.client(r.school_administrator), r.malmaskolan)
    o = response.context["o"]
    counts = {g.display_name: g.member_count for g in o.groups}
    # Saga is not counted: even "one more in 5A" would say where she goes to school.
    assert counts == {"5A": 2, "5B": 0}
    assert [(y.school_type, y.school_year, y.count) for y in o.years] == [("GR", 5, 3)]
    staff = {row.person.full_name: [d.duty_role for d in row.duties] for row in o.staff}
    assert staff["Tove Lärare"] == ["Lärare"]
    assert staff["Maria Admin"] == ["Skoladministratör"]
    page = response.content.decode()
    assert "Mentor för 5B" in page
    assert reverse("pupil_register") + f"?skolenhet={r.malmaskolan.pk}" in page
    assert reverse("group_detail", args=[r.class_5a.pk]) in page


def test_the_administrator_named_for_a_protected_pupil_counts_her(r):
    o = unit_page(r.client(r.authorised_administrator), r.malmaskolan).context["o"]
    assert {g.display_name: g.member_count for g in o.groups}["5A"] == 3
    assert o.pupil_count == 4


def test_the_pupils_of_a_year_come_as_a_list_with_their_classes(r):
    client = r.client(r.school_administrator)
    url = reverse("school_unit_pupils", args=[r.malmaskolan.pk])
    response = client.get(url, {"skolform": "GR", "arskurs": "5"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [(row.person.given_name, [g.display_name for g in row.classes]) for row in rows] == [
        ("Bo", ["5A"]),
        ("Cecilia", []),
        ("Alva", ["5A"]),
    ]
    assert "<html" not in response.content.decode()
    entry = AuditEntry.objects.get(action="school_unit.pupils")
    assert len(entry.detail["persons"]) == 3


def test_a_teacher_sees_her_own_school_with_her_own_groups_only(r):
    response = unit_page(r.client(r.teacher_of_5b), r.malmaskolan)
    o = response.context["o"]
    assert [g.display_name for g in o.groups] == ["5B"]
    assert o.shows_pupils is False and o.years == []
    assert o.may_manage is False
    page = response.content.decode()
    assert reverse("pupil_register") not in page
    url = reverse("school_unit_pupils", args=[r.malmaskolan.pk])
    assert r.client(r.teacher_of_5b).get(url, {"skolform": "GR", "arskurs": "5"}).status_code == 404


def test_a_teacher_gets_404_for_another_schools_page(r):
    client = r.client(r.teacher_of_5b)
    for unit in (r.karlbergsskolan, r.gaddgardsskolan):
        assert client.get(reverse("school_unit_detail", args=[unit.pk])).status_code == 404
    missing = reverse("school_unit_detail", args=["00000000-0000-0000-0000-000000000000"])
    assert client.get(missing).status_code == 404


def test_an_organisation_that_is_not_a_school_unit_has_no_unit_page(r):
    client = r.client(r.central_administrator)
    assert client.get(reverse("school_unit_detail", args=[r.forvaltning.pk])).status_code == 404
    assert unit_page(client, r.karlbergsskolan).context["o"].may_manage is True


def test_the_unit_page_costs_the_same_queries_for_a_small_and_a_large_school(r):
    small = f.SchoolUnitFactory(parent=r.forvaltning)
    large = f.SchoolUnitFactory(parent=r.forvaltning)
    for unit, classes, pupils in ((small, 1, 2), (large, 6, 10)):
        for _ in range(classes):
            group = f.GroupFactory(organisation=unit, start_date=TERM_START)
            for year in range(pupils):
                pupil_in(unit, group, school_year=year % 10)
            f.AssignmentRoleFactory(
                duty=f.DutyFactory(duty_at=unit, start_date=TERM_START),
                group=group,
                start_date=TERM_START,
            )
    client = r.client(r.central_administrator)
    client.get(reverse("start"))

    def cost(unit) -> int:
        with CaptureQueriesContext(connection) as queries:
            unit_page(client, unit)
        return len(queries)

    assert cost(small) == cost(large)
    assert cost(large) <= 16
