"""Match a federated identity to a Person and their login, or refuse; audit both.

An identity is matched, never trusted to create a person: the asserted personnummer
(normalised by `people.civicno`) must be a Person in the register, and the eduPersonPrincipalName
of a Skolfederation login must be on an account (`User.edu_person_principal_name`).
A guardian or pupil in the register without a login gets one at their first e-ID
login; staff accounts are made by administrators, so a staff member without one is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal
from uuid import UUID

from django.db import transaction

from skolsam.accounts.access import eppn_policy, login_methods_policy
from skolsam.accounts.actor import actor_for_person
from skolsam.accounts.models import LoginMethods, StrongLoginDevice, User
from skolsam.audit.services import audit_record
from skolsam.core.access import Actor, system_actor
from skolsam.core.dates import today
from skolsam.core.errors import DomainError
from skolsam.core.models import valid_on
from skolsam.core.policy import Action
from skolsam.duties.models import Duty
from skolsam.enrolment.models import Enrolment, Placement
from skolsam.people import civicno
from skolsam.people.access import person_policy


class Method(StrEnum):
    SWEDEN_CONNECT = "sweden_connect"
    OIDC = "oidc"
    SKOLFEDERATION = "skolfederation"
    ONE_TIME_CODE = "one_time_code"


# The LoginMethods flag that offers each method.
_METHOD_FLAG = {
    Method.SWEDEN_CONNECT: "e_legitimation",
    Method.OIDC: "e_legitimation",
    Method.SKOLFEDERATION: "skolfederation",
    Method.ONE_TIME_CODE: "one_time_code",
}

Reason = Literal[
    "invalid_identity",  # the assertion or token was refused, or named no usable identity
    "unknown",  # no person in the register (or none with a current tie to a school)
    "no_account",  # a staff member without a login: administrators make those
    "method_not_offered",  # the person's huvudman does not offer this way of logging in
    "inactive",  # the account is switched off
]


class LoginRefused(Exception):
    """A federated login that may not go on; `reason` picks the page the user sees."""

    def __init__(self, reason: Reason, *, method: Method, person_id: UUID | None = None):
        super().__init__(reason)
        self.reason: Reason = reason
        self.method = method
        self.person_id = person_id


@dataclass(frozen=True)
class FederatedIdentity:
    """What a federation asserted about the person logging in."""

    method: Method
    issuer: str
    civic_no: str = ""
    eppn: str = ""
    # Counts as two-factor: an e-ID at LoA3, or a Skolfederation login with an MFA context.
    strong: bool = False
    detail: dict[str, Any] = field(default_factory=dict)


def _masked(civic_no: str) -> str:
    """Keep the birth date of an unmatched number, not the whole number, in the log."""
    digits = "".join(c for c in civic_no if c.isalnum())
    return f"{digits[:-4]}XXXX" if len(digits) > 4 else ""


def _actor(label: str, person_id: UUID | None = None, user_id: int | None = None) -> Actor:
    return Actor(user_id=user_id, person_id=person_id, on=today(), label=label[:200])


def login_refusal_record(
    *,
    method: Method,
    reason: Reason,
    issuer: str = "",
    person_id: UUID | None = None,
    civic_no: str = "",
    eppn: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    """Log a refused federated login, under the person when one was matched."""
    audit_record(
        actor=_actor(f"{method}:{issuer}" if issuer else str(method), person_id),
        action="auth.federated_refused",
        object_type="Person" if person_id else "User",
        object_id=person_id,
        person_id=person_id,
        detail={
            "method": str(method),
            "reason": reason,
            "issuer": issuer,
            **({"civic_no": _masked(civic_no)} if civic_no and not person_id else {}),
            **({"eppn": eppn} if eppn else {}),
            **(detail or {}),
        },
    )


def person_huvudman_ids(person_id: UUID, *, actor: Actor) -> set[UUID]:
    """Return the huvudmän a person answers to today: where they work, study or have a child."""
    day = actor.on
    whom = {person_id} | set(actor.responsible_for_ids)
    ids: set[Any] = set(
        Duty.objects.filter(valid_on(day), person_id=person_id).values_list(
            "duty_at__huvudman_id", flat=True
        )
    )
    ids |= set(
        Enrolment.objects.filter(valid_on(day), person_id__in=whom).values_list(
            "enroled_at__huvudman_id", flat=True
        )
    )
    ids |= set(
        Placement.objects.filter(valid_on(day), child_id__in=whom).values_list(
            "placed_at__huvudman_id", flat=True
        )
    )
    ids.discard(None)
    return ids


def method_offered(*, method: Method, huvudman_ids: set[UUID]) -> bool:
    """Say whether any of the huvudmän offers `method` (a huvudman without settings offers all)."""
    if not huvudman_ids:
        return False
    flag = _METHOD_FLAG[method]
    settings_by_huvudman = dict(
        LoginMethods.objects.filter(huvudman_id__in=huvudman_ids).values_list("huvudman_id", flag)
    )
    return any(settings_by_huvudman.get(h, True) for h in huvudman_ids)


def _is_pupil(person_id: UUID, day: Any) -> bool:
    return (
        Enrolment.objects.filter(valid_on(day), person_id=person_id).exists()
        or Placement.objects.filter(valid_on(day), child_id=person_id).exists()
    )


def federated_login_resolve(*, identity: FederatedIdentity) -> User:
    """Find the account `identity` logs in to, creating one for a guardian or pupil; or refuse.

    Raises LoginRefused after writing `auth.federated_refused`; the caller logs the user in
    with `federated_login_complete`.
    """
    method = identity.method
    refuse_args: dict[str, Any] = {
        "method": method,
        "issuer": identity.issuer,
        "civic_no": identity.civic_no,
        "eppn": identity.eppn,
    }
    if method == Method.SKOLFEDERATION:
        user = (
            User.objects.filter(edu_person_principal_name=identity.eppn).first()
            if identity.eppn
            else None
        )
        if user is None or user.person_id is None:
            login_refusal_record(reason="unknown", **refuse_args)
            raise LoginRefused("unknown", method=method)
        person_id = user.person_id
    else:
        try:
            number = civicno.parse(identity.civic_no).value
        except civicno.CivicNoError:
            login_refusal_record(reason="invalid_identity", **refuse_args)
            raise LoginRefused("invalid_identity", method=method) from None
        system = system_actor(f"inloggning:{method}")
        person = (
            person_policy.objects(system, Action.VIEW)
            .filter(civic_no=number)
            .only("pk", "given_name", "family_name")
            .first()
        )
        if person is None:
            login_refusal_record(reason="unknown", **refuse_args)
            raise LoginRefused("unknown", method=method)
        person_id = person.pk
        user = User.objects.filter(person_id=person_id).first()

    actor = actor_for_person(person_id)
    huvudman_ids = person_huvudman_ids(person_id, actor=actor)
    if not huvudman_ids:
        # In the register, but with no current tie to any school (custody ended, left school).
        login_refusal_record(reason="unknown", person_id=person_id, **refuse_args)
        raise LoginRefused("unknown", method=method, person_id=person_id)
    if not method_offered(method=method, huvudman_ids=huvudman_ids):
        login_refusal_record(reason="method_not_offered", person_id=person_id, **refuse_args)
        raise LoginRefused("method_not_offered", method=method, person_id=person_id)
    if user is None:
        if not (actor.responsible_for_ids or _is_pupil(person_id, actor.on)):
            login_refusal_record(reason="no_account", person_id=person_id, **refuse_args)
            raise LoginRefused("no_account", method=method, person_id=person_id)
        user = _account_create(person_id=person_id, method=method, issuer=identity.issuer)
    if not user.is_active:
        login_refusal_record(reason="inactive", person_id=person_id, **refuse_args)
        raise LoginRefused("inactive", method=method, person_id=person_id)
    return user


def _account_create(*, person_id: UUID, method: Method, issuer: str) -> User:
    """Make the login of a guardian or pupil at their first e-ID login: no password."""
    with transaction.atomic():
        user = User(username=f"e-{person_id.hex[:16]}", person_id=person_id)
        user.set_unusable_password()
        user.save()
        audit_record(
            actor=_actor(f"{method}:{issuer}", person_id, user.pk),
            action="auth.federated_account_created",
            object_type="User",
            object_id=user.pk,
            person_id=person_id,
            detail={"method": str(method), "issuer": issuer},
        )
    return user


def federated_login_record(*, user: User, identity: FederatedIdentity) -> None:
    """Log a federated login under the person."""
    audit_record(
        actor=_actor(user.get_username(), user.person_id, user.pk),
        action="auth.federated_login",
        object_type="User",
        object_id=user.pk,
        person_id=user.person_id,
        detail={
            "method": str(identity.method),
            "issuer": identity.issuer,
            "strong": identity.strong,
            **identity.detail,
        },
    )


def strong_login_device(*, user: User) -> StrongLoginDevice:
    """Return the device that binds a strong (e-ID) login to the session for django-otp."""
    device, _ = StrongLoginDevice.objects.get_or_create(
        user=user, defaults={"name": "E-legitimation", "confirmed": True}
    )
    return device


def user_eppn_set(*, actor: Actor, user: User, eppn: str) -> None:
    """Record the eduPersonPrincipalName a Skolfederation login of `user` is matched to."""
    if not eppn_policy.can(actor, Action.CHANGE, user):
        raise DomainError("Bara en systemåtgärd eller Django-admin sätter ePPN.")
    eppn = eppn.strip()
    if eppn and User.objects.filter(edu_person_principal_name=eppn).exclude(pk=user.pk).exists():
        raise DomainError({"edu_person_principal_name": "ePPN:et hör redan till ett annat konto."})
    with transaction.atomic():
        before = user.edu_person_principal_name
        user.edu_person_principal_name = eppn or None
        user.save(update_fields=["edu_person_principal_name"])
        audit_record(
            actor=actor,
            action="auth.eppn_set",
            object_type="User",
            object_id=user.pk,
            person_id=user.person_id,
            changes={"edu_person_principal_name": [before, user.edu_person_principal_name]},
        )


def login_methods_set(
    *,
    actor: Actor,
    huvudman: Any,
    e_legitimation: bool | None = None,
    skolfederation: bool | None = None,
    one_time_code: bool | None = None,
) -> LoginMethods:
    """Choose which ways of logging in a huvudman offers; a central administrator's decision."""
    if not login_methods_policy.can(actor, Action.CHANGE, huvudman):
        raise DomainError("Bara huvudmannens centrala administratörer ändrar inloggningssätten.")
    if huvudman.huvudman_id not in (None, huvudman.pk):
        raise DomainError({"huvudman": "Inloggningssätt väljs för en huvudman, inte för en skola."})
    with transaction.atomic():
        row, _ = LoginMethods.objects.select_for_update().get_or_create(huvudman=huvudman)
        before = {f: getattr(row, f) for f in ("e_legitimation", "skolfederation", "one_time_code")}
        for name, value in (
            ("e_legitimation", e_legitimation),
            ("skolfederation", skolfederation),
            ("one_time_code", one_time_code),
        ):
            if value is not None:
                setattr(row, name, value)
        row.save()
        after = {f: getattr(row, f) for f in before}
        audit_record(
            actor=actor,
            action="auth.login_methods_set",
            object_type="Organisation",
            object_id=huvudman.pk,
            changes={k: [before[k], after[k]] for k in before if before[k] != after[k]},
        )
    return row
