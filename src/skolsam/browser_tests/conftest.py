"""Drive a real Chromium (Debian's package) with Playwright against Django's live server.

Chromium is found at $SKOLSAM_CHROMIUM, else `chromium` or `chromium-browser` on the PATH;
Playwright's own browser downloads are never used. Without Chromium (or without the
playwright package) the tests are skipped with a loud reason on a developer's machine and
FAIL on CI (environment variable CI set), so CI can never pass without them.

Each test gets a fresh browser context (no cookies, 1280x900, Swedish locale, Stockholm
time) on a browser shared by the tests of one pytest worker, and the live server on the
test database; `live_server` makes the test transactional (the rows must be committed for
the server's thread to see them on PostgreSQL; on SQLite's in-memory database Django
shares one connection between the two threads). Every test also fails on a JavaScript
error in the page. A test builds its data with the shared story's builders
(`skolsam.testing.story.build_story` or `build_day`), per test: the module-scoped `story`
fixture lives in a transaction the server's thread would not see.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from skolsam.browser_tests.checks import DESKTOP

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # The test machines have no network: without these Chromium keeps trying to reach
    # Google's update, sync and field-trial servers and floods the log with refusals.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    """Return the Chromium to drive: $SKOLSAM_CHROMIUM, else chromium on the PATH."""
    configured = os.environ.get("SKOLSAM_CHROMIUM")
    if configured:
        return configured if Path(configured).is_file() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _unavailable() -> str | None:
    """Say why the browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    if chromium_path() is None:
        return "no Chromium found (apt-get install chromium, or set SKOLSAM_CHROMIUM to its path)"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Launch one headless Chromium for this worker, on a fresh temporary profile."""
    reason = _unavailable()
    if reason:
        message = f"BROWSER TESTS NOT RUN: {reason}"
        if os.environ.get("CI"):
            pytest.fail(f"{message}. CI must run them.", pytrace=False)
        pytest.skip(f"!!!! {message}")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio event loop running in this thread for as long
    # as the browser lives, to the end of the session. Django would refuse every database
    # query made in this thread from now on (the tests' own, and those of later tests in
    # this worker) as "called from an async context"; they are synchronous, so allow them.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    # launch() gives Chromium a new temporary --user-data-dir and removes it on close.
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # Argon2 costs most of a second per password; the login test still logs in for real.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    """Open a page in a new, empty browser context pointed at the live server."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport=DESKTOP,
        locale="sv-SE",
        timezone_id="Europe/Stockholm",
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors in the page: {errors}"


@pytest.fixture
def log_in(page: Any, live_server: Any) -> Any:
    """Return a function that gives the page a two-factor verified session of a user.

    The login and code pages are tested once, in test_login.py; the other tests start
    logged in, the way the Django test client's `login_verified` does it.
    """
    from skolsam.testing.auth import login_verified

    def as_user(user: Any) -> None:
        client = Client()
        login_verified(client, user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [{"name": cookie.key, "value": cookie.value, "url": live_server.url}]
        )

    return as_user
