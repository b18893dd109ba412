"""A teacher on a phone registers the current lesson with one absent pupil in three taps.

How the taps are counted: the page counts every trusted click (a tap or a mouse click, as
the browser reports it) in sessionStorage, which lasts across the page loads of the tab.
Typing the user name and password and pressing "Logga in" is the login, not a tap of the
register: the count starts on the page the login lands on (the start page) and ends when
the saved register is shown. Goal: at most three taps (issue 11, part 7).

The school is `skolsam.testing.story.build_day`: Maria teaches 7B mathematics at
Scheeleskolan; besides the story's 08:30 lesson she has one that began ten minutes ago.
"""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pytest
from django.utils import timezone

from skolsam.attendance.models import Attendance, AttendanceKind
from skolsam.browser_tests.checks import PHONE, check_page, expect, htmx_swap
from skolsam.schedule import calendar
from skolsam.testing import factories as f
from skolsam.testing.story import build_day, lesson

if TYPE_CHECKING:
    from playwright.sync_api import Page

PASSWORD = "ett långt lösenord för Maria"  # noqa: S105 - a test user's
COUNT_TAPS = """
document.addEventListener("click", (event) => {
  if (event.isTrusted) {
    sessionStorage.setItem("taps", String(Number(sessionStorage.getItem("taps") || 0) + 1));
  }
}, true);
"""


@pytest.fixture
def day(db: Any) -> Any:
    """Return the story's school day with Maria's lesson going on now and her login."""
    school_day = build_day()
    now = calendar.local(timezone.now())
    start = max(now - timedelta(minutes=10), now.replace(hour=0, minute=0, second=0))
    current = lesson(school_day.activity, now.date(), start=start.time().replace(microsecond=0))
    user = f.UserFactory(username="maria", person=school_day.teacher, password=PASSWORD)
    return SimpleNamespace(pupils=school_day.pupils, current=current, user=user)


def _taps(page: Page) -> int:
    return int(page.evaluate("Number(sessionStorage.getItem('taps') || 0)"))


def test_a_teacher_registers_the_current_lesson_with_one_absent_pupil_in_three_taps(
    page: Page, day: Any
) -> None:
    page.set_viewport_size(PHONE)
    page.context.add_init_script(COUNT_TAPS)
    page.goto("/")
    page.get_by_label("Användarnamn").fill("maria")
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", name="Mina lektioner i dag")).to_be_visible()
    check_page(page, "start-teacher-day")
    page.set_viewport_size(PHONE)
    page.evaluate("sessionStorage.setItem('taps', '0')")

    # Tap 1: the lesson going on now, straight from the start page.
    page.get_by_role("link", name=re.compile("Pågår nu")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("7B Matematik")
    alva = page.get_by_role("button", name="Alva Elev00: Närvarande")
    expect(alva).to_have_attribute("aria-pressed", "false")
    # Tap 2: Alva is absent; the button says so and is pressed.
    alva.click()
    alva = page.get_by_role("button", name="Alva Elev00: Frånvarande")
    expect(alva).to_have_attribute("aria-pressed", "true")
    # An absence needs no minutes; "Giltig" appears for the absent pupil only.
    expect(page.get_by_role("spinbutton", name="Minuter Alva Elev00")).to_be_hidden()
    expect(page.get_by_role("checkbox", name="Giltig Alva Elev00")).to_be_visible()
    expect(page.get_by_role("checkbox", name="Giltig Hugo Elev01")).to_be_hidden()
    # Tap 3: save, in one request; the saved register comes back in place.
    htmx_swap(page, lambda: page.get_by_role("button", name=re.compile("Spara närvaron")).click())
    expect(page.locator("#register-status")).to_contain_text("Närvaron är sparad: 3 elever")

    assert _taps(page) == 3
    saved = Attendance.objects.get(calendar_event=day.current, student=day.pupils[0])
    assert saved.kind == AttendanceKind.ABSENT
    assert (
        Attendance.objects.filter(calendar_event=day.current, kind=AttendanceKind.PRESENT).count()
        == 2
    )
    # The swapped-in register is the tap register again, showing what was saved.
    expect(page.get_by_role("button", name="Alva Elev00: Frånvarande")).to_have_attribute(
        "aria-pressed", "true"
    )
    check_page(page, "attendance-register-compact")


def test_a_tap_cycles_the_mark_and_the_minutes_appear_only_for_late_or_early(
    page: Page, day: Any, log_in: Any
) -> None:
    log_in(day.user)
    page.set_viewport_size(PHONE)
    page.goto(f"/narvaro/lektion/{day.current.pk}/")
    hugo = page.get_by_role("button", name=re.compile("^Hugo Elev01: "))
    minutes = page.get_by_role("spinbutton", name="Minuter Hugo Elev01")
    for mark, shows_minutes in (
        ("Frånvarande", False),
        ("Sen ankomst", True),
        ("Gick tidigare", True),
        ("Närvarande", False),
        ("Frånvarande", False),
        ("Sen ankomst", True),
    ):
        hugo.click()
        expect(hugo).to_have_text(mark)
        if shows_minutes:
            expect(minutes).to_be_visible()
        else:
            expect(minutes).to_be_hidden()
    minutes.fill("10")
    htmx_swap(page, lambda: page.get_by_role("button", name=re.compile("Spara närvaron")).click())
    expect(page.locator("#register-status")).to_contain_text("Närvaron är sparad")
    saved = Attendance.objects.get(calendar_event=day.current, student=day.pupils[1])
    assert (saved.kind, saved.minutes) == (AttendanceKind.LATE, 10)
    expect(page.get_by_role("button", name="Hugo Elev01: Sen ankomst")).to_be_visible()
