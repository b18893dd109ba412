"""A guardian in the portal, in a real browser: the start page, a child's page, and reporting
a child ill for today in at most three taps (counted) from the page login lands on."""

from __future__ import annotations

from datetime import time, timedelta
from typing import TYPE_CHECKING, Any

from skolsam.attendance.models import Absence
from skolsam.browser_tests.checks import (
    DESKTOP,
    PHONE,
    assert_accessible,
    assert_fits_phone,
    expect,
    snapshot,
)
from skolsam.core.dates import today
from skolsam.testing import factories as f
from skolsam.testing.story import build_day, lesson

if TYPE_CHECKING:
    from playwright.sync_api import Page


def _both_widths(page: Page, name: str) -> None:
    """axe-core's WCAG 2.1 A/AA rules at 375 px and at desktop width, no sideways scroll."""
    page.set_viewport_size(PHONE)
    assert_accessible(page)
    assert_fits_phone(page)
    page.set_viewport_size(DESKTOP)
    assert_accessible(page)
    snapshot(page, name)


def _karin_with_two_children(db: Any) -> Any:
    day = build_day()
    f.ResponsibleFactory(person=day.pupils[1], responsible=day.guardian)
    cancelled = lesson(day.activity, today(), start=time(10, 0))
    cancelled.cancelled = True
    cancelled.save()
    lesson(day.activity, today() + timedelta(days=1))
    return day


def test_a_guardian_reports_a_child_ill_for_today_in_at_most_three_taps(
    page: Page, log_in: Any, db: Any
) -> None:
    day = _karin_with_two_children(db)
    alva = day.pupils[0]
    log_in(f.UserFactory(person=day.guardian))
    page.set_viewport_size(PHONE)
    page.goto("/")  # where login lands
    taps = 0

    def tap(locator: Any) -> None:
        nonlocal taps
        taps += 1
        locator.click()

    tap(page.get_by_role("link", name=f"Anmäl frånvaro för {alva.given_name}"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmäl frånvaro")
    # Today, the whole day and the child are already chosen.
    expect(page.get_by_label(alva.full_name)).to_be_checked()
    expect(page.get_by_label("Hela dagen")).to_be_checked()
    tap(page.get_by_role("button", name="Anmäl frånvaro"))
    expect(page.get_by_role("status")).to_contain_text("i dag, hela dagen")
    assert taps <= 3, taps
    assert Absence.objects.filter(student=alva).count() == 1


def test_the_portal_pages_pass_axe_at_phone_and_desktop_width(
    page: Page, log_in: Any, db: Any
) -> None:
    day = _karin_with_two_children(db)
    log_in(f.UserFactory(person=day.guardian))
    page.goto("/portal/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Översikt")
    _both_widths(page, "portal-start")
    page.goto(f"/portal/barn/{day.pupils[0].pk}/")
    expect(page.get_by_text("Inställd").first).to_be_visible()
    _both_widths(page, "portal-child")
    page.goto("/portal/franvaro/")
    page.get_by_role("button", name="Anmäl frånvaro").click()  # nobody chosen: refused
    expect(page.locator(".error-summary")).to_be_visible()
    _both_widths(page, "portal-absence-errors")
    page.goto("/portal/ledighet/")
    _both_widths(page, "portal-leave")
    page.goto("/portal/meddelanden/")
    _both_widths(page, "portal-notices")
    page.goto("/portal/kontakt/")
    page.get_by_label("E-post").first.fill("inte-en-adress")
    page.get_by_role("button", name="Spara").first.click()
    expect(page.locator(".error-summary")).to_be_visible()
    _both_widths(page, "portal-contact-errors")


def test_the_lovschema_and_the_adult_pupils_consent_pass_axe(
    page: Page, log_in: Any, db: Any
) -> None:
    from datetime import date

    from skolsam.schedule.models import NonTeachingDay

    day = build_day()
    alva = day.pupils[0]
    fritids = f.GroupFactory(
        display_name="Fritids", group_type="Avdelning", school_type="FTH", organisation=day.school
    )
    placement = f.PlacementFactory(
        child=alva,
        placed_at=day.school,
        group=fritids,
        school_type="FTH",
        start_date=date(2026, 1, 1),
    )
    monday = today() + timedelta(days=7 - today().weekday())
    NonTeachingDay.objects.create(
        organisation=day.school,
        kind="Lov",
        name="Jullov",
        start_date=monday,
        end_date=monday + timedelta(days=4),
    )
    log_in(f.UserFactory(person=day.guardian))
    page.goto(f"/portal/lovschema/{placement.pk}/")
    expect(page.get_by_role("group", name="Jullov")).to_be_visible()
    _both_widths(page, "portal-lovschema")

    alva.birth_date = date(today().year - 19, 1, 1)
    alva.save(update_fields=["birth_date"])
    page.context.clear_cookies()
    log_in(f.UserFactory(person=alva))
    page.goto("/portal/samtycke/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Vad dina vårdnadshavare får se")
    _both_widths(page, "portal-consent")


def test_the_portal_pages_pass_axe_in_arabic_too(page: Page, log_in: Any, db: Any) -> None:
    """The same pages as above, read right to left, for a guardian who chose Arabic; and a
    pupil's own pages."""
    day = _karin_with_two_children(db)
    day.guardian.language = "ar"
    day.guardian.save(update_fields=["language"])
    log_in(f.UserFactory(person=day.guardian))
    pages = [
        ("/portal/", "portal-start-ar"),
        (f"/portal/barn/{day.pupils[0].pk}/", "portal-child-ar"),
        ("/portal/ledighet/", "portal-leave-ar"),
        ("/portal/meddelanden/", "portal-notices-ar"),
        ("/portal/kontakt/", "portal-contact-ar"),
        ("/meddelanden/", "messages-inbox-ar"),
        ("/meddelanden/installningar/", "messages-preferences-ar"),
    ]
    for url, name in pages:
        page.goto(url)
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        expect(page.locator("html")).to_have_attribute("lang", "ar")
        _both_widths(page, name)
    # The absence form refused (nobody chosen): its error summary too.
    page.goto("/portal/franvaro/")
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator(".error-summary")).to_be_visible()
    _both_widths(page, "portal-absence-errors-ar")

    alva = day.pupils[0]
    alva.language = "ar"
    alva.save(update_fields=["language"])
    log_in(f.UserFactory(person=alva))
    page.goto("/portal/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    _both_widths(page, "portal-pupil-start-ar")
