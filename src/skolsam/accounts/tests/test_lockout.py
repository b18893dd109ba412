"""Test that repeated failed logins lock a username out from one address, and no further."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from skolsam.accounts.tests.helpers import PASSWORD, log_in
from skolsam.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def _fail(client: Client, username: str, times: int) -> list[int]:
    """Try a wrong password `times` times; return the status codes of the answers."""
    return [log_in(client, username, "fel lösenord").status_code for _ in range(times)]


def test_five_wrong_passwords_lock_the_account_out_even_for_the_right_password(teacher):
    attacker = Client(REMOTE_ADDR="198.51.100.7")
    assert _fail(attacker, "maria.larare", 4) == [200] * 4

    fifth = log_in(attacker, "maria.larare", "fel igen")
    assert fifth.status_code == 429
    assert "Inloggningen är tillfälligt spärrad" in fifth.content.decode()

    right = log_in(attacker, "maria.larare", PASSWORD)
    body = right.content.decode()
    assert right.status_code == 429
    assert "Vänta 15 minuter" in body
    assert '<html lang="sv" dir="ltr">' in body
    assert right["Retry-After"] == "900"
    assert SESSION_KEY not in attacker.session

    actions = list(
        AuditEntry.objects.filter(actor_label="maria.larare")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["auth.login_failed"] * 4 + ["auth.lockout", "auth.login_locked"]
    lockout = AuditEntry.objects.get(action="auth.lockout")
    assert lockout.object_id == str(teacher.pk)
    assert lockout.client_address == "198.51.100.7"
    assert lockout.detail["failures"] == 5


def test_the_lockout_holds_only_for_that_username_from_that_address(teacher, rektor):
    attacker = Client(REMOTE_ADDR="198.51.100.7")
    assert _fail(attacker, "maria.larare", 5) == [200] * 4 + [429]
    assert log_in(attacker, "maria.larare", PASSWORD).status_code == 429

    # The teacher at school, on another address, logs in as usual.
    at_school = Client(REMOTE_ADDR="192.0.2.10")
    assert log_in(at_school, "maria.larare", PASSWORD)["Location"] == reverse("start")
    # Another account from the attacker's address is not locked either.
    assert log_in(attacker, "anders.rektor", PASSWORD).status_code == 302


def test_unknown_usernames_are_counted_and_logged_like_real_ones(db):
    attacker = Client(REMOTE_ADDR="198.51.100.7")
    assert _fail(attacker, "finns.inte", 5) == [200] * 4 + [429]
    assert log_in(attacker, "finns.inte", "vad som helst").status_code == 429
    failed = AuditEntry.objects.filter(action="auth.login_failed").order_by("id").first()
    assert failed is not None
    assert failed.actor_id is None
    assert failed.object_id == ""
    assert failed.detail == {"username": "finns.inte", "failures": 1}


def test_a_successful_login_clears_earlier_failures(teacher):
    client = Client()
    assert _fail(client, "maria.larare", 4) == [200] * 4
    assert log_in(client, "maria.larare", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    assert _fail(client, "maria.larare", 4) == [200] * 4
    assert log_in(client, "maria.larare", PASSWORD).status_code == 302


def test_an_administrator_lifts_a_lockout_with_axes_reset_username(teacher):
    client = Client()
    assert _fail(client, "maria.larare", 5)[-1] == 429
    call_command("axes_reset_username", "maria.larare")
    assert log_in(client, "maria.larare", PASSWORD).status_code == 302
