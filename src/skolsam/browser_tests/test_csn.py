"""The rektor's CSN page on a phone: it passes axe-core at 375 px, nothing sticks out
sideways, and a decision can be taken there."""

from __future__ import annotations

from datetime import time, timedelta
from typing import TYPE_CHECKING, Any

from skolsam.accounts.actor import actor_for_person
from skolsam.attendance.models import AttendancePolicy, CsnDecision
from skolsam.attendance.services.register import Mark, register_save
from skolsam.browser_tests.checks import (
    PHONE,
    assert_accessible,
    assert_fits_phone,
    check_page,
    expect,
)
from skolsam.core.choices import DutyRole
from skolsam.core.dates import today
from skolsam.schedule import calendar
from skolsam.schedule.models import CalendarEvent
from skolsam.testing import factories as f

if TYPE_CHECKING:
    from playwright.sync_api import Page


def test_the_rektor_reports_a_pupil_to_csn_on_a_phone(page: Page, school: Any, log_in: Any) -> None:
    # Alva studies at upper-secondary level for this story and missed a whole lesson
    # last week without a reason; the school reports from one hour of invalid absence.
    alva = school.alva
    alva.enrolments.update(school_type="GY")
    AttendancePolicy.objects.create(organisation=school.malmaskolan, csn_threshold_minutes=60)
    past = today() - timedelta(days=7)
    begin = calendar.at(past, time(8, 30))
    lesson = CalendarEvent.objects.create(
        activity=school.lesson.activity,
        organisation_id=school.malmaskolan.pk,
        planned_date=past,
        date=past,
        start_time=begin,
        end_time=begin + timedelta(minutes=60),
        duration_minutes=60,
    )
    register_save(
        actor=actor_for_person(school.teacher.person_id),
        lesson=lesson,
        version=0,
        marks=[Mark(alva.pk, "Frånvarande")],
    )
    rut = f.DutyFactory(
        duty_at=school.malmaskolan,
        duty_role=DutyRole.REKTOR,
        person=f.PersonFactory(given_name="Rut", family_name="Rektor"),
    ).person
    log_in(f.UserFactory(person=rut))

    page.set_viewport_size(PHONE)
    page.goto(f"/narvaro/csn/{school.malmaskolan.pk}/?manad={past:%Y-%m}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("CSN-rapportering")
    row = page.get_by_role("row", name="Alva Lindqvist")
    expect(row).to_contain_text("60 min")
    assert_accessible(page)
    assert_fits_phone(page)

    row.get_by_label("Beslut för Alva Lindqvist").select_option("Rapportera")
    row.get_by_role("button", name="Spara beslutet").click()
    expect(page.get_by_role("status")).to_contain_text("Beslutet är sparat")
    assert CsnDecision.objects.get(student=alva).decision == "Rapportera"
    page.set_viewport_size(PHONE)
    assert_accessible(page)
    check_page(page, "csn-rektor")
