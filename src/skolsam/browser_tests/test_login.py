"""An administrator logs in with password and authenticator code, in a real browser."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from skolsam.audit.models import AuditEntry
from skolsam.browser_tests.checks import check_page, expect
from skolsam.browser_tests.story import PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Page


def test_an_administrator_logs_in_with_password_and_the_code_from_her_app(
    page: Page, school: Any
) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Logga in")
    check_page(page, "login")

    page.get_by_label("Användarnamn").fill("maria.andersson")
    page.get_by_label("Lösenord").fill("fel lösenord")
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("alert")).to_contain_text("Något behöver rättas")
    expect(page.get_by_label("Lösenord")).to_be_empty()

    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page).to_have_url(re.compile(r"/konto/tvastegsverifiering/kontroll/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Logga in: steg 2")
    check_page(page, "two-factor-code")

    page.get_by_label("Kod från appen").fill(school.current_code())
    page.get_by_role("button", name="Fortsätt", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Start")
    expect(page.get_by_role("navigation", name="Huvudmeny")).to_be_visible()
    expect(page.get_by_role("link", name="Malmaskolan", exact=True)).to_be_visible()
    check_page(page, "start")
    actions = set(
        AuditEntry.objects.filter(actor_id=school.administrator.pk).values_list("action", flat=True)
    )
    assert {"auth.login", "auth.2fa_verify"} <= actions
