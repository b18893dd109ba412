"""Test sessions: cookie flags, new keys at login, timeouts, logging out everywhere."""

from __future__ import annotations

import runpy
import secrets
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from skolsam.accounts.middleware import SESSION_SEEN, SESSION_STARTED
from skolsam.accounts.tests.helpers import PASSWORD, log_in
from skolsam.audit.models import AuditEntry
from skolsam.testing.auth import verified_client

pytestmark = pytest.mark.django_db

START = reverse("start")
SETTINGS_FILE = Path(settings.BASE_DIR) / "src" / "skolsam" / "conf" / "settings.py"


def test_the_session_cookie_is_httponly_samesite_and_ends_with_the_browser(teacher):
    client = Client()
    response = log_in(client, "maria.larare")
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["expires"] == ""  # a browser-session cookie: gone when the browser closes
    assert cookie["max-age"] == ""


def test_production_settings_make_cookies_secure(monkeypatch):
    monkeypatch.setenv("DJANGO_DEBUG", "false")
    monkeypatch.setenv("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    monkeypatch.setenv("SKOLSAM_SS12000_SIGNING_KEY", secrets.token_urlsafe(50))
    production = runpy.run_path(str(SETTINGS_FILE))
    assert production["SESSION_COOKIE_SECURE"] is True
    assert production["CSRF_COOKIE_SECURE"] is True
    assert production["SESSION_COOKIE_NAME"] == "__Host-sessionid"
    assert production["SESSION_COOKIE_HTTPONLY"] is True
    assert production["PASSWORD_HASHERS"][0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert production["AXES_FAILURE_LIMIT"] == 5
    assert production["AXES_LOCKOUT_PARAMETERS"] == [["username", "ip_address"]]


def test_logging_in_gives_the_session_a_new_key(teacher):
    client = Client()
    before = client.session
    before["visited"] = True
    before.save()
    log_in(client, "maria.larare")
    assert client.cookies[settings.SESSION_COOKIE_NAME].value != before.session_key


def test_logout_everywhere_ends_the_users_sessions_on_every_device(rektor, teacher):
    laptop = verified_client(rektor)
    phone = verified_client(rektor)
    colleague = verified_client(teacher)
    assert phone.get(START).status_code == 200

    response = laptop.post(reverse("logout_everywhere"))
    assert response["Location"] == reverse("login")

    for device in (laptop, phone):
        page = device.get(START)
        assert page.status_code == 302
        assert page["Location"].startswith(reverse("login"))
        assert SESSION_KEY not in device.session
    assert colleague.get(START).status_code == 200
    entry = AuditEntry.objects.get(action="auth.logout_everywhere")
    assert entry.actor_id == rektor.pk
    # Logging in again works, and asks for the code again.
    assert log_in(laptop, "anders.rektor")["Location"] == START
    assert laptop.get(START)["Location"].startswith(reverse("two_factor_verify"))


def test_logout_everywhere_needs_a_post(rektor):
    client = verified_client(rektor)
    assert client.get(reverse("logout_everywhere")).status_code == 405


def test_a_password_change_ends_the_other_sessions_but_keeps_this_one(teacher):
    here = Client()
    log_in(here, "maria.larare")
    elsewhere = Client()
    log_in(elsewhere, "maria.larare")
    new_password = "ett annat långt lösenord 2026"
    response = here.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert response["Location"] == reverse("account")
    assert here.get(START).status_code == 200
    assert elsewhere.get(START).status_code == 302
    assert AuditEntry.objects.filter(action="auth.password_change", actor_id=teacher.pk).exists()

    wrong = here.post(
        reverse("password_change"),
        {"old_password": "fel", "new_password1": new_password, "new_password2": new_password},
    )
    assert "Det nuvarande lösenordet stämmer inte" in wrong.content.decode()


def _age_session(client: Client, *, idle: int = 0, since_login: int = 0) -> None:
    session = client.session
    now = int(time.time())
    session[SESSION_SEEN] = now - idle
    session[SESSION_STARTED] = now - since_login
    session.save()


def test_a_session_ends_after_half_an_hour_without_requests(teacher):
    client = Client()
    log_in(client, "maria.larare")
    assert client.get(START).status_code == 200
    _age_session(client, idle=29 * 60, since_login=29 * 60)
    assert client.get(START).status_code == 200  # still inside the limit; now seen again
    _age_session(client, idle=31 * 60, since_login=60 * 60)
    response = client.get(START)
    assert response["Location"] == f"{reverse('session_ended')}?next=%2F"
    assert SESSION_KEY not in client.session
    page = client.get(response["Location"]).content.decode()
    assert "Du har loggats ut eftersom du inte har varit aktiv på 30 minuter" in page
    # Logging in again leads back to the page the user was on.
    assert f'href="{reverse("login")}?next=/"' in page


def test_a_session_ends_eight_hours_after_login_however_busy(teacher):
    client = Client()
    log_in(client, "maria.larare")
    client.get(START)
    _age_session(client, idle=10, since_login=8 * 3600 + 1)
    response = client.get(START)
    assert response.status_code == 302
    assert SESSION_KEY not in client.session
    page = client.get(response["Location"]).content.decode()
    assert "längsta tiden för en inloggning, 8 timmar" in page


def test_an_htmx_request_in_an_expired_session_reloads_the_whole_page(teacher):
    client = Client()
    log_in(client, "maria.larare")
    client.get(START)
    _age_session(client, idle=31 * 60, since_login=31 * 60)
    response = client.get(reverse("person_search"), HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("session_ended"))
