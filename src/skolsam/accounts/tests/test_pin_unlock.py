"""Quick re-unlock of the installed app with a PIN on this device.

Karin, Alva's guardian, logs in with her password as `karin` and sets the PIN 2580 on
her phone. Half an hour later her session has ended; the /utloggad/ page offers "Lås upp
med PIN-kod", and 2580 opens a new session in the portal. Maria, who teaches 7B, gets no
PIN: staff keep their second factor.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from skolsam.accounts.middleware import SESSION_SEEN, SESSION_STARTED
from skolsam.accounts.models import UnlockDevice
from skolsam.accounts.services import user_actor
from skolsam.accounts.tests.helpers import log_in
from skolsam.accounts.unlock import COOKIE_NAME, unlock_pin_set
from skolsam.audit.models import AuditEntry
from skolsam.core.errors import DomainError
from skolsam.testing import factories as f

pytestmark = pytest.mark.django_db

PIN = "2580"


@pytest.fixture
def karin(school: Any) -> Any:
    return f.UserFactory(person=school.guardian, username="karin")


def _karin_with_pin(karin: Any) -> Client:
    client = Client()
    assert log_in(client, "karin").status_code == 302
    assert client.get(reverse("unlock_pin_set")).status_code == 200
    response = client.post(reverse("unlock_pin_set"), {"pin": PIN, "pin_again": PIN})
    assert response.status_code == 302 and response["Location"] == reverse("account")
    return client


def _session_ends(client: Client) -> Any:
    """Let the session go idle past the limit; return the redirect to /utloggad/."""
    session = client.session
    session[SESSION_SEEN] = int(time.time()) - 31 * 60
    session[SESSION_STARTED] = int(time.time()) - 40 * 60
    session.save()
    response = client.get(reverse("portal:start"))
    assert response.status_code == 302 and SESSION_KEY not in client.session
    return response


def _unlock(client: Client, pin: str) -> Any:
    return client.post(reverse("unlock"), {"pin": pin, "next": reverse("portal:start")})


def test_a_guardian_sets_a_pin_and_unlocks_after_the_session_ended(karin):
    client = _karin_with_pin(karin)
    cookie = client.cookies[COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == 30 * 24 * 3600
    [device] = UnlockDevice.objects.filter(user=karin)
    # Only hashes are stored: not the token, not the PIN.
    assert cookie.value not in device.token_hash and PIN not in device.pin_hash
    assert device.pin_hash.startswith(("md5$", "argon2"))
    assert "Lås upp med PIN-kod" in client.get(reverse("account")).content.decode()

    ended = _session_ends(client)
    page = client.get(ended["Location"]).content.decode()
    assert f'href="{reverse("unlock")}?next=' in page and "Lås upp med PIN-kod" in page
    assert "Lås upp med PIN-kod" in client.get(reverse("login")).content.decode()
    response = _unlock(client, PIN)
    assert response.status_code == 302 and response["Location"] == reverse("portal:start")
    assert client.session[SESSION_KEY] == str(karin.pk)
    assert client.get(reverse("portal:start")).status_code == 200
    # A session a PIN opened is the portal's only, and cannot set a new PIN.
    assert client.get(reverse("attendance:my_lessons")).status_code == 404
    assert client.get(reverse("unlock_pin_set"))["Location"] == reverse("account")
    actions = set(
        AuditEntry.objects.filter(person_id=karin.person_id).values_list("action", flat=True)
    )
    assert {"auth.pin_set", "auth.pin_unlock"} <= actions


def test_five_wrong_pins_revoke_the_device(karin):
    client = _karin_with_pin(karin)
    _session_ends(client)
    for left in (4, 3, 2, 1):
        wrong = _unlock(client, "9999")
        assert wrong.status_code == 400
        assert f"Fel PIN-kod. {left} försök kvar" in wrong.content.decode()
    fifth = _unlock(client, "9999")
    assert fifth["Location"] == reverse("login")
    device = UnlockDevice.objects.get(user=karin)
    assert device.revoked_at is not None and device.revoked_reason == "fel_pin"
    assert SESSION_KEY not in client.session
    assert (
        AuditEntry.objects.filter(action="auth.pin_failed", person_id=karin.person_id).count() == 4
    )
    assert AuditEntry.objects.filter(action="auth.pin_lockout", person_id=karin.person_id).exists()


def test_the_right_pin_after_the_lockout_is_refused(karin):
    client = _karin_with_pin(karin)
    token = client.cookies[COOKIE_NAME].value
    _session_ends(client)
    for _ in range(5):
        _unlock(client, "9999")
    client.cookies[COOKIE_NAME] = token  # the device kept its cookie
    assert "Lås upp med PIN-kod" not in client.get(reverse("login")).content.decode()
    assert _unlock(client, PIN)["Location"] == reverse("login")
    assert SESSION_KEY not in client.session


def test_a_revoked_device_is_refused(karin):
    client = _karin_with_pin(karin)
    token = client.cookies[COOKIE_NAME].value
    device = UnlockDevice.objects.get(user=karin)
    # Karin removes the PIN of her lost phone under "Mitt konto".
    response = client.post(reverse("unlock_device_revoke", args=[device.pk]))
    assert response["Location"] == reverse("account")
    assert AuditEntry.objects.filter(action="auth.pin_revoke", person_id=karin.person_id).exists()
    _session_ends(client)
    client.cookies[COOKIE_NAME] = token
    assert client.get(reverse("unlock"))["Location"] == reverse("login")
    assert client.cookies[COOKIE_NAME].value == ""  # the refusal clears the cookie
    client.cookies[COOKIE_NAME] = token  # a copied cookie is refused too
    assert _unlock(client, PIN)["Location"] == reverse("login")
    assert SESSION_KEY not in client.session
    assert AuditEntry.objects.filter(action="auth.pin_refused", person_id=karin.person_id).exists()


def test_an_expired_device_is_refused(karin):
    client = _karin_with_pin(karin)
    UnlockDevice.objects.filter(user=karin).update(expires_at=timezone.now() - timedelta(minutes=1))
    _session_ends(client)
    assert "Lås upp med PIN-kod" not in client.get(reverse("login")).content.decode()
    assert _unlock(client, PIN)["Location"] == reverse("login")
    assert SESSION_KEY not in client.session


def test_staff_get_no_pin(teacher, school):
    client = Client()
    log_in(client, "maria.larare")
    assert client.get(reverse("unlock_pin_set")).status_code == 404
    assert client.post(reverse("unlock_pin_set"), {"pin": PIN, "pin_again": PIN}).status_code == 404
    assert "Lås upp med PIN-kod" not in client.get(reverse("account")).content.decode()
    with pytest.raises(DomainError):
        unlock_pin_set(actor=user_actor(teacher), user=teacher, pin=PIN)
    assert not UnlockDevice.objects.exists()


def test_a_guardian_who_became_staff_is_refused_and_the_device_revoked(karin, school):
    client = _karin_with_pin(karin)
    _session_ends(client)
    f.DutyFactory(person=karin.person, duty_at=school.school)
    assert _unlock(client, PIN)["Location"] == reverse("login")
    assert SESSION_KEY not in client.session
    assert UnlockDevice.objects.get(user=karin).revoked_reason == "ej_tillaten"


def test_a_pin_is_4_to_6_digits_and_not_trivial_and_unknown_tokens_are_refused(karin):
    client = Client()
    log_in(client, "karin")
    for pin in ("123", "1234567", "12a4", "1111", "1234", "9876"):
        response = client.post(reverse("unlock_pin_set"), {"pin": pin, "pin_again": pin})
        assert response.status_code == 400, pin
    mismatch = client.post(reverse("unlock_pin_set"), {"pin": PIN, "pin_again": "2581"})
    assert "PIN-koderna är inte lika" in mismatch.content.decode()
    assert not UnlockDevice.objects.exists()
    stranger = Client()
    stranger.cookies[COOKIE_NAME] = "a-token-nobody-was-given"
    assert _unlock(stranger, PIN)["Location"] == reverse("login")
    assert SESSION_KEY not in stranger.session


def test_a_new_pin_on_the_same_device_replaces_the_old_one(karin):
    client = _karin_with_pin(karin)
    old = client.cookies[COOKIE_NAME].value
    client.post(reverse("unlock_pin_set"), {"pin": "4827", "pin_again": "4827"})
    assert client.cookies[COOKIE_NAME].value != old
    devices = UnlockDevice.objects.filter(user=karin)
    assert devices.filter(revoked_at__isnull=True).count() == 1
    assert devices.get(revoked_reason="ny_pin")
