"""Remind the teachers who still have grades to set in a period: the rektor's reminder.

Staff receive no messages in Skolsam today (messaging reaches guardians and pupils, and
staff only through threads with families), so the reminder is an e-mail through Django's
configured e-mail delivery, sent after the transaction commits, to the teacher's e-mail
address in the register. A teacher without an address is named in the answer, so the
rektor can reach them another way. The reminder is audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse

from skolsam.audit.services import audit_record
from skolsam.core.access import Actor
from skolsam.core.errors import DomainError
from skolsam.core.policy import Action
from skolsam.grades.access import grading_period_policy
from skolsam.grades.models import GradingPeriod
from skolsam.grades.selectors import progress_for
from skolsam.people.models import Person


@dataclass
class RemindersSent:
    sent: list[str] = field(default_factory=list)
    without_address: list[str] = field(default_factory=list)


def _email_of(person: Any) -> str | None:
    return next((e.get("value") for e in person.emails or [] if e.get("value")), None)


def grade_reminders_send(*, actor: Actor, period: GradingPeriod) -> RemindersSent:
    """E-mail each grading teacher with missing grades in the open period, once per call."""
    grading_period_policy.require(
        actor, Action.DECIDE, period, "Bara skolenhetens rektor kan skicka påminnelser."
    )
    if not period.is_open:
        raise DomainError("Betygsperioden är stängd.")
    missing: dict[Any, list[str]] = {}
    for row in progress_for(actor=actor, period=period):
        if row.missing > 0:
            for teacher_id in row.teacher_ids:
                missing.setdefault(teacher_id, []).append(
                    f"{row.activity.display_name}: {row.missing} betyg saknas"
                )
    teachers = Person.objects.filter(pk__in=list(missing)).order_by("family_name")
    out = RemindersSent()
    link = settings.SKOLSAM_PUBLIC_URL.rstrip("/") + reverse("grades:index")
    mails = []
    for teacher in teachers:
        address = _email_of(teacher)
        if address is None:
            out.without_address.append(teacher.full_name)
            continue
        out.sent.append(teacher.full_name)
        body = (
            f"Hej {teacher.given_name}!\n\nBetygsperioden ({period.get_kind_display()} "
            f"{period.semester} {period.year}) är öppen och några betyg saknas:\n\n"
            + "\n".join(f"- {line}" for line in missing[teacher.pk])
            + f"\n\nSätt betygen i betygslistan: {link}\n"
        )
        mails.append(EmailMessage(subject="Påminnelse: betyg att sätta", body=body, to=[address]))
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="grades.remind",
            object_type="GradingPeriod",
            object_id=period.pk,
            detail={"sent": len(out.sent), "without_address": len(out.without_address)},
            person_ids=[t.pk for t in teachers],
        )
        transaction.on_commit(lambda: [m.send() for m in mails])
    return out
