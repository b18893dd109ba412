"""Karin has installed the app: the class letter reaches her phone by web push, encrypted
for her device alone (RFC 8291) and signed with Skolsam's VAPID key (RFC 8292). Per, who
has no app, gets an SMS instead."""

from __future__ import annotations

import base64
import json
import os
from typing import Any

import http_ece
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client
from django.urls import reverse

from skolsam.messaging.models import Delivery, DeliveryStatus, PushSubscription
from skolsam.messaging.services.compose import audience_build, message_send
from skolsam.messaging.services.delivery import deliver_message
from skolsam.messaging.services.push import new_vapid_private_key, vapid_public_key
from skolsam.testing import factories as f
from skolsam.testing.story import build_day, login

pytestmark = pytest.mark.django_db


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Browser:
    """A browser's side of a push subscription: its ECDH key pair and auth secret."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)

    @property
    def p256dh(self) -> str:
        return b64(
            self.key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )

    def decrypt(self, body: bytes) -> dict:
        return json.loads(
            http_ece.decrypt(body, private_key=self.key, auth_secret=self.auth, version="aes128gcm")
        )


@pytest.fixture
def vapid(settings: Any) -> str:
    settings.SKOLSAM_VAPID_PRIVATE_KEY = new_vapid_private_key()
    settings.SKOLSAM_VAPID_SUBJECT = "mailto:drift@koping.example.se"
    return vapid_public_key()


def _letter(day: Any) -> Any:
    actor = day.actor(day.mentor)
    audience = audience_build(
        actor=actor, group=day.group, organisation=None, to_guardians=True, to_pupils=False
    )
    return message_send(
        actor=actor, audience=audience, category="veckobrev", subject="Veckobrev 49", body="Hej!"
    )


def test_the_letter_reaches_the_installed_app_encrypted_for_that_device_and_once(
    vapid, push_service, sms, smtp
):
    day = build_day(pupils=2)
    karin = Client()
    login(karin, day.guardian)
    inbox = karin.get(reverse("messaging:inbox")).content.decode()
    assert vapid in inbox and reverse("messaging:manifest") in inbox
    browser = Browser()
    endpoint = f"{push_service.url}/push/abc123"
    subscribed = karin.post(
        reverse("messaging:push_subscribe"),
        json.dumps(
            {"endpoint": endpoint, "keys": {"p256dh": browser.p256dh, "auth": b64(browser.auth)}}
        ),
        content_type="application/json",
    )
    assert subscribed.status_code == 201
    # Per, Hugo's guardian, has a mobile and no app.
    per = f.PersonFactory(
        given_name="Per", phone_numbers=[{"type": "Hem", "value": "070-7654321", "mobile": True}]
    )
    f.ResponsibleFactory(person=day.pupils[1], responsible=per)

    message = _letter(day)
    assert deliver_message(message_id=message.pk) == 3  # Karin: e-mail and push; Per: SMS
    assert deliver_message(message_id=message.pk) == 0  # a retry sends nothing twice

    assert len(push_service.received) == 1
    path, headers, body = push_service.received[0]
    assert path == "/push/abc123"
    headers = {k.lower(): v for k, v in headers.items()}
    assert headers["content-encoding"] == "aes128gcm"
    assert b"Veckobrev" not in body  # the push service sees only ciphertext
    content = browser.decrypt(body)
    recipient = message.recipients.get(person=day.guardian)
    assert content == {
        "title": "Veckobrev 49",
        "body": f"Nytt meddelande från {day.mentor.full_name}: Veckobrev 49",
        "url": reverse("messaging:read", args=[recipient.pk]),
    }
    # Signed with Skolsam's VAPID key, for this push service.
    scheme, _sep, params = headers["authorization"].partition(" ")
    assert scheme == "vapid"
    fields = dict(part.strip().split("=", 1) for part in params.split(","))
    assert fields["k"] == vapid
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64(fields["k"]))
    claims = jwt.decode(fields["t"], public, algorithms=["ES256"], audience=push_service.url)
    assert claims["sub"] == "mailto:drift@koping.example.se"

    # Karin has the app: no SMS for her. Per has none: one SMS, with no message text.
    assert [to for to, _text in sms] == ["070-7654321"]
    assert "Veckobrev 49" in sms[0][1] and "Hej!" not in sms[0][1]
    assert len(smtp.to("karin@example.se")) == 1


def test_a_subscription_the_push_service_has_forgotten_is_removed(vapid, push_service):
    day = build_day(pupils=1)
    browser = Browser()
    PushSubscription.objects.create(
        person=day.guardian,
        endpoint=f"{push_service.url}/push/gone",
        p256dh=browser.p256dh,
        auth=b64(browser.auth),
    )
    push_service.status = 410
    message = _letter(day)
    deliver_message(message_id=message.pk)
    assert not PushSubscription.objects.exists()
    assert Delivery.objects.get(channel="push").status == DeliveryStatus.SENT


def test_a_malformed_subscription_is_refused_with_the_reason(vapid):
    day = build_day(pupils=1)
    karin = Client()
    login(karin, day.guardian)
    refused = karin.post(
        reverse("messaging:push_subscribe"),
        json.dumps(
            {"endpoint": "http://push.example.com/x", "keys": {"p256dh": "kort", "auth": "x"}}
        ),
        content_type="application/json",
    )
    assert refused.status_code == 400
    errors = refused.json()["fel"]
    assert "Adressen för pushnotiser måste vara en https-adress." in errors
    assert "Webbläsarens nyckel för pushnotiser är felaktig." in errors
    assert (
        karin.post(
            reverse("messaging:push_subscribe"), "{", content_type="application/json"
        ).status_code
        == 400
    )
    assert not PushSubscription.objects.exists()


def test_the_service_worker_and_manifest_are_served():
    client = Client()
    worker = client.get(reverse("messaging:service_worker"))
    assert worker["Content-Type"].startswith("text/javascript")
    assert worker["Service-Worker-Allowed"] == "/"
    assert b"showNotification" in worker.content
    manifest = client.get(reverse("messaging:manifest")).json()
    assert (
        manifest["start_url"] == reverse("messaging:inbox") and manifest["display"] == "standalone"
    )
