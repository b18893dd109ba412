"""From any page's footer, a visitor reads the accessibility statement and reports a problem."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from skolsam.accessibility.models import AccessibilityReport
from skolsam.browser_tests.checks import check_page, expect
from skolsam.testing.story import build_story

if TYPE_CHECKING:
    from playwright.sync_api import Page


def test_a_visitor_reports_an_accessibility_problem_from_the_footer(page: Page, db: Any) -> None:
    build_story()  # Köping and Arboga, the huvudmän the report may concern
    page.goto("/login/")
    page.get_by_role("link", name="Tillgänglighetsredogörelse").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Tillgänglighetsredogörelse för Skolsam"
    )
    check_page(page, "accessibility-statement")

    page.get_by_role("link", name="Rapportera ett tillgänglighetsproblem").click()
    page.get_by_role("button", name="Skicka rapporten").click()
    expect(page.get_by_role("alert")).to_contain_text("Något behöver rättas")
    check_page(page, "accessibility-report-errors")

    page.get_by_label("Skolhuvudman det gäller").select_option(index=1)
    page.get_by_label("Beskriv problemet").fill("Kalendern går inte att använda med skärmläsare.")
    page.get_by_role("button", name="Skicka rapporten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tack för din rapport")
    assert AccessibilityReport.objects.count() == 1
