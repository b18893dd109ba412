"""The teacher's and the auditor's main pages work and pass axe-core in a real browser."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from skolsam.attendance.models import Attendance, AttendanceKind
from skolsam.browser_tests.checks import check_page, expect
from skolsam.browser_tests.story import dashed

if TYPE_CHECKING:
    from playwright.sync_api import Page


def test_a_teacher_takes_the_register_of_todays_lesson(
    page: Page, school: Any, log_in: Any
) -> None:
    log_in(school.teacher)
    page.goto("/")
    expect(page.get_by_role("heading", name="Mina grupper")).to_be_visible()
    check_page(page, "start-teacher")

    page.goto(f"/narvaro/lektion/{school.lesson.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("5A Matematik")
    alva = page.get_by_role("button", name="Alva Lindqvist: Närvarande")
    expect(alva).to_have_attribute("aria-pressed", "false")
    check_page(page, "attendance-register")

    alva.click()
    page.get_by_role("button", name="Spara närvaron").click()

    expect(page.get_by_role("status")).to_be_visible()
    alva = page.get_by_role("button", name="Alva Lindqvist: Frånvarande")
    expect(alva).to_have_attribute("aria-pressed", "true")
    saved = Attendance.objects.get(calendar_event=school.lesson, student=school.alva)
    assert saved.kind == AttendanceKind.ABSENT


def test_an_auditor_searches_the_log_for_who_saw_a_pupil(
    page: Page, school: Any, log_in: Any
) -> None:
    # Maria opens Alva's card; Greta, the auditor, finds that in the log.
    log_in(school.administrator)
    page.goto(f"/personer/{school.alva.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Alva Lindqvist")
    page.context.clear_cookies()

    log_in(school.auditor)
    page.goto("/")
    page.get_by_role("link", name="Granskningslogg").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Granskningslogg")
    page.get_by_label(re.compile(r"^Person:?$")).fill(dashed(school.alva.civic_no))
    page.get_by_role("button", name="Sök", exact=True).click()

    results = page.get_by_role("table")
    expect(results).to_contain_text("person.view")
    expect(results).to_contain_text("maria.andersson")
    check_page(page, "audit-search")
