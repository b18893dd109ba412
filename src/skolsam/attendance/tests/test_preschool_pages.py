"""The preschool's pages: the department's count on the start page, and the check-in
tablet showing who is reported sick or on leave.

Blåklockan is a department at Solrosens förskola with Signe, Elis and Vera placed in it,
and Tove, who has skyddad folkbokföring. Malin is a förskollärare in Blåklockan; Birgitta
is förskolechef. Signe's father Olof reports her sick this morning; Vera has leave.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from skolsam.accounts.actor import actor_for_person
from skolsam.attendance.services.leave import leave_request_create, leave_request_decide
from skolsam.attendance.services.preschool import (
    attendance_schedule_decide,
    attendance_schedule_submit,
)
from skolsam.core.choices import DutyRole, SecurityMarking
from skolsam.core.dates import today
from skolsam.schedule import calendar
from skolsam.testing import factories as f

pytestmark = pytest.mark.django_db


def _blaklockan():
    unit = f.SchoolUnitFactory(display_name="Solrosens förskola", school_types=["FS"])
    department = f.GroupFactory(
        display_name="Blåklockan",
        group_type="Avdelning",
        school_type="FS",
        organisation=unit,
        start_date=date(2026, 1, 1),
    )
    children = {}
    for name in ("Signe", "Elis", "Vera", "Tove"):
        child = f.PupilFactory(given_name=name)
        placement = f.PlacementFactory(
            child=child, placed_at=unit, group=department, start_date=date(2026, 1, 1)
        )
        guardian = f.PersonFactory(given_name=f"Förälder till {name}")
        f.ResponsibleFactory(person=child, responsible=guardian)
        children[name] = (child, placement, guardian)
    tove = children["Tove"][0]
    tove.security_marking = SecurityMarking.SKYDDAD_FOLKBOKFORING
    tove.save(update_fields=["security_marking"])
    malin = f.DutyFactory(duty_at=unit, duty_role="Förskollärare")
    f.AssignmentRoleFactory(
        duty=malin,
        group=department,
        assignment_role_type="Förskollärare",
        start_date=date(2026, 1, 1),
    )
    chef = f.DutyFactory(duty_at=unit, duty_role=DutyRole.FORSKOLECHEF)
    return department, children, malin.person, chef.person


def _as(person) -> Client:
    from skolsam.testing.story import login

    client = Client()
    login(client, person)
    return client


def test_the_start_page_counts_a_departments_children_and_calls_them_barn():
    _department, _children, malin, _chef = _blaklockan()
    html = _as(malin).get(reverse("start")).content.decode()
    tile = html.split("Blåklockan")[1].split("</li>")[0]
    # Signe, Elis and Vera; Tove is protected and Malin is not named for her.
    assert re.search(r"<dt>\s*Barn\s*</dt>\s*<dd>\s*3\s*</dd>", tile), tile
    assert "Elever" not in tile


def test_the_tablet_shows_who_is_reported_sick_and_who_has_leave():
    department, children, malin, chef = _blaklockan()
    signe, signe_placement, olof = children["Signe"]
    _elis, elis_placement, elis_guardian = children["Elis"]
    vera, _placement, vera_guardian = children["Vera"]
    weekday = calendar.WEEKDAYS[today().weekday()]
    for placement, guardian in ((signe_placement, olof), (elis_placement, elis_guardian)):
        schedule = attendance_schedule_submit(
            actor=actor_for_person(guardian.pk),
            placement=placement,
            entries=[
                {"weekOffset": 0, "dayOfWeek": weekday, "startTime": "07:30", "endTime": "16:00"}
            ],
            start_date=today() - timedelta(days=7),
        )
        attendance_schedule_decide(
            actor=actor_for_person(malin.pk), schedule=schedule, approve=True
        )
    # Olof reports Signe sick for the whole day on the guardian page.
    reported = _as(olof).post(
        reverse("portal:absence_report"),
        {"children": str(signe.pk), "scope": "day", "first_day": today().isoformat()},
    )
    assert reported.status_code == 302
    leave = leave_request_create(
        actor=actor_for_person(vera_guardian.pk),
        student=vera,
        start_date=today(),
        end_date=today(),
        reason="Besök hos mormor",
    )
    leave_request_decide(actor=actor_for_person(chef.pk), leave=leave, grant=True)

    html = _as(malin).get(reverse("attendance:department", args=[department.pk])).content.decode()
    cards = {
        name: html.split(f"<strong>{name} ")[1].split("</li>")[0]
        for name in ("Signe", "Elis", "Vera")
    }
    assert "Frånvaroanmäld hela dagen" in cards["Signe"]
    assert "Beviljad ledighet hela dagen" in cards["Vera"]
    assert "Frånvaroanmäld" not in cards["Elis"] and "ledighet" not in cards["Elis"]
    # Elis is the only one expected: Signe is sick, Vera has no schedule.
    assert "0 av 3 barn är här. 1 väntas i dag enligt schema. 2 är frånvaroanmälda" in html
    assert "Tove" not in html


def test_the_departments_page_lists_its_children_as_barn():
    department, children, malin, _chef = _blaklockan()
    page = _as(malin).get(reverse("group_detail", args=[department.pk]))
    html = page.content.decode()
    assert f"Barn {today():%Y-%m-%d}" in html and "(3)" in html
    for name in ("Signe", "Elis", "Vera"):
        assert children[name][0].full_name in html
    assert children["Tove"][0].full_name not in html
    assert "Elever" not in html
