"""Read an account's two-factor state: whether it needs 2FA and what it has enrolled."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from skolsam.audit.access import audit_policy
from skolsam.core.access import ADMIN_ROLES, SCHOOL_WIDE_ROLES, Actor
from skolsam.core.policy import Action
from skolsam.organisations.access import organisation_policy

# Roles whose holders reach sensitive data about many pupils: administrators and rektorer
# (ADMIN_ROLES) and pupil health and guidance (the rest of SCHOOL_WIDE_ROLES).
SENSITIVE_ROLES = frozenset(ADMIN_ROLES | SCHOOL_WIDE_ROLES)


def two_factor_required(*, user: Any, actor: Actor) -> bool:
    """Tell whether `user` must use two-factor authentication to use Skolsam at all.

    Required for everyone who can reach sensitive data beyond their own groups or children:
    administrators and rektorer, pupil health and guidance (they see a whole school), staff
    named for a protected person, auditors of the log, and accounts holding any Django
    permission or superuser status (they can, e.g., issue API clients or repair data in the
    admin). The register decides, today: a teacher made rektor must enrol at the next
    request. Teachers, guardians and pupils may enrol of their own accord.
    """
    if not user.is_authenticated:
        return False
    if user.is_superuser or audit_policy.any(actor, Action.VIEW):
        return True
    # Administrators are school-wide staff too (core.access.SCHOOL_WIDE_ROLES).
    if organisation_policy.any(actor, Action.VIEW_PUPILS) or actor.authorised_protected_ids:
        return True
    if actor.roles & SENSITIVE_ROLES:
        return True
    # Permissions are cached on the user; actor_for_user has usually loaded them already.
    return bool(user.get_all_permissions())


def totp_device_for(user: Any) -> TOTPDevice | None:
    """Return the user's confirmed authenticator-app device, if enrolled."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-id").first()


def has_totp_device(user: Any) -> bool:
    """Tell whether the user has enrolled an authenticator app."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_code_count(user: Any) -> int:
    """Return how many unused recovery codes the user has left."""
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@dataclass(frozen=True)
class TwoFactorStatus:
    required: bool
    enrolled: bool
    verified: bool
    recovery_codes_left: int


def two_factor_status(*, user: Any, actor: Actor) -> TwoFactorStatus:
    """Return what the account page shows about the user's two-factor authentication."""
    return TwoFactorStatus(
        required=two_factor_required(user=user, actor=actor),
        enrolled=has_totp_device(user),
        verified=bool(getattr(user, "is_verified", lambda: False)()),
        recovery_codes_left=recovery_code_count(user),
    )
