"""An administrator logs in with password and authenticator code, in a real browser.

Eva, the story's school administrator at Scheeleskolan, has a login with a password and
her authenticator app (`password_login`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from skolsam.audit.models import AuditEntry
from skolsam.browser_tests.checks import check_page, expect
from skolsam.testing.auth import PASSWORD, password_login
from skolsam.testing.story import build_story

if TYPE_CHECKING:
    from playwright.sync_api import Page


def test_an_administrator_logs_in_with_password_and_the_code_from_her_app(
    page: Page, db: Any
) -> None:
    eva = password_login(build_story().school_admin_at_scheeleskolan, "eva.administrator")
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Logga in")
    check_page(page, "login")

    page.get_by_label("Användarnamn").fill("eva.administrator")
    page.get_by_label("Lösenord").fill("fel lösenord")
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("alert")).to_contain_text("Något behöver rättas")
    expect(page.get_by_label("Lösenord")).to_be_empty()

    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page).to_have_url(re.compile(r"/konto/tvastegsverifiering/kontroll/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Logga in: steg 2")
    check_page(page, "two-factor-code")

    page.get_by_label("Kod från appen").fill(eva.current_code())
    page.get_by_role("button", name="Fortsätt", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Start")
    expect(page.get_by_role("navigation", name="Huvudmeny")).to_be_visible()
    expect(page.get_by_role("link", name="Scheeleskolan", exact=True)).to_be_visible()
    check_page(page, "start")
    actions = set(AuditEntry.objects.filter(actor_id=eva.user.pk).values_list("action", flat=True))
    assert {"auth.login", "auth.2fa_verify"} <= actions
