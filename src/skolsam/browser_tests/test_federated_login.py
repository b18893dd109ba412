"""A guardian logs in with e-legitimation through the real SimpleSAMLphp, in a browser.

Karin, a guardian in the story's 7B, has no login yet: she clicks "Logga in med
e-legitimation", logs in at the IdP with her (test) personnummer's account, and lands in
the portal, logged in. Someone the register does not hold gets the clear page.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest

from skolsam.accounts.models import User
from skolsam.accounts.tests.federation.conftest import (  # noqa: F401 - fixtures
    KARIN_PNR,
    PASSWORD,
    saml_idp,
    sp_keys,
)
from skolsam.browser_tests.checks import check_page, expect
from skolsam.people.models import Person
from skolsam.testing.story import build_day

if TYPE_CHECKING:
    from playwright.sync_api import Page


@pytest.fixture
def federation(settings: Any, live_server: Any, saml_idp: Any, sp_keys: Any) -> Any:  # noqa: F811
    base = live_server.url
    settings.SKOLSAM_BASE_URL = base
    settings.SKOLSAM_SAML_ENTITY_ID = f"{base}/saml/metadata/"
    settings.SKOLSAM_SAML_KEY_FILE = str(sp_keys[0])
    settings.SKOLSAM_SAML_CERT_FILE = str(sp_keys[1])
    settings.SKOLSAM_SWEDENCONNECT_METADATA = saml_idp.metadata_url
    settings.SKOLSAM_SKOLFEDERATION_METADATA = ""
    settings.SKOLSAM_OIDC_ISSUER = ""
    saml_idp.add_service_provider(
        f"{base}/saml/metadata/",
        [f"{base}/saml/acs/"],
        slo_urls=[f"{base}/saml/sls/"],
        cert_file=sp_keys[1],
    )
    return saml_idp


@pytest.fixture
def guardian(db: Any) -> Any:
    day = build_day()
    Person.objects.filter(pk=day.guardian.pk).update(civic_no=KARIN_PNR)
    return day.guardian


def _log_in_at_the_idp(page: Page, username: str) -> None:
    page.goto("/login/")
    page.get_by_role("link", name="Logga in med e-legitimation").click()
    expect(page).to_have_url(re.compile(r"127\.0\.0\.1:\d+/module\.php/core/loginuserpass"))
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")


def test_a_guardian_logs_in_with_e_legitimation(
    page: Page, federation: Any, guardian: Any, live_server: Any
) -> None:
    page.goto("/login/")
    check_page(page, "login-with-e-id")
    _log_in_at_the_idp(page, "karin")
    # SimpleSAMLphp posts the response back to Skolsam; Karin lands in the guardians' portal.
    expect(page.get_by_role("heading", level=1)).to_have_text("Översikt")
    assert page.url.startswith(f"{live_server.url}/portal/")
    user = User.objects.get(person=guardian)
    assert not user.has_usable_password()
    expect(page.get_by_role("button", name="Logga ut")).to_be_visible()


def test_someone_not_in_the_register_sees_a_clear_page(
    page: Page, federation: Any, guardian: Any
) -> None:
    _log_in_at_the_idp(page, "okand")
    expect(page.get_by_role("heading", level=1)).to_have_text("Vi hittar dig inte i registret")
    check_page(page, "federated-unknown")
