"""Test the accounts' management commands: demo codes and resetting two-factor."""

from __future__ import annotations

import base64
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from skolsam.accounts.services import recovery_codes_create, totp_device_create, user_actor
from skolsam.accounts.tests.helpers import log_in
from skolsam.audit.models import AuditEntry
from skolsam.testing.auth import verified_client

pytestmark = pytest.mark.django_db

# A published demo key, given in base32 as a person types it into an app.
DEMO_SECRET = "SKOLSAMDEMOTVASTEGSVERIFIERING22"


def _run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_demo_totp_prints_the_code_a_demo_rektor_logs_in_with(settings, rektor):
    settings.DEBUG = True
    device = totp_device_create(user=rektor, secret_base32=DEMO_SECRET, audit=False)
    assert device.key == base64.b32decode(DEMO_SECRET).hex()
    out, err = _run("demo_totp", "anders.rektor", "--uri")
    code = out.splitlines()[0]
    assert len(code) == 6 and code.isdigit()
    assert f"Nyckel (base32): {DEMO_SECRET}" in out
    assert "otpauth://totp/Skolsam%3Aanders.rektor?secret=" + DEMO_SECRET in out
    assert "Koden gäller i" in err

    client = Client()
    log_in(client, "anders.rektor")
    assert client.post(reverse("two_factor_verify"), {"token": code})["Location"] == "/"
    assert client.get(reverse("start")).status_code == 200


def test_demo_totp_refuses_to_run_in_production(settings, rektor):
    settings.DEBUG = False
    totp_device_create(user=rektor, audit=False)
    with pytest.raises(CommandError, match="DJANGO_DEBUG=true"):
        _run("demo_totp", "anders.rektor")


def test_demo_totp_says_when_there_is_no_app(settings, teacher):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="har ingen autentiseringsapp"):
        _run("demo_totp", "maria.larare")
    with pytest.raises(CommandError, match="ingen användare"):
        _run("demo_totp", "finns.inte")


def test_a_device_made_twice_with_the_same_key_leaves_one(rektor):
    first = totp_device_create(user=rektor, secret_base32=DEMO_SECRET, audit=False)
    second = totp_device_create(user=rektor, secret_base32=DEMO_SECRET, audit=False)
    assert list(TOTPDevice.objects.filter(user=rektor)) == [second]
    assert first.key == second.key
    assert not AuditEntry.objects.exists()


def test_a_bad_secret_is_refused_with_a_reason(rektor):
    from skolsam.core.errors import DomainError

    with pytest.raises(DomainError, match="base32"):
        totp_device_create(user=rektor, secret_base32="not base32 at all 0189")
    with pytest.raises(DomainError, match="20 och 40 byte"):
        totp_device_create(user=rektor, secret_hex="abcd")


def test_two_factor_reset_lets_a_user_who_lost_the_phone_enrol_again(rektor):
    totp_device_create(user=rektor, audit=False)
    recovery_codes_create(actor=user_actor(rektor), user=rektor)
    session = verified_client(rektor)
    out, _err = _run("two_factor_reset", "anders.rektor")
    assert "nollställd" in out
    assert not TOTPDevice.objects.filter(user=rektor).exists()
    assert not StaticDevice.objects.filter(user=rektor).exists()
    assert session.get(reverse("start")).status_code == 302
    assert session.get(reverse("start"))["Location"].startswith(reverse("login"))
    entry = AuditEntry.objects.get(action="auth.2fa_reset")
    assert entry.actor_label == "two_factor_reset"

    client = Client()
    log_in(client, "anders.rektor")
    assert client.get(reverse("start"))["Location"].startswith(reverse("two_factor_setup"))
