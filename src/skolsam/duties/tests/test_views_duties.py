"""Register staff, add and end their duties, and make a teacher mentor, through HTTP.

The register is the one in organisations/tests/register_story.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from skolsam.audit.models import AuditEntry
from skolsam.core.choices import DutyRole
from skolsam.duties.models import AssignmentRole, Duty
from skolsam.organisations.tests.register_story import (
    NEW_ADULTS,
    TODAY,
    build_register,
    dashed,
    row_counts,
)
from skolsam.people.models import Person

pytestmark = pytest.mark.django_db

NEW_TEACHER = NEW_ADULTS[5]


@pytest.fixture
def r():
    return build_register()


def staff_data(r, **changes):
    data = {
        "civic_no": dashed(NEW_TEACHER),
        "given_name": "Ingrid",
        "family_name": "Ström",
        "email": "ingrid.strom@skola.example.se",
        "phone": "",
        "duty_at": str(r.malmaskolan.pk),
        "duty_role": DutyRole.LARARE,
        "duty_percent": "80",
        "signature": "IST",
        "start_date": TODAY.isoformat(),
    }
    data.update(changes)
    return data


def test_an_administrator_registers_a_new_teacher_with_a_duty(r):
    client = r.client(r.school_administrator)
    response = client.post(reverse("staff_register"), staff_data(r), follow=True)
    ingrid = Person.objects.get(civic_no=NEW_TEACHER)
    [duty] = Duty.objects.filter(person=ingrid)
    assert (duty.duty_at, duty.duty_role, duty.duty_percent, duty.signature) == (
        r.malmaskolan,
        "Lärare",
        80,
        "IST",
    )
    assert ingrid.emails == [{"type": "Skola personal", "value": "ingrid.strom@skola.example.se"}]
    page = response.content.decode()
    assert "Ingrid Ström är registrerad som Lärare vid Malmaskolan" in page
    # The unit page now lists her among the staff.
    assert "Ingrid Ström" in page and "80 %" in page
    assert {"person.create", "duty.create"} <= set(
        AuditEntry.objects.filter(person_id=ingrid.pk).values_list("action", flat=True)
    )


def test_a_colleague_already_registered_gets_the_duty_without_a_second_record(r):
    # Lena teaches at Karlbergsskolan and starts a part-time post at Malmaskolan too.
    client = r.client(r.central_administrator)
    before = Person.objects.count()
    response = client.post(
        reverse("staff_register"),
        staff_data(r, civic_no=dashed(r.lena.civic_no), given_name="", family_name=""),
    )
    assert response.status_code == 302
    assert Person.objects.count() == before
    assert Duty.objects.filter(person=r.lena, duty_at=r.malmaskolan).exists()


def test_a_person_the_administrator_may_not_see_is_refused(r):
    client = r.client(r.school_administrator)
    before = row_counts()
    response = client.post(
        reverse("staff_register"), staff_data(r, civic_no=dashed(r.person_in_arboga.civic_no))
    )
    [error] = response.context["form"].errors["civic_no"]
    assert "du har inte behörighet att se personen" in error
    assert row_counts() == before


def test_a_missing_name_for_a_new_person_is_refused_and_nothing_is_written(r):
    before = row_counts()
    response = r.client(r.school_administrator).post(
        reverse("staff_register"), staff_data(r, given_name="")
    )
    assert response.context["form"].errors["given_name"] == ["Förnamn saknas."]
    assert row_counts() == before


def test_a_duty_ending_before_it_starts_is_refused_and_nothing_is_written(r):
    before = row_counts()
    response = r.client(r.school_administrator).post(
        reverse("staff_register"),
        staff_data(r, end_date=(TODAY - timedelta(days=1)).isoformat()),
    )
    assert response.context["form"].errors["end_date"] == [
        "Slutdatum kan inte ligga före startdatum."
    ]
    assert not Person.objects.filter(civic_no=NEW_TEACHER).exists()
    assert row_counts() == before


def test_an_administrator_ends_a_duty(r):
    duty = Duty.objects.get(person=r.teacher_of_5b.person)
    client = r.client(r.school_administrator)
    response = client.post(reverse("duty_end", args=[duty.pk]), {"end_date": TODAY.isoformat()})
    assert response["Location"] == reverse("school_unit_detail", args=[r.malmaskolan.pk])
    duty.refresh_from_db()
    assert duty.end_date == TODAY


def test_a_duty_at_another_school_is_missing(r):
    duty = Duty.objects.get(person=r.person_in_arboga)
    assert (
        r.client(r.school_administrator).get(reverse("duty_end", args=[duty.pk])).status_code == 404
    )


def test_an_administrator_adds_a_duty_to_a_registered_person(r):
    client = r.client(r.school_administrator)
    response = client.post(
        reverse("duty_create", args=[r.erik.pk]),
        {
            "duty_at": str(r.malmaskolan.pk),
            "duty_role": DutyRole.LARARASSISTENT,
            "start_date": TODAY.isoformat(),
        },
    )
    assert response["Location"] == reverse("person_manage", args=[r.erik.pk])
    assert Duty.objects.filter(person=r.erik, duty_role="Lärarassistent").exists()


def test_an_administrator_makes_a_teacher_mentor_for_a_class(r):
    duty = Duty.objects.get(person=r.teacher_of_5b.person)
    client = r.client(r.school_administrator)
    form = client.get(reverse("assignment_role_add", args=[r.class_5a.pk])).context["form"]
    offered = {d.person for d in form.fields["duty"].queryset}
    # Staff of Malmaskolan; not Lena (protected, at another school) nor Arboga's teacher.
    assert r.teacher_of_5b.person in offered
    assert r.lena not in offered and r.person_in_arboga not in offered
    response = client.post(
        reverse("assignment_role_add", args=[r.class_5a.pk]),
        {"duty": str(duty.pk), "assignment_role_type": "Mentor", "start_date": TODAY.isoformat()},
    )
    assert response["Location"] == reverse("group_detail", args=[r.class_5a.pk])
    assert AssignmentRole.objects.filter(duty=duty, group=r.class_5a, start_date=TODAY).exists()
    # As mentor she now reaches 5A's class list.
    teacher = r.client(r.teacher_of_5b)
    assert teacher.get(reverse("group_detail", args=[r.class_5a.pk])).status_code == 200


def test_a_teacher_cannot_reach_the_staff_forms(r):
    duty = Duty.objects.get(person=r.teacher_of_5b.person)
    client = r.client(r.teacher_of_5b)
    before = row_counts()
    for url in (
        reverse("staff_register"),
        reverse("duty_create", args=[r.alva.pk]),
        reverse("duty_end", args=[duty.pk]),
        reverse("assignment_role_add", args=[r.class_5b.pk]),
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, staff_data(r)).status_code == 404, url
    assert row_counts() == before
