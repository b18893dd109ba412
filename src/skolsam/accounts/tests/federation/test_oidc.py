"""Log in through a real OpenID provider (oidc-provider-mock) with the Swedish OIDC profile's
personnummer claim; refuse a wrong state, a nonce from another login and a token signed
with a key the provider does not publish."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY

from skolsam.accounts.federation.localidp import OidcProvider, free_port
from skolsam.accounts.models import StrongLoginDevice, User
from skolsam.audit.models import AuditEntry
from skolsam.people.models import Person
from skolsam.testing.story import Day, build_day

from .conftest import IDP_USERS, KARIN_PNR, oidc_authorize

# They start real IdPs (once a run) and go through them: the slow lane.
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("oidc_settings")]


@pytest.fixture
def school(db: Any) -> Day:
    day = build_day()
    Person.objects.filter(pk=day.guardian.pk).update(civic_no=KARIN_PNR)
    return day


def _start(client: Client) -> str:
    response = client.get(reverse("oidc_login"))
    assert response.status_code == 302, response.content[:500]
    return str(response["Location"])


def _callback(client: Client, url: str) -> Any:
    parts = urlsplit(url)
    assert parts.path == reverse("oidc_callback")
    return client.get(f"{parts.path}?{parts.query}")


def _refusal(reason_part: str) -> AuditEntry:
    entry = AuditEntry.objects.filter(action="auth.federated_refused").latest("pk")
    assert entry.detail["method"] == "oidc"
    assert reason_part in entry.detail["oidc"], entry.detail
    return entry


def test_a_guardian_logs_in_with_the_swedish_oidc_profile(school: Day) -> None:
    client = Client()
    location = _start(client)
    assert "code_challenge=" in location  # PKCE
    assert "nonce=" in location
    response = _callback(client, oidc_authorize(location, sub="karin"))
    assert response.status_code == 302
    assert response["Location"] == reverse("start")
    user = User.objects.get(person=school.guardian)
    assert int(client.session[SESSION_KEY]) == user.pk
    device = StrongLoginDevice.objects.get(user=user)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    entry = AuditEntry.objects.get(action="auth.federated_login")
    assert entry.person_id == school.guardian.pk
    assert entry.detail["method"] == "oidc"


def test_someone_not_in_the_register_is_refused(school: Day) -> None:
    client = Client()
    response = _callback(client, oidc_authorize(_start(client), sub="okand"))
    assert response.status_code == 403
    assert "Vi hittar dig inte i registret" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_a_callback_with_a_state_this_browser_never_sent_is_refused(school: Day) -> None:
    client = Client()
    url = oidc_authorize(_start(client), sub="karin")
    forged = url.replace("state=", "state=x")
    response = _callback(client, forged)
    assert response.status_code == 403
    assert "Inloggningen kunde inte genomföras" in response.content.decode()
    assert SESSION_KEY not in client.session
    _refusal("state")


def test_a_code_from_another_login_is_refused_by_its_nonce(school: Day) -> None:
    """An attacker's code, injected into the victim's callback with the victim's state."""
    attacker, victim = Client(), Client()
    attacker_url = oidc_authorize(_start(attacker), sub="karin")
    victim_location = _start(victim)
    victim_state = dict(p.split("=", 1) for p in urlsplit(victim_location).query.split("&"))[
        "state"
    ]
    attacker_query = dict(p.split("=", 1) for p in urlsplit(attacker_url).query.split("&"))
    injected = f"{reverse('oidc_callback')}?code={attacker_query['code']}&state={victim_state}"
    response = victim.get(injected)
    assert response.status_code == 403
    assert SESSION_KEY not in victim.session
    _refusal("Nonce")


@pytest.fixture
def other_provider() -> Iterator[OidcProvider]:
    op = OidcProvider(port=free_port(), users=IDP_USERS).start()
    yield op
    op.stop()


def test_an_id_token_signed_with_a_key_we_do_not_trust_is_refused(
    school: Day, oidc_settings: Any, other_provider: OidcProvider
) -> None:
    # Skolsam trusts the other provider's keys only: the real provider's token must fail.
    oidc_settings.OIDC_OP_JWKS_ENDPOINT = f"{other_provider.issuer}/jwks"
    client = Client()
    response = _callback(client, oidc_authorize(_start(client), sub="karin"))
    assert response.status_code == 403
    assert SESSION_KEY not in client.session
    assert not User.objects.filter(person=school.guardian).exists()
    _refusal("id_token")


def test_an_id_token_from_another_issuer_is_refused(school: Day, oidc_settings: Any) -> None:
    oidc_settings.SKOLSAM_OIDC_ISSUER = "https://annan-utfardare.example"
    client = Client()
    response = _callback(client, oidc_authorize(_start(client), sub="karin"))
    assert response.status_code == 403
    _refusal("InvalidIssuer")
