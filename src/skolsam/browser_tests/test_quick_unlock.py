"""Portal pages in a real browser: turning the 07:10 reminder on and its one-tap report,
unlocking the app with a PIN after the session ended, and a teacher who is a parent
reaching the portal.

Karin is Alva's guardian. Her reminder's link opens "Frånvaro i dag", where one tap
reports Alva absent today. She logs in with her password, sets the PIN 2580 on her phone,
is logged out after half an hour, and unlocks with the PIN.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse

from skolsam.accounts.middleware import SESSION_SEEN, SESSION_STARTED
from skolsam.attendance.models import Absence
from skolsam.attendance.reminders import absence_today_url
from skolsam.browser_tests.checks import (
    DESKTOP,
    PHONE,
    assert_accessible,
    assert_fits_phone,
    expect,
)
from skolsam.testing import factories as f
from skolsam.testing.story import build_day

if TYPE_CHECKING:
    from playwright.sync_api import Page

PASSWORD = "en-lång-lösenfras-för-karin"  # noqa: S105 (a test account's)


def _both_widths(page: Page) -> None:
    page.set_viewport_size(PHONE)
    assert_accessible(page)
    assert_fits_phone(page)
    page.set_viewport_size(DESKTOP)
    assert_accessible(page)


def _karin(day: Any) -> Any:
    user = f.UserFactory(person=day.guardian, username="karin")
    user.set_password(PASSWORD)
    user.save()
    return user


def _log_in_with_password(page: Page) -> None:
    page.goto(reverse("login"))
    page.get_by_label("Användarnamn").fill("karin")
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Översikt")


def test_the_reminder_link_reports_today_in_one_tap(page: Page, db: Any) -> None:
    day = build_day()
    alva = day.pupils[0]
    _karin(day)
    _log_in_with_password(page)
    page.goto(absence_today_url([alva.pk]))
    expect(page.get_by_role("heading", level=1)).to_have_text("Frånvaro i dag")
    _both_widths(page)
    page.set_viewport_size(PHONE)
    page.get_by_role("button", name="Anmäl frånvaro i dag för Alva").click()  # the one tap
    expect(page.get_by_role("status")).to_contain_text("i dag, hela dagen")
    assert Absence.objects.filter(student=alva).count() == 1


def test_a_guardian_unlocks_the_app_with_her_pin_after_the_session_ended(
    page: Page, db: Any, live_server: Any
) -> None:
    day = build_day()
    _karin(day)
    page.set_viewport_size(PHONE)
    _log_in_with_password(page)
    page.goto(reverse("account"))
    page.get_by_role("link", name="Sätt PIN-kod på den här enheten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("PIN-kod på den här enheten")
    _both_widths(page)
    page.get_by_label("Ny PIN-kod (4–6 siffror)").fill("2580")
    page.get_by_label("Samma PIN-kod igen").fill("2580")
    page.get_by_role("button", name="Spara PIN-kod").click()
    expect(page.get_by_role("status")).to_contain_text("PIN-koden är sparad")
    [unlock_cookie] = [c for c in page.context.cookies() if c["name"] == "skolsam_unlock"]
    assert unlock_cookie["httpOnly"] and unlock_cookie["sameSite"] == "Lax"

    # Half an hour passes without a request.
    [session_cookie] = [c for c in page.context.cookies() if c["name"] == "sessionid"]
    session = SessionStore(session_key=session_cookie["value"])
    session[SESSION_SEEN] = int(time.time()) - 31 * 60
    session[SESSION_STARTED] = int(time.time()) - 40 * 60
    session.save()
    page.goto(reverse("portal:start"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Du har loggats ut")
    page.get_by_role("link", name="Lås upp med PIN-kod").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lås upp med PIN-kod")
    _both_widths(page)
    page.set_viewport_size(PHONE)
    page.get_by_label("PIN-kod").fill("2580")
    page.get_by_role("button", name="Lås upp").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Översikt")


def test_a_teacher_who_is_a_parent_reaches_her_child_from_the_staff_navigation(
    page: Page, log_in: Any, db: Any
) -> None:
    day = build_day()
    # Maria teaches 7B and is Hugo's mother.
    f.ResponsibleFactory(person=day.pupils[1], responsible=day.teacher)
    log_in(f.UserFactory(person=day.teacher))
    page.set_viewport_size(PHONE)
    page.goto("/")  # where login lands: the staff start page
    nav = page.get_by_role("navigation", name="Huvudmeny")
    expect(nav.get_by_role("link", name="Personer")).to_be_visible()
    assert_fits_phone(page)
    nav.get_by_role("link", name="Mina barn").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Översikt")
    expect(page.locator(f"#card-{day.pupils[1].pk}")).to_be_visible()
    page.get_by_role("link", name="Personalsidor").click()
    expect(nav.get_by_role("link", name="Personer")).to_be_visible()
    assert page.url.endswith("/") and "/portal/" not in page.url


def test_the_reminder_page_and_its_help_read_right_to_left_in_arabic(page: Page, db: Any) -> None:
    day = build_day()
    day.guardian.language = "ar"
    day.guardian.save(update_fields=["language"])
    _karin(day)
    page.goto(reverse("login"))
    page.get_by_label("Användarnamn").fill("karin")
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.goto(absence_today_url([day.pupils[0].pk]))
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.get_by_role("heading", level=1)).to_have_text("الغياب اليوم")
    # The help is Arabic too, not marked as Swedish.
    expect(page.locator(".page-help__text")).not_to_have_attribute("lang", "sv")
    _both_widths(page)
    page.goto(reverse("account"))
    expect(page.get_by_role("heading", name="الفتح برمز PIN")).to_be_visible()
    _both_widths(page)


def test_a_guardian_turns_the_0710_reminder_on_under_messages(page: Page, db: Any) -> None:
    from skolsam.messaging.models import ReminderChoice

    day = build_day()
    _karin(day)
    _log_in_with_password(page)
    page.goto(reverse("messaging:preferences"))
    box = page.get_by_label("Påminn mig kl. 07:10 när ett barn var frånvaroanmält i går")
    expect(box).not_to_be_checked()
    _both_widths(page)
    box.check()
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_role("status")).to_contain_text("Dina val är sparade")
    expect(box).to_be_checked()
    assert ReminderChoice.objects.filter(person=day.guardian).count() == 1
