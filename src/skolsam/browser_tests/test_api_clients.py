"""The IT administrator gives an API client read-only scopes, then lets it write attendance."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import Permission

from skolsam.api.ss12000.models import ApiClient
from skolsam.browser_tests.checks import check_page, expect
from skolsam.testing import factories as f
from skolsam.testing.story import build_story

if TYPE_CHECKING:
    from playwright.sync_api import Page


def test_an_administrator_sets_a_clients_scopes(page: Page, log_in: Any) -> None:
    # Eva, Scheeleskolan's school administrator, also runs the school's integrations.
    story = build_story()
    eva = f.UserFactory(person=story.school_admin_at_scheeleskolan, password=None)
    eva.user_permissions.add(Permission.objects.get(codename="change_apiclient"))
    log_in(eva)
    page.goto("/ss12000/clients/")
    expect(page.get_by_role("heading", level=1)).to_have_text("API-klienter (SS 12000)")
    check_page(page, "api-clients")

    page.get_by_role("textbox", name="Namn").fill("Nationella prov")
    page.get_by_role("textbox", name="Organisationer").fill(story.scheeleskolan.school_unit_code)
    scopes = page.get_by_role("group", name="Behörigheter (scopes)")
    scopes.get_by_role("checkbox", name="Läsa personer (persons:read)").check()
    scopes.get_by_role("checkbox", name="Läsa grupper (groups:read)").check()
    page.get_by_role("button", name="Skapa klient").click()
    expect(page.get_by_role("status")).to_contain_text("Klienten är skapad")
    client = ApiClient.objects.get(name="Nationella prov")
    assert client.scopes == ["persons:read", "groups:read"]

    page.get_by_role("link", name="Nationella prov").click()
    scopes = page.get_by_role("group", name="Behörigheter (scopes)")
    expect(scopes.get_by_role("checkbox", name="Läsa personer (persons:read)")).to_be_checked()
    scopes.get_by_role("checkbox", name="Skriva närvaro (attendances:write)").check()
    page.get_by_role("button", name="Spara behörigheter").click()
    expect(page.get_by_text("attendances:write kräver attendances:read")).to_be_visible()
    check_page(page, "api-client-scopes-error")

    scopes = page.get_by_role("group", name="Behörigheter (scopes)")
    scopes.get_by_role("checkbox", name="Läsa närvaro (attendances:read)").check()
    page.get_by_role("button", name="Spara behörigheter").click()
    expect(page.get_by_role("status")).to_contain_text("Behörigheterna är sparade")
    client.refresh_from_db()
    assert client.scopes == [
        "persons:read",
        "groups:read",
        "attendances:read",
        "attendances:write",
    ]
    check_page(page, "api-client")
