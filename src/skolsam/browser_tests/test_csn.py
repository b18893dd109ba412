"""The rektor's CSN page on a phone: it passes axe-core at 375 px, nothing sticks out
sideways, and a decision can be taken there.

The story's school day (`build_day`): Anders is Scheeleskolan's rektor, Maria teaches Alva
mathematics in 7B.
"""

from __future__ import annotations

from datetime import timedelta
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
from skolsam.core.dates import today
from skolsam.testing import factories as f
from skolsam.testing.story import build_day, lesson

if TYPE_CHECKING:
    from playwright.sync_api import Page


def test_the_rektor_reports_a_pupil_to_csn_on_a_phone(page: Page, log_in: Any) -> None:
    # Alva studies at upper-secondary level for this story and missed a whole lesson
    # last week without a reason; the school reports from one hour of invalid absence.
    day = build_day()
    alva = day.pupils[0]
    alva.enrolments.update(school_type="GY")
    AttendancePolicy.objects.create(organisation=day.school, csn_threshold_minutes=60)
    past = today() - timedelta(days=7)
    register_save(
        actor=actor_for_person(day.teacher.pk, on=past),
        lesson=lesson(day.activity, past),
        version=0,
        marks=[Mark(alva.pk, "Frånvarande")],
    )
    log_in(f.UserFactory(person=day.rektor, password=None))

    page.set_viewport_size(PHONE)
    page.goto(f"/narvaro/csn/{day.school.pk}/?manad={past:%Y-%m}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("CSN-rapportering")
    row = page.get_by_role("row", name="Alva Elev00")
    expect(row).to_contain_text("60 min")
    assert_accessible(page)
    assert_fits_phone(page)

    row.get_by_label("Beslut för Alva Elev00").select_option("Rapportera")
    row.get_by_role("button", name="Spara beslutet").click()
    expect(page.get_by_role("status")).to_contain_text("Beslutet är sparat")
    assert CsnDecision.objects.get(student=alva).decision == "Rapportera"
    page.set_viewport_size(PHONE)
    assert_accessible(page)
    check_page(page, "csn-rektor")
