"""Re-unlock the installed app quickly: a PIN on a device, for guardians and pupils only.

After a full login (e-ID, password, or a one-time code from the school), a guardian or
pupil may set a 4–6 digit PIN on this device. The device gets a long random token in an
HttpOnly cookie (`COOKIE_NAME`); the database keeps only the token's SHA-256 (a random
256-bit token needs no slow hash) and the PIN as Django's password hash (Argon2). When the
session has ended, the login page and /utloggad/ offer "Lås upp med PIN-kod" on a device
whose token is valid, and the right PIN starts a new session.

Limits: the token works `UNLOCK_DAYS` from when the PIN was set (then a full login again);
`MAX_PIN_FAILURES` wrong PINs in a row revoke it (the throttle: without the cookie nobody
can try at all, so django-axes' username-and-address lockout adds nothing here); its
owner revokes it under "Mitt konto"; a new PIN on the same device replaces it. Never for
staff, or anyone who must or chose to use a second factor (an authenticator app): a PIN
would skip it. A session opened with a PIN cannot set a new PIN, so a device cannot renew
itself past the 30 days without a full login.

Audit: `auth.pin_set`, `auth.pin_unlock`, `auth.pin_failed`, `auth.pin_lockout`,
`auth.pin_revoke`, `auth.pin_refused`, under the user's person.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta
from itertools import pairwise
from typing import Any

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skolsam.accounts.actor import actor_for_user
from skolsam.accounts.models import UnlockDevice, User
from skolsam.accounts.selectors import has_totp_device, two_factor_required
from skolsam.audit.services import audit_record
from skolsam.core.access import Actor
from skolsam.core.dates import today
from skolsam.core.errors import DomainError
from skolsam.core.portal import is_portal_only

COOKIE_NAME = "skolsam_unlock"
UNLOCK_DAYS = 30
MAX_PIN_FAILURES = 5
# Set in the session a PIN opened: such a session may not set a new PIN.
SESSION_UNLOCKED = "skolsam_unlocked_with_pin"
_PIN = re.compile(r"^\d{4,6}$")


class UnlockRefused(Exception):
    """The device may not unlock: unknown, revoked, expired, or its user may not use a PIN."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _user_actor(user: Any) -> Actor:
    return Actor(user_id=user.pk, person_id=user.person_id, on=today(), label=user.get_username())


def pin_allowed(*, user: Any, actor: Actor) -> bool:
    """Tell whether the user may unlock with a PIN: a guardian or pupil with no second factor."""
    return bool(
        user.is_active
        and not user.is_superuser
        and user.person_id is not None
        and is_portal_only(actor)
        and not two_factor_required(user=user, actor=actor)
        and not has_totp_device(user)
    )


def _validate_pin(pin: str) -> None:
    if not _PIN.match(pin):
        raise DomainError({"pin": _("PIN-koden ska vara 4–6 siffror.")})
    steps = {int(b) - int(a) for a, b in pairwise(pin)}
    if len(set(pin)) == 1 or steps in ({1}, {-1}):
        raise DomainError(
            {"pin": _("Välj en PIN-kod som är svårare att gissa än 1234 eller 0000.")}
        )


def _audit(user: Any, action: str, device: UnlockDevice | None, **detail: Any) -> None:
    audit_record(
        actor=_user_actor(user),
        action=action,
        object_type="UnlockDevice",
        object_id=device.pk if device else None,
        person_id=user.person_id,
        detail=detail or None,
    )


@transaction.atomic
def unlock_pin_set(
    *, actor: Actor, user: Any, pin: str, label: str = "", replaces: str | None = None
) -> str:
    """Set a PIN on this device and return the new device token for its cookie.

    `replaces` is the token the device already had: a new PIN revokes it.
    """
    # Decided from the register, whatever Actor the caller holds.
    if not pin_allowed(user=user, actor=actor_for_user(user)):
        raise DomainError(
            _(
                "Upplåsning med PIN-kod finns bara för vårdnadshavare och elever utan tvåstegsverifiering."
            )
        )
    _validate_pin(pin)
    now = timezone.now()
    if replaces:
        UnlockDevice.objects.filter(
            user=user, token_hash=_hash(replaces), revoked_at__isnull=True
        ).update(revoked_at=now, revoked_reason="ny_pin")
    token = secrets.token_urlsafe(32)
    device = UnlockDevice.objects.create(
        user=user,
        token_hash=_hash(token),
        pin_hash=make_password(pin),
        label=label[:200],
        created=now,
        expires_at=now + timedelta(days=UNLOCK_DAYS),
    )
    _audit(user, "auth.pin_set", device, expires=device.expires_at.isoformat())
    return token


def unlock_device_for_token(token: str | None) -> UnlockDevice | None:
    """Return the valid (not revoked, not expired) device of a cookie's token, or None."""
    if not token:
        return None
    return (
        UnlockDevice.objects.filter(
            token_hash=_hash(token), revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
        .select_related("user")
        .first()
    )


def unlock_with_pin(*, token: str | None, pin: str) -> User:
    """Check the device's PIN and return its user; count and refuse a wrong one.

    The user's Actor is built from the register as of today, so a guardian who has become
    staff since is refused and the device revoked.
    The count and the audit entry are committed before the refusal is raised.
    """
    refusal: Exception | None = None
    with transaction.atomic():
        device = (
            UnlockDevice.objects.select_for_update()
            .filter(token_hash=_hash(token or ""))
            .select_related("user")
            .first()
        )
        if device is None:
            raise UnlockRefused("unknown")
        user = device.user
        now = timezone.now()
        if device.revoked_at is not None or device.expires_at <= now:
            reason = "revoked" if device.revoked_at is not None else "expired"
            _audit(user, "auth.pin_refused", device, reason=reason)
            refusal = UnlockRefused(reason)
        elif not pin_allowed(user=user, actor=actor_for_user(user)):
            device.revoked_at, device.revoked_reason = now, "ej_tillaten"
            device.save(update_fields=["revoked_at", "revoked_reason"])
            _audit(user, "auth.pin_refused", device, reason="not_allowed")
            refusal = UnlockRefused("not_allowed")
        elif not (_PIN.match(pin) and check_password(pin, device.pin_hash)):
            device.failed_attempts += 1
            fields = ["failed_attempts"]
            if device.failed_attempts >= MAX_PIN_FAILURES:
                device.revoked_at, device.revoked_reason = now, "fel_pin"
                fields += ["revoked_at", "revoked_reason"]
            device.save(update_fields=fields)
            if device.revoked_at is not None:
                _audit(user, "auth.pin_lockout", device, failures=device.failed_attempts)
                refusal = UnlockRefused("lockout")
            else:
                _audit(user, "auth.pin_failed", device, failures=device.failed_attempts)
                left = MAX_PIN_FAILURES - device.failed_attempts
                refusal = DomainError(
                    {
                        "pin": _("Fel PIN-kod. %(left)d försök kvar på den här enheten.")
                        % {"left": left}
                    }
                )
        else:
            device.failed_attempts = 0
            device.last_used_at = now
            device.save(update_fields=["failed_attempts", "last_used_at"])
            _audit(user, "auth.pin_unlock", device)
    if refusal is not None:
        raise refusal
    return user


def unlock_devices_of(*, user: Any) -> list[UnlockDevice]:
    """Return the user's devices that can still unlock, newest first."""
    return list(
        UnlockDevice.objects.filter(
            user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()
        ).order_by("-created")
    )


@transaction.atomic
def unlock_device_revoke(*, actor: Actor, user: Any, device_id: int) -> None:
    """Revoke one of the user's own devices; another user's answers like a missing one."""
    device = (
        UnlockDevice.objects.select_for_update()
        .filter(pk=device_id, user=user, revoked_at__isnull=True)
        .first()
    )
    if device is None:
        raise DomainError(_("Enheten finns inte."))
    device.revoked_at, device.revoked_reason = timezone.now(), "aterkallad"
    device.save(update_fields=["revoked_at", "revoked_reason"])
    _audit(user, "auth.pin_revoke", device)
