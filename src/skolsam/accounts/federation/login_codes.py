"""One-time login codes for guardians without e-ID: the manual path.

A school administrator checks the guardian's identity at the school (an ID document), then
issues a code (`login_code_issue`); it goes by SMS to the mobile number the register has
for the guardian, never to a number typed at the counter. The guardian enters their
personnummer and the code once (`login_code_redeem`) and is logged in that one time; to log
in again they need a new code, or a password the administrator sets up for them
(README, "Vårdnadshavare utan e-legitimation"). A code is eight digits, lives
SKOLSAM_LOGIN_CODE_MINUTES minutes, works once and for at most five tries; issuing a new
one voids the old. Only a hash is stored.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone

from skolsam.accounts.actor import actor_for_person
from skolsam.accounts.federation.services import (
    FederatedIdentity,
    LoginRefused,
    Method,
    federated_login_resolve,
    login_refusal_record,
    method_offered,
    person_huvudman_ids,
)
from skolsam.accounts.models import LoginCode, User
from skolsam.audit.services import audit_record
from skolsam.core.access import Actor, system_actor
from skolsam.core.choices import SecurityMarking
from skolsam.core.errors import DomainError
from skolsam.core.policy import Action
from skolsam.core.sms import sms_provider
from skolsam.people import civicno
from skolsam.people.access import person_policy

MAX_ATTEMPTS = 5
CODE_DIGITS = 8


def _mobile(person: Any) -> str:
    return next(
        (
            str(p.get("value"))
            for p in person.phone_numbers or []
            if p.get("value") and p.get("mobile", True)
        ),
        "",
    )


def login_code_issue(*, actor: Actor, person: Any) -> LoginCode:
    """Send a guardian a one-time login code by SMS, after their identity was checked.

    Only an administrator who may change the guardian's register data issues one, for a
    guardian whose huvudman offers the manual path and who has a mobile number.
    """
    # person_policy's CHANGE is an administrator's (may_edit_person), or the system's.
    if not person_policy.can(actor, Action.CHANGE, person):
        raise DomainError("Du får inte skicka en inloggningskod till den här personen.")
    target = actor_for_person(person.pk)
    if not target.responsible_for_ids:
        raise DomainError(
            "Engångskoder är till för vårdnadshavare. Personen är inte vårdnadshavare för "
            "något barn i registret."
        )
    if not method_offered(
        method=Method.ONE_TIME_CODE, huvudman_ids=person_huvudman_ids(person.pk, actor=target)
    ):
        raise DomainError("Huvudmannen erbjuder inte inloggning med engångskod.")
    if person.security_marking != SecurityMarking.INGEN:
        # As for absence notices: nothing about a protected person leaves Skolsam by SMS.
        raise DomainError(
            "Vårdnadshavaren har skyddade personuppgifter: engångskod med sms skickas inte. "
            "Hjälp hen att logga in med e-legitimation, eller ge ett lösenord på plats."
        )
    mobile = _mobile(person)
    if not mobile:
        raise DomainError(
            {
                "phone_numbers": "Vårdnadshavaren har inget mobilnummer i registret. "
                "Lägg in numret först."
            }
        )
    code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
    minutes = settings.SKOLSAM_LOGIN_CODE_MINUTES
    with transaction.atomic():
        now = timezone.now()
        LoginCode.objects.filter(person=person, used_at__isnull=True).update(used_at=now)
        login_code = LoginCode.objects.create(
            person=person,
            code_hash=make_password(code),
            issued_by_id=actor.person_id,
            expires_at=now + timedelta(minutes=minutes),
        )
        audit_record(
            actor=actor,
            action="auth.login_code_issued",
            object_type="Person",
            object_id=person.pk,
            person_id=person.pk,
            detail={"minutes": minutes},
        )
        text = (
            f"Din engångskod för att logga in i Skolsam: {code}\n"
            f"Den gäller i {minutes} minuter och bara en gång. "
            "Skolan ringer eller sms:ar aldrig och frågar efter koden."
        )
        transaction.on_commit(lambda: sms_provider().send(to=mobile, text=text))
    return login_code


def login_code_redeem(*, civic_no: str, code: str) -> User:
    """Return the guardian's login for a valid code; raise DomainError or LoginRefused.

    Every try is audited; a wrong code counts against the code, and after five it is void.
    """
    try:
        number = civicno.parse(civic_no).value
    except civicno.CivicNoError as error:
        raise DomainError({"civic_no": str(error)}) from None
    cleaned = "".join(c for c in code if c.isdigit())
    if len(cleaned) != CODE_DIGITS:
        raise DomainError({"code": f"Koden är {CODE_DIGITS} siffror."})
    wrong = DomainError({"code": "Koden stämmer inte eller har gått ut. Be skolan om en ny kod."})
    system = system_actor("inloggning:engångskod")
    person = person_policy.objects(system, Action.VIEW).filter(civic_no=number).first()
    if person is None:
        login_refusal_record(method=Method.ONE_TIME_CODE, reason="unknown", civic_no=number)
        raise wrong
    # The failed try is written and committed before the refusal is raised.
    accepted = False
    with transaction.atomic():
        now = timezone.now()
        login_code = (
            LoginCode.objects.select_for_update()
            .filter(person=person, used_at__isnull=True, expires_at__gt=now)
            .order_by("-issued_at")
            .first()
        )
        if login_code is None:
            login_refusal_record(
                method=Method.ONE_TIME_CODE,
                reason="invalid_identity",
                person_id=person.pk,
                detail={"code": "none_valid"},
            )
        elif not check_password(cleaned, login_code.code_hash):
            login_code.failed_attempts += 1
            if login_code.failed_attempts >= MAX_ATTEMPTS:
                login_code.used_at = now
            login_code.save(update_fields=["failed_attempts", "used_at"])
            login_refusal_record(
                method=Method.ONE_TIME_CODE,
                reason="invalid_identity",
                person_id=person.pk,
                detail={"code": "wrong", "attempts": login_code.failed_attempts},
            )
        else:
            login_code.used_at = now
            login_code.save(update_fields=["used_at"])
            accepted = True
    if not accepted:
        raise wrong
    identity = FederatedIdentity(method=Method.ONE_TIME_CODE, issuer="skolsam", civic_no=number)
    return federated_login_resolve(identity=identity)


__all__ = ["LoginRefused", "login_code_issue", "login_code_redeem"]
