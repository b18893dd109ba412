"""The teacher's and the auditor's main pages work and pass axe-core in a real browser.

Maria takes the register of the story's school day (`build_day`); Eva, the story's school
administrator (`build_story`), opens Alva's card and Greta, an auditor, finds that in the log.
"""

from __future__ import annotations

import re
from datetime import time
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import Permission
from django.utils import timezone

from skolsam.attendance.models import Attendance, AttendanceKind
from skolsam.browser_tests.checks import check_page, expect
from skolsam.testing import factories as f
from skolsam.testing.story import build_day, build_story, dashed, lesson

if TYPE_CHECKING:
    from playwright.sync_api import Page


def test_a_teacher_takes_the_register_of_todays_lesson(page: Page, log_in: Any) -> None:
    day = build_day()
    # The story's 08:30 lesson, or one that began at midnight when the suite runs before
    # then: a register opens only when the lesson has started (less a margin).
    now = timezone.localtime()
    todays = day.lesson if now.time() >= time(8, 30) else lesson(day.activity, now.date(), time(0))
    alva_pupil = day.pupils[0]
    log_in(f.UserFactory(person=day.teacher, password=None))
    page.goto("/")
    expect(page.get_by_role("heading", name="Mina grupper")).to_be_visible()
    check_page(page, "start-teacher")

    page.goto(f"/narvaro/lektion/{todays.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("7B Matematik")
    alva = page.get_by_role("button", name="Alva Elev00: Närvarande")
    expect(alva).to_have_attribute("aria-pressed", "false")
    check_page(page, "attendance-register")

    alva.click()
    page.get_by_role("button", name="Spara närvaron").click()

    expect(page.get_by_role("status")).to_be_visible()
    alva = page.get_by_role("button", name="Alva Elev00: Frånvarande")
    expect(alva).to_have_attribute("aria-pressed", "true")
    saved = Attendance.objects.get(calendar_event=todays, student=alva_pupil)
    assert saved.kind == AttendanceKind.ABSENT


def test_an_auditor_searches_the_log_for_who_saw_a_pupil(page: Page, log_in: Any) -> None:
    # Eva opens Alva's card; Greta, the auditor, finds that in the log.
    story = build_story()
    alva = story.pupil_in_7b
    log_in(
        f.UserFactory(
            person=story.school_admin_at_scheeleskolan, username="eva.administrator", password=None
        )
    )
    page.goto(f"/personer/{alva.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Alva {alva.family_name}")
    page.context.clear_cookies()

    auditor = f.UserFactory(
        person=f.PersonFactory(given_name="Greta"), username="greta.granskare", password=None
    )
    auditor.user_permissions.add(Permission.objects.get(codename="search_auditentry"))
    log_in(auditor)
    page.goto("/")
    page.get_by_role("link", name="Granskningslogg").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Granskningslogg")
    page.get_by_label(re.compile(r"^Person:?$")).fill(dashed(alva.civic_no))
    page.get_by_role("button", name="Sök", exact=True).click()

    results = page.get_by_role("table")
    expect(results).to_contain_text("person.view")
    expect(results).to_contain_text("eva.administrator")
    check_page(page, "audit-search")
