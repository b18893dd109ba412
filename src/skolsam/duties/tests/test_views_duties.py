"""Register staff, add and end their duties, and make a teacher mentor, through HTTP.

The register is the story's (skolsam.testing.story): Eva is Scheeleskolan's
skoladministratör and Birgitta the central administrator of Köping's two schools; Karl
teaches at Ullviskolan, Nils in Arboga; Lars mentors 7B and Ingrid teaches 7A.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from skolsam.audit.models import AuditEntry
from skolsam.core.choices import DutyRole
from skolsam.core.dates import today
from skolsam.duties.models import AssignmentRole, Duty
from skolsam.people.models import Person
from skolsam.testing.story import NEW_ADULTS, client_for, dashed, row_counts

pytestmark = pytest.mark.django_db

NEW_TEACHER = NEW_ADULTS[5]
TODAY = today()


def staff_data(s, **changes):
    data = {
        "civic_no": dashed(NEW_TEACHER),
        "given_name": "Greta",
        "family_name": "Ström",
        "email": "greta.strom@skola.example.se",
        "phone": "",
        "duty_at": str(s.scheeleskolan.pk),
        "duty_role": DutyRole.LARARE,
        "duty_percent": "80",
        "signature": "GST",
        "start_date": TODAY.isoformat(),
    }
    data.update(changes)
    return data


def test_an_administrator_registers_a_new_teacher_with_a_duty(story):
    client = client_for(story.school_admin_at_scheeleskolan)
    response = client.post(reverse("staff_register"), staff_data(story), follow=True)
    greta = Person.objects.get(civic_no=NEW_TEACHER)
    [duty] = Duty.objects.filter(person=greta)
    assert (duty.duty_at, duty.duty_role, duty.duty_percent, duty.signature) == (
        story.scheeleskolan,
        "Lärare",
        80,
        "GST",
    )
    assert greta.emails == [{"type": "Skola personal", "value": "greta.strom@skola.example.se"}]
    page = response.content.decode()
    assert "Greta Ström är registrerad som Lärare vid Scheeleskolan" in page
    # The unit page now lists her among the staff.
    assert "Greta Ström" in page and "80 %" in page
    assert {"person.create", "duty.create"} <= set(
        AuditEntry.objects.filter(person_id=greta.pk).values_list("action", flat=True)
    )


def test_a_colleague_already_registered_gets_the_duty_without_a_second_record(story):
    # Karl teaches at Ullviskolan and starts a part-time post at Scheeleskolan too.
    karl = story.teacher_at_ullviskolan
    client = client_for(story.central_admin_koping)
    before = Person.objects.count()
    response = client.post(
        reverse("staff_register"),
        staff_data(story, civic_no=dashed(karl.civic_no), given_name="", family_name=""),
    )
    assert response.status_code == 302
    assert Person.objects.count() == before
    assert Duty.objects.filter(person=karl, duty_at=story.scheeleskolan).exists()


def test_a_person_the_administrator_may_not_see_is_refused(story):
    client = client_for(story.school_admin_at_scheeleskolan)
    before = row_counts()
    response = client.post(
        reverse("staff_register"),
        staff_data(story, civic_no=dashed(story.teacher_in_arboga.civic_no)),
    )
    [error] = response.context["form"].errors["civic_no"]
    assert "du har inte behörighet att se personen" in error
    assert row_counts() == before


def test_a_missing_name_for_a_new_person_is_refused_and_nothing_is_written(story):
    before = row_counts()
    response = client_for(story.school_admin_at_scheeleskolan).post(
        reverse("staff_register"), staff_data(story, given_name="")
    )
    assert response.context["form"].errors["given_name"] == ["Förnamn saknas."]
    assert row_counts() == before


def test_a_duty_ending_before_it_starts_is_refused_and_nothing_is_written(story):
    before = row_counts()
    response = client_for(story.school_admin_at_scheeleskolan).post(
        reverse("staff_register"),
        staff_data(story, end_date=(TODAY - timedelta(days=1)).isoformat()),
    )
    assert response.context["form"].errors["end_date"] == [
        "Slutdatum kan inte ligga före startdatum."
    ]
    assert not Person.objects.filter(civic_no=NEW_TEACHER).exists()
    assert row_counts() == before


def test_an_administrator_ends_a_duty(story):
    duty = Duty.objects.get(person=story.mentor_of_7b)
    client = client_for(story.school_admin_at_scheeleskolan)
    response = client.post(reverse("duty_end", args=[duty.pk]), {"end_date": TODAY.isoformat()})
    assert response["Location"] == reverse("school_unit_detail", args=[story.scheeleskolan.pk])
    duty.refresh_from_db()
    assert duty.end_date == TODAY


def test_a_duty_at_another_school_is_missing(story):
    client = client_for(story.school_admin_at_scheeleskolan)
    for teacher in (story.teacher_at_ullviskolan, story.teacher_in_arboga):
        duty = Duty.objects.get(person=teacher)
        assert client.get(reverse("duty_end", args=[duty.pk])).status_code == 404


def test_an_administrator_adds_a_duty_to_a_registered_person(story):
    # Karin, Alva's guardian, starts as a lärarassistent at her daughter's school.
    karin = story.guardian_of_pupil_in_7b
    client = client_for(story.school_admin_at_scheeleskolan)
    response = client.post(
        reverse("duty_create", args=[karin.pk]),
        {
            "duty_at": str(story.scheeleskolan.pk),
            "duty_role": DutyRole.LARARASSISTENT,
            "start_date": TODAY.isoformat(),
        },
    )
    assert response["Location"] == reverse("person_manage", args=[karin.pk])
    assert Duty.objects.filter(person=karin, duty_role="Lärarassistent").exists()


def test_an_administrator_makes_a_teacher_mentor_for_a_class(story):
    # Ingrid teaches 7A; she becomes 7B's second mentor.
    ingrid = story.teacher_of_7a
    class_7b = story.groups["7B"]
    assert client_for(ingrid).get(reverse("group_detail", args=[class_7b.pk])).status_code == 404
    duty = Duty.objects.get(person=ingrid)
    client = client_for(story.school_admin_at_scheeleskolan)
    form = client.get(reverse("assignment_role_add", args=[class_7b.pk])).context["form"]
    offered = {d.person for d in form.fields["duty"].queryset}
    # Scheeleskolan's staff; not Karl at Ullviskolan nor Arboga's teacher.
    assert offered == {
        story.rektor_at_scheeleskolan,
        story.school_admin_at_scheeleskolan,
        story.kurator_at_scheeleskolan,
        story.colleague_at_scheeleskolan,
        story.teacher_of_7b,
        story.mentor_of_7b,
        story.authorised_teacher_of_7b,
        story.teacher_of_7a,
    }
    response = client.post(
        reverse("assignment_role_add", args=[class_7b.pk]),
        {"duty": str(duty.pk), "assignment_role_type": "Mentor", "start_date": TODAY.isoformat()},
    )
    assert response["Location"] == reverse("group_detail", args=[class_7b.pk])
    assert AssignmentRole.objects.filter(duty=duty, group=class_7b, start_date=TODAY).exists()
    # As mentor she now reaches 7B's class list.
    teacher = client_for(ingrid)
    assert teacher.get(reverse("group_detail", args=[class_7b.pk])).status_code == 200


def test_a_teacher_cannot_reach_the_staff_forms(story):
    lars = story.mentor_of_7b
    duty = Duty.objects.get(person=lars)
    client = client_for(lars)
    before = row_counts()
    for url in (
        reverse("staff_register"),
        reverse("duty_create", args=[story.pupil_in_7b.pk]),
        reverse("duty_end", args=[duty.pk]),
        reverse("assignment_role_add", args=[story.groups["7A"].pk]),
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, staff_data(story)).status_code == 404, url
    assert row_counts() == before
