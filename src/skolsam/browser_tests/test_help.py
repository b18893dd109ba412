"""The help on a page opens from the keyboard, fits a phone and passes axe; the guide opens.

The story's school day (`build_day`): Maria teaches 7B mathematics at Scheeleskolan today,
Lars mentors 7B, Karin is Alva's guardian. The screenshots illustrate the user guides in
docs/guide/.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from skolsam.browser_tests.checks import PHONE, check_page, expect
from skolsam.testing.factories import UserFactory
from skolsam.testing.story import build_day

if TYPE_CHECKING:
    from playwright.sync_api import Page


def test_a_teacher_opens_the_page_s_help_and_her_guide(page: Page, log_in: Any) -> None:
    day = build_day()
    log_in(UserFactory(person=day.teacher))
    page.set_viewport_size(PHONE)
    page.goto(f"/narvaro/lektion/{day.lesson.pk}/")
    summary = page.locator("summary", has_text="Hjälp")
    panel = page.locator(".page-help__panel")
    expect(panel).to_be_hidden()
    summary.focus()
    page.keyboard.press("Enter")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("Alla är närvarande från början")
    check_page(page, "help-open")

    panel.get_by_role("link", name="Guide för lärare och annan personal").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("lärare")
    check_page(page, "guide-teacher")

    log_in(UserFactory(person=day.mentor))
    page.goto(f"/narvaro/mentor/{day.group.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Närvaro i 7B")
    check_page(page, "mentor-week")


def test_a_guardian_s_pages_carry_the_guardian_s_help(page: Page, log_in: Any) -> None:
    log_in(UserFactory(person=build_day().guardian))
    page.goto("/portal/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_page(page, "start-guardian")

    page.goto("/portal/franvaro/")
    page.locator("summary", has_text="Hjälp").click()
    expect(page.locator(".page-help__panel")).to_contain_text("Anmälan gäller alla lektioner")
    expect(page.locator(".page-help__panel").get_by_role("link")).to_have_text(
        ["Guide för vårdnadshavare"]
    )
    page.locator("summary", has_text="Hjälp").click()
    check_page(page, "guardian-absence")
