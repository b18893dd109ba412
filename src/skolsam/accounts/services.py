"""Change login accounts: two-factor devices, recovery codes, passwords, sessions; audit each.

Login and logout themselves are Django's (`django.contrib.auth.login`), throttled by
django-axes; the functions here record them in the audit log. Two-factor devices are
django-otp's TOTPDevice (an authenticator app) and StaticDevice (recovery codes).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from axes.utils import reset as axes_reset
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import verify_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from skolsam.accounts.models import User
from skolsam.audit.services import audit_record
from skolsam.core.access import Actor, system_actor
from skolsam.core.dates import today
from skolsam.core.errors import DomainError

RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Autentiseringsapp"
RECOVERY_DEVICE_NAME = "Reservkoder"
_TOTP_TOKEN = re.compile(r"^\d{6}$")
_HEX = re.compile(r"^[0-9a-fA-F]+$")


def user_actor(user: Any) -> Actor:
    """Return an actor that names the account for the audit log, without register lookups."""
    return Actor(
        user_id=user.pk,
        person_id=getattr(user, "person_id", None),
        on=today(),
        label=user.get_username(),
    )


# --- login, logout, lockout --------------------------------------------------------------


def login_record(*, user: Any) -> None:
    """Log a successful password login."""
    audit_record(actor=user_actor(user), action="auth.login", object_type="User", object_id=user.pk)


def logout_record(*, user: Any) -> None:
    """Log a logout the user asked for."""
    audit_record(
        actor=user_actor(user), action="auth.logout", object_type="User", object_id=user.pk
    )


LoginFailure = Literal["failed", "lockout", "locked"]
_FAILURE_ACTIONS: dict[str, str] = {
    # a wrong username or password
    "failed": "auth.login_failed",
    # the failure that locked the username and address out
    "lockout": "auth.lockout",
    # an attempt while locked out; the password was not even checked
    "locked": "auth.login_locked",
}


def login_failure_record(*, username: str, outcome: LoginFailure, failures: int | None) -> None:
    """Log a refused login under the username that was tried, whether it exists or not."""
    username = username[:150]
    user_id = User.objects.filter(username=username).values_list("pk", flat=True).first()
    actor = Actor(user_id=None, person_id=None, on=today(), label=username)
    detail: dict[str, Any] = {"username": username}
    if failures is not None:
        detail["failures"] = failures
    audit_record(
        actor=actor,
        action=_FAILURE_ACTIONS[outcome],
        object_type="User",
        object_id=user_id,
        detail=detail,
    )


# --- two-factor devices ------------------------------------------------------------------


def _secret_hex(secret_hex: str | None, secret_base32: str | None) -> str | None:
    """Return the secret as hex, from hex or from the base32 an authenticator app shows."""
    if secret_hex is not None and secret_base32 is not None:
        raise DomainError({"secret": _("Ange hemligheten antingen hexadecimalt eller i base32.")})
    if secret_base32 is not None:
        cleaned = re.sub(r"[\s-]", "", secret_base32).upper()
        try:
            secret_hex = base64.b32decode(cleaned + "=" * (-len(cleaned) % 8)).hex()
        except (binascii.Error, ValueError):
            raise DomainError(
                {"secret": _("Hemligheten är inte giltig base32 (bokstäverna A–Z och 2–7).")}
            ) from None
    if secret_hex is None:
        return None
    if not _HEX.match(secret_hex) or len(secret_hex) % 2:
        raise DomainError(
            {"secret": _("Hemligheten måste vara hexadecimal med jämnt antal tecken.")}
        )
    if not 20 <= len(secret_hex) // 2 <= 40:
        raise DomainError({"secret": _("Hemligheten måste vara mellan 20 och 40 byte lång.")})
    return secret_hex.lower()


def totp_device_create(
    *,
    user: Any,
    secret_hex: str | None = None,
    secret_base32: str | None = None,
    confirmed: bool = True,
    actor: Actor | None = None,
    audit: bool = True,
) -> TOTPDevice:
    """Give `user` an authenticator-app device, replacing the one they had.

    Without a secret a random 20-byte one is made. A confirmed device is in use at once;
    an unconfirmed one waits for `totp_enrolment_confirm`. Loaders that write one audit
    entry of their own (the demo) pass `audit=False`. Idempotent for a given secret: the
    old devices are removed and one new device remains.
    """
    key = _secret_hex(secret_hex, secret_base32)
    actor = actor or system_actor("totp_device_create")
    with transaction.atomic():
        existing = TOTPDevice.objects.filter(user=user)
        (existing if confirmed else existing.filter(confirmed=False)).delete()
        device = TOTPDevice(user=user, name=TOTP_DEVICE_NAME, confirmed=confirmed)
        if key is not None:
            device.key = key
        device.save()
        if confirmed and audit:
            audit_record(
                actor=actor,
                action="auth.2fa_enrol",
                object_type="User",
                object_id=user.pk,
                detail={"device": "totp"},
            )
    return device


def totp_enrolment_start(*, user: Any) -> TOTPDevice:
    """Return the user's pending (unconfirmed) device, making one if there is none.

    Reusing the pending device keeps the QR code the same when the page is reloaded, so a
    code from an app that already scanned it still works.
    """
    pending = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    return pending or totp_device_create(user=user, confirmed=False, audit=False)


@dataclass(frozen=True)
class Enrolment:
    device: TOTPDevice
    recovery_codes: list[str]


def totp_enrolment_confirm(*, actor: Actor, user: Any, device_id: int, token: str) -> Enrolment:
    """Confirm a pending device with a code from the app; replace the old app and codes.

    A wrong code is logged and refused; the device's throttling slows repeated guesses.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=False, pk=device_id).first()
    if device is None:
        raise DomainError(
            {
                "token": _(
                    "Inställningen har gått ut eller gjorts klart i ett annat fönster. Börja om."
                )
            }
        )
    _verify_or_refuse(actor=actor, user=user, device=device, token=token, stage="enrolment")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _recovery_codes_replace(user)
        audit_record(
            actor=actor,
            action="auth.2fa_enrol",
            object_type="User",
            object_id=user.pk,
            detail={"device": "totp", "recovery_codes": len(codes)},
        )
    return Enrolment(device=device, recovery_codes=codes)


def recovery_codes_create(*, actor: Actor, user: Any) -> list[str]:
    """Replace the user's recovery codes with new ones; the old ones stop working."""
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise DomainError(
            {"__all__": _("Aktivera tvåstegsverifiering innan du skapar reservkoder.")}
        )
    with transaction.atomic():
        codes = _recovery_codes_replace(user)
        audit_record(
            actor=actor,
            action="auth.2fa_recovery_codes",
            object_type="User",
            object_id=user.pk,
            detail={"count": len(codes)},
        )
    return codes


def _recovery_codes_replace(user: Any) -> list[str]:
    # Keep the device and replace its tokens: a session verified with a recovery code is
    # bound to this device and must stay verified.
    device = StaticDevice.objects.filter(user=user).order_by("id").first()
    if device is None:
        device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    elif not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    StaticDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.token_set.all().delete()
    codes: set[str] = set()
    while len(codes) < RECOVERY_CODE_COUNT:
        codes.add(StaticToken.random_token())
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return sorted(codes)


def recovery_code_display(code: str) -> str:
    """Write a recovery code in two halves, as shown to the user: `abcd-efgh`."""
    return f"{code[:4]}-{code[4:]}" if len(code) == 8 else code


def two_factor_verify(*, actor: Actor, user: Any, token: str, kind: str = "totp") -> Device:
    """Check a code from the app (`kind="totp"`) or a recovery code; return the device.

    Logs success, recovery-code use (a used code is gone) and every failure, and raises
    DomainError with the reason. The caller binds the device to the session
    (`django_otp.login`).
    """
    device: Device | None
    if kind == "recovery":
        token = re.sub(r"[\s-]", "", token).lower()
        device = StaticDevice.objects.filter(user=user, confirmed=True).order_by("id").first()
    else:
        token = re.sub(r"\s", "", token)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-id").first()
        if not _TOTP_TOKEN.match(token):
            _refuse(actor, user, "totp", "format", "Koden ska vara sex siffror från appen.")
    if device is None:
        _refuse(actor, user, kind, "no_device", "Du har inga reservkoder. Använd appen.")
    assert device is not None
    _verify_or_refuse(actor=actor, user=user, device=device, token=token, stage=kind)
    if kind == "recovery":
        left = StaticToken.objects.filter(device=device).count()
        audit_record(
            actor=actor,
            action="auth.2fa_recovery_code_used",
            object_type="User",
            object_id=user.pk,
            detail={"codes_left": left},
        )
    else:
        audit_record(
            actor=actor,
            action="auth.2fa_verify",
            object_type="User",
            object_id=user.pk,
            detail={"device": "totp"},
        )
    return device


def _verify_or_refuse(*, actor: Actor, user: Any, device: Device, token: str, stage: str) -> None:
    """Verify `token` on `device`, or log the failure and raise DomainError.

    Runs outside any enclosing transaction of ours, so the throttling counter and the
    audit entry of a failure are kept when the error propagates.
    """
    allowed, info = device.verify_is_allowed()
    if not allowed:
        seconds = _seconds_until((info or {}).get("locked_until"))
        _refuse(
            actor,
            user,
            stage,
            "throttled",
            f"För många felaktiga koder. Vänta {seconds} sekunder och försök igen.",
        )
    if verify_token(user, device.persistent_id, token) is None:
        if stage == "recovery":
            message = "Reservkoden stämmer inte eller är redan använd."
        else:
            message = (
                "Koden stämmer inte. Ta den kod som visas i appen just nu; "
                "kontrollera att telefonens klocka går rätt."
            )
        _refuse(actor, user, stage, "wrong_code", message)


def _seconds_until(moment: Any) -> int:
    if moment is None:
        return 1
    remaining = moment - timezone.now()
    return max(1, int(remaining / timedelta(seconds=1)) + 1)


def _refuse(actor: Actor, user: Any, stage: str, reason: str, message: str) -> None:
    audit_record(
        actor=actor,
        action="auth.2fa_failed",
        object_type="User",
        object_id=user.pk,
        detail={"stage": stage, "reason": reason},
    )
    raise DomainError({"token": message})


def two_factor_reset(*, actor: Actor, user: Any) -> int:
    """Remove all of a user's two-factor devices and end all their sessions.

    For an administrator helping someone who lost both phone and recovery codes. The user
    enrols anew at the next login, so confirm who they are before you do this.
    """
    with transaction.atomic():
        removed = TOTPDevice.objects.filter(user=user).delete()[0]
        removed += StaticDevice.objects.filter(user=user).delete()[0]
        User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
        audit_record(
            actor=actor,
            action="auth.2fa_reset",
            object_type="User",
            object_id=user.pk,
            detail={"rows_removed": removed},
        )
    return removed


# --- sessions and passwords --------------------------------------------------------------


def sessions_end_everywhere(*, actor: Actor, user: Any) -> None:
    """Log the user out on every device: their sessions stop working at the next request.

    One UPDATE, whatever the number of sessions or the session backend: the generation is
    part of the hash each session carries (User.get_session_auth_hash).
    """
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
        audit_record(
            actor=actor, action="auth.logout_everywhere", object_type="User", object_id=user.pk
        )


def user_password_set(
    *, actor: Actor, user: Any, password: str, how: Literal["change", "reset"]
) -> None:
    """Set a new (already validated) password; every other session of the user ends.

    The session hash follows the password hash, so sessions elsewhere are logged out; the
    view keeps the current one with `update_session_auth_hash` after a change. A reset also
    lifts a login lockout of the username: the guesses it counted were at the old password.
    Two-factor devices stay, so the next login still asks for a code.
    """
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        unlocked = axes_reset(username=user.get_username()) if how == "reset" else 0
        audit_record(
            actor=actor,
            action="auth.password_change" if how == "change" else "auth.password_reset",
            object_type="User",
            object_id=user.pk,
            detail={"lockouts_lifted": unlocked} if unlocked else None,
        )


def password_reset_request_record(*, users: list[Any]) -> None:
    """Log that a reset link was sent to each of these accounts."""
    for user in users:
        audit_record(
            actor=Actor(user_id=None, person_id=None, on=today(), label=user.get_username()),
            action="auth.password_reset_request",
            object_type="User",
            object_id=user.pk,
        )
