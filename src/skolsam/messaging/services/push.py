"""Send web push to a person's browsers and installed app, and keep their subscriptions.

The payload is encrypted for each subscription (RFC 8291, aes128gcm) by pywebpush and
signed with Skolsam's VAPID key (RFC 8292); the push service (Google's, Mozilla's, Apple's)
sees neither the content nor who it is for. It carries only the subject, the sender's
name and the link: the message itself is read in Skolsam.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from py_vapid import Vapid02
from pywebpush import WebPushException, webpush

from skolsam.audit.services import audit_record
from skolsam.core.access import Actor
from skolsam.core.errors import DomainError
from skolsam.messaging.models import PushSubscription

log = logging.getLogger(__name__)

TTL_SECONDS = 24 * 3600


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def vapid() -> Vapid02 | None:
    """Return Skolsam's VAPID key, or None when push is not configured."""
    key = settings.SKOLSAM_VAPID_PRIVATE_KEY
    return Vapid02.from_raw(key.encode()) if key else None


def vapid_public_key() -> str:
    """Return the public key browsers subscribe with (applicationServerKey), or ''."""
    key = vapid()
    if key is None:
        return ""
    point = key.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return _b64encode(point)


def new_vapid_private_key() -> str:
    """Make a new VAPID private key in the form SKOLSAM_VAPID_PRIVATE_KEY takes."""
    key = Vapid02()
    key.generate_keys()
    number = key.private_key.private_numbers().private_value
    return _b64encode(number.to_bytes(32, "big"))


def _endpoint_ok(endpoint: str) -> bool:
    parts = urlsplit(endpoint)
    if parts.scheme == "https" and parts.hostname:
        return True
    # Plain HTTP only on loopback: a local push service in development and tests.
    return parts.scheme == "http" and parts.hostname in {"127.0.0.1", "localhost"}


def push_subscription_save(
    *, actor: Actor, endpoint: str, p256dh: str, auth: str, user_agent: str = ""
) -> PushSubscription:
    """Store (or move to the actor) a browser's push subscription; refuse malformed ones."""
    if actor.person_id is None or vapid() is None:
        raise DomainError(_("Pushnotiser är inte påslagna."))
    errors = {}
    if len(endpoint) > 1000 or not _endpoint_ok(endpoint):
        errors["endpoint"] = _("Adressen för pushnotiser måste vara en https-adress.")
    try:
        if len(_b64decode(p256dh)) != 65:
            raise ValueError
    except (ValueError, binascii.Error):
        errors["p256dh"] = _("Webbläsarens nyckel för pushnotiser är felaktig.")
    try:
        if len(_b64decode(auth)) != 16:
            raise ValueError
    except (ValueError, binascii.Error):
        errors["auth"] = _("Webbläsarens hemlighet för pushnotiser är felaktig.")
    if errors:
        raise DomainError(errors)
    with transaction.atomic():
        item, _created = PushSubscription.objects.update_or_create(
            endpoint=endpoint,
            defaults={
                "person_id": actor.person_id,
                "p256dh": p256dh,
                "auth": auth,
                "user_agent": user_agent[:300],
            },
        )
        audit_record(
            actor=actor,
            action="message.push_subscribe",
            object_type="PushSubscription",
            object_id=item.pk,
            person_id=actor.person_id,
        )
    return item


def push_subscription_delete(*, actor: Actor, endpoint: str) -> int:
    """Stop push to one of the actor's own browsers."""
    if actor.person_id is None:
        return 0
    deleted, _rows = PushSubscription.objects.filter(
        person_id=actor.person_id, endpoint=endpoint
    ).delete()
    return deleted


def push_send(*, person_id: Any, payload: dict[str, str]) -> int:
    """Push `payload` to every subscription of a person; return how many took it.

    A subscription the push service says is gone (404, 410) is deleted. Raises when the
    person has subscriptions and none took it, so the delivery is tried again.
    """
    key = vapid()
    if key is None:
        raise RuntimeError("Web push is not configured (SKOLSAM_VAPID_PRIVATE_KEY)")
    data = json.dumps(payload, ensure_ascii=False)
    subscriptions = list(PushSubscription.objects.filter(person_id=person_id))
    taken = 0
    failures = []
    for item in subscriptions:
        try:
            webpush(
                subscription_info={
                    "endpoint": item.endpoint,
                    "keys": {"p256dh": item.p256dh, "auth": item.auth},
                },
                data=data,
                vapid_private_key=key,
                vapid_claims={"sub": settings.SKOLSAM_VAPID_SUBJECT},
                ttl=TTL_SECONDS,
                timeout=10,
            )
        except WebPushException as exc:
            status = getattr(exc.response, "status_code", None)
            if status in (404, 410):
                item.delete()
                continue
            failures.append(str(exc))
            continue
        taken += 1
    if failures and not taken:
        raise RuntimeError("; ".join(failures)[:300])
    return taken


def has_push(person_ids: list[Any]) -> set[Any]:
    """Return which of these persons have at least one push subscription."""
    if vapid() is None:
        return set()
    return set(
        PushSubscription.objects.filter(person_id__in=person_ids).values_list(
            "person_id", flat=True
        )
    )
