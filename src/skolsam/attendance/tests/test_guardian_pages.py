"""The guardian's own pages: agreeing to a leave request, marking notices read, a vistelseschema.

Alva's guardians are Karin and, in these tests, Per; Johan's custody ended last summer.
Signe goes to preschool Solrosen; her guardian Olof sends her week's schedule there. Every
page is reached as the guardian would reach it, over HTTP, and nobody else gets further
than a missing page.
"""

from __future__ import annotations

from datetime import date, timedelta
from uuid import uuid4

import pytest
from django.test import Client
from django.urls import reverse

from skolsam.accounts.models import User
from skolsam.attendance.models import (
    AttendancePolicy,
    AttendanceSchedule,
    LeaveRequest,
    LeaveStatus,
    Notice,
    NoticeChannel,
)
from skolsam.attendance.notices import send_absence_notices
from skolsam.attendance.services.leave import leave_request_create
from skolsam.attendance.services.register import Mark, register_save
from skolsam.core.choices import DutyRole
from skolsam.core.dates import today
from skolsam.testing import factories as f
from skolsam.testing.story import build_day, login, login_with_two_factor

pytestmark = pytest.mark.django_db


def _as(person) -> Client:
    """Return a browser logged in as `person`, with the account made on first use."""
    client = Client()
    user = User.objects.filter(person=person).first()
    if user is None:
        login(client, person)
    else:
        client.force_login(user)
    return client


def _awaiting_per(day):
    """Karin asks for leave for Alva tomorrow; the huvudman wants both guardians to agree."""
    alva = day.pupils[0]
    per = f.PersonFactory(given_name="Per")
    f.ResponsibleFactory(person=alva, responsible=per)
    AttendancePolicy.objects.create(organisation=day.school, leave_requires_all_guardians=True)
    tomorrow = today() + timedelta(days=1)
    leave = leave_request_create(
        actor=day.actor(day.guardian),
        student=alva,
        start_date=tomorrow,
        end_date=tomorrow,
        reason="Farmors 90-årsdag",
    )
    assert leave.status == LeaveStatus.AWAITING_GUARDIANS
    return leave, per


def test_the_second_guardian_agrees_to_a_leave_request_on_the_guardian_page():
    day = build_day()
    leave, per = _awaiting_per(day)
    page = _as(per).get(reverse("portal:leave")).content.decode()
    consent = reverse("portal:leave_consent", args=[leave.pk])
    assert consent in page  # the button is there for Per
    response = _as(per).post(consent, follow=True)
    assert response.redirect_chain[-1][0] == reverse("portal:leave")
    assert "Du har godkänt ansökan." in response.content.decode()
    leave.refresh_from_db()
    assert leave.status == LeaveStatus.REQUESTED  # now it goes to the rektor


@pytest.mark.parametrize("who", ["former_guardian", "teacher", "rektor"])
def test_nobody_but_a_guardian_agrees_and_the_answer_is_a_missing_page(who):
    day = build_day()
    leave, _per = _awaiting_per(day)
    stranger = getattr(day, who)
    # A rektor signs in with a second factor, as staff with that role must.
    browser = login_with_two_factor(stranger) if who == "rektor" else _as(stranger)
    consent = reverse("portal:leave_consent", args=[leave.pk])
    assert browser.post(consent).status_code == 404
    # The same answer as for a request that does not exist.
    missing = reverse("portal:leave_consent", args=[uuid4()])
    assert browser.post(missing).status_code == 404
    leave.refresh_from_db()
    assert leave.status == LeaveStatus.AWAITING_GUARDIANS


def test_agreeing_is_a_post():
    day = build_day()
    leave, per = _awaiting_per(day)
    consent = reverse("portal:leave_consent", args=[leave.pk])
    assert _as(per).get(consent).status_code == 405
    assert LeaveRequest.objects.get(pk=leave.pk).status == LeaveStatus.AWAITING_GUARDIANS


def _absence_notice(day) -> Notice:
    """Maria marks Alva absent without a reason; Karin is told inside Skolsam (and more)."""
    alva = day.pupils[0]
    register_save(
        actor=day.actor(day.teacher),
        lesson=day.lesson,
        version=0,
        marks=[Mark(alva.pk, "Frånvarande")],
    )
    send_absence_notices(organisation_id=day.school.pk, day=day.lesson.date)
    return Notice.objects.get(guardian=day.guardian, channel=NoticeChannel.INAPP)


def test_a_guardian_marks_her_notices_read_and_only_her_own():
    day = build_day()
    notice = _absence_notice(day)
    # Hugo's guardian has an unread notice of his own.
    hugo = day.pupils[1]
    other = f.PersonFactory(given_name="Sven")
    f.ResponsibleFactory(person=hugo, responsible=other)
    register_save(
        actor=day.actor(day.teacher),
        lesson=day.lesson,
        version=1,
        marks=[Mark(day.pupils[0].pk, "Frånvarande"), Mark(hugo.pk, "Frånvarande")],
    )
    send_absence_notices(organisation_id=day.school.pk, day=day.lesson.date)
    svens = Notice.objects.get(guardian=other, channel=NoticeChannel.INAPP)

    url = reverse("portal:notices")
    # Karin sends her own notice, Sven's and something that is not an id.
    response = _as(day.guardian).post(url, {"notice": [str(notice.pk), str(svens.pk), "x; 1"]})
    assert response.status_code == 302
    notice.refresh_from_db()
    svens.refresh_from_db()
    assert notice.read_at is not None
    assert svens.read_at is None


def _signe():
    solrosen = f.SchoolUnitFactory(display_name="Förskolan Solrosen", school_types=["FS"])
    department = f.GroupFactory(
        display_name="Solen", group_type="Avdelning", school_type="FS", organisation=solrosen
    )
    signe = f.PupilFactory(given_name="Signe")
    placement = f.PlacementFactory(
        child=signe, placed_at=solrosen, group=department, start_date=date(2026, 1, 1)
    )
    olof = f.PersonFactory(given_name="Olof")
    f.ResponsibleFactory(person=signe, responsible=olof)
    teacher = f.DutyFactory(duty_at=solrosen, duty_role=DutyRole.FORSKOLLARARE)
    return placement, olof, teacher.person


def test_a_guardian_sends_a_week_schedule_for_approval():
    placement, olof, _teacher = _signe()
    url = reverse("portal:schedule_submit", args=[placement.pk])
    form = _as(olof).get(url)
    assert form.status_code == 200
    assert "Måndag från" in form.content.decode()
    start = today() + timedelta(days=1)
    sent = _as(olof).post(
        url,
        {
            "start_date": start.isoformat(),
            "Måndag-start": "07:30",
            "Måndag-end": "16:00",
            "Onsdag-start": "08:00",
            "Onsdag-end": "15:00",
        },
    )
    assert sent.status_code == 302
    [schedule] = AttendanceSchedule.objects.filter(placement=placement)
    assert schedule.start_date == start
    assert [e["dayOfWeek"] for e in schedule.schedule_entries] == ["Måndag", "Onsdag"]
    assert schedule.schedule_entries[0]["startTime"] == "07:30"


def test_a_schedule_that_ends_before_it_starts_is_refused_and_nothing_is_sent():
    placement, olof, _teacher = _signe()
    url = reverse("portal:schedule_submit", args=[placement.pk])
    start = today() + timedelta(days=1)
    refused = _as(olof).post(
        url,
        {
            "start_date": start.isoformat(),
            "Måndag-start": "16:00",
            "Måndag-end": "07:30",
        },
    )
    assert refused.status_code == 400
    assert not AttendanceSchedule.objects.exists()
    bad_date = _as(olof).post(url, {"start_date": "9999-12-31", "Måndag-start": "07:30"})
    assert bad_date.status_code == 400
    assert not AttendanceSchedule.objects.exists()


@pytest.mark.parametrize("who", ["teacher", "stranger"])
def test_nobody_but_the_guardian_reaches_the_schedule_form(who):
    placement, _olof, teacher = _signe()
    person = teacher if who == "teacher" else f.PersonFactory(given_name="Okänd")
    url = reverse("portal:schedule_submit", args=[placement.pk])
    assert _as(person).get(url).status_code == 404
    assert _as(person).post(url, {"start_date": today().isoformat()}).status_code == 404
    missing = reverse("portal:schedule_submit", args=[uuid4()])
    assert _as(person).get(missing).status_code == 404
    assert not AttendanceSchedule.objects.exists()
