"""Deliver messages outside Skolsam: by e-mail, web push, and SMS for guardians without the app.

In-app delivery is the recipient row itself: the message is in the inbox the moment the
sender's transaction commits. For each recipient who can be reached outside Skolsam,
`message_send` writes one `Delivery` per channel, unique per (message, person, channel).
The background task then claims each row with a conditional update (Väntar or
Misslyckad → Skickas, counting the attempt) and only the run whose update touched the row
sends it. A retried task, or two workers running at once, therefore send nothing twice;
a row left in Skickas by a worker that died is not sent again automatically (better a
missed e-mail than a double one; the message is in the inbox either way).

Protected identity: automatic mail must not carry a protected person's data, nor go to a
protected person's address. A recipient with a security marking, or reached for a child
with one, gets the message only inside Skolsam.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, time, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from skolsam.core.choices import SecurityMarking
from skolsam.core.sms import sms_provider
from skolsam.messaging.models import (
    Category,
    Channel,
    Delivery,
    DeliveryStatus,
    Frequency,
    Message,
    Preference,
)
from skolsam.messaging.services.push import has_push, push_send
from skolsam.schedule import calendar

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


def email_of(person: Any) -> str | None:
    return next((e.get("value") for e in person.emails or [] if e.get("value")), None)


def _outside_allowed(person: Any, children: list[Any]) -> bool:
    return all(p.security_marking == SecurityMarking.INGEN for p in [person, *children])


DIGEST_TIME = time(17, 0)
# Weekly digests go on Fridays (Monday is 0).
DIGEST_WEEKDAY = 4


def digest_due(frequency: str, moment: datetime) -> datetime:
    """Return when a digest of `frequency` holding a message sent at `moment` goes."""
    day = calendar.local(moment).date()
    if frequency == Frequency.WEEKLY:
        day += timedelta(days=(DIGEST_WEEKDAY - day.weekday()) % 7)
    due = calendar.at(day, DIGEST_TIME)
    if due <= moment:
        due = calendar.at(
            day + timedelta(days=7 if frequency == Frequency.WEEKLY else 1), DIGEST_TIME
        )
    return due


def _frequencies(person_ids: list[UUID], category: str) -> dict[UUID, str]:
    if category == Category.STATUTORY:
        return {}  # always at once
    return dict(
        Preference.objects.filter(person_id__in=person_ids, category=category).values_list(
            "person_id", "frequency"
        )
    )


def mobile_of(person: Any) -> str | None:
    return next(
        (
            p.get("value")
            for p in person.phone_numbers or []
            if p.get("value") and p.get("mobile", True)
        ),
        None,
    )


def _delivery(message: Message, row: Any, channel: str, address: str, digest: str) -> Delivery:
    return Delivery(
        message=message,
        recipient=row,
        person_id=row.person_id,
        channel=channel,
        address=address,
        digest=digest,
        due_at=digest_due(digest, message.created) if digest else message.created,
    )


def deliveries_create(message: Message, recipients: list[Any]) -> int:
    """Write the deliveries outside Skolsam of freshly written recipient rows.

    Per person: e-mail to their address; web push to their browsers and installed app;
    and, for a guardian without the app (no push subscription), SMS to their mobile. E-mail
    goes at once, or waits for the person's daily or weekly digest if they chose one for
    the message's category; push and SMS go at once, and not at all for a person who
    chose a digest (the digest is what they asked for).
    """
    person_ids = [r.person_id for r in recipients]
    chosen = _frequencies(person_ids, message.category)
    with_app = has_push(person_ids)
    rows = []
    for row in recipients:
        reached = row.reached
        if not _outside_allowed(reached.person, reached.children):
            continue
        frequency = chosen.get(row.person_id, "")

        address = email_of(reached.person)
        if address:
            rows.append(_delivery(message, row, Channel.EMAIL, address, frequency))
        if frequency:
            continue
        if row.person_id in with_app:
            rows.append(_delivery(message, row, Channel.PUSH, "", ""))
        elif reached.as_guardian and (mobile := mobile_of(reached.person)):
            rows.append(_delivery(message, row, Channel.SMS, mobile, ""))
    Delivery.objects.bulk_create(rows)
    return len(rows)


def schedule_delivery(message_id: UUID) -> None:
    """Queue the message's deliveries once the sender's transaction has committed."""

    def enqueue() -> None:
        from skolsam.messaging.tasks import deliver_message_task

        deliver_message_task.enqueue(message_id=str(message_id))

    transaction.on_commit(enqueue)


def _email(delivery: Delivery) -> EmailMessage:
    message = delivery.message
    children = [c.child.given_name for c in delivery.recipient.children.all()]
    about = _("Gäller: %(names)s\n\n") % {"names": ", ".join(children)} if children else ""
    link = settings.SKOLSAM_PUBLIC_URL.rstrip("/") + reverse(
        "messaging:read", args=[delivery.recipient_id]
    )
    body = f"{message.subject}\n{message.audience_label}\n\n{about}{message.body}\n\n" + _(
        "Läs meddelandet i Skolsam: %(link)s"
    ) % {"link": link}
    # One address per e-mail: recipients never see each other.
    return EmailMessage(subject=message.subject, body=body, to=[delivery.address])


def _link(delivery: Delivery) -> str:
    return settings.SKOLSAM_PUBLIC_URL.rstrip("/") + reverse(
        "messaging:read", args=[delivery.recipient_id]
    )


def _notice_text(delivery: Delivery) -> str:
    """The short text of a push or SMS: who wrote, the subject and the link; never the body."""
    message = delivery.message
    return _("Nytt meddelande från %(sender)s: %(subject)s") % {
        "sender": message.sender.full_name,
        "subject": message.subject,
    }


def _send(delivery: Delivery) -> None:
    if delivery.channel == Channel.EMAIL:
        _email(delivery).send()
    elif delivery.channel == Channel.PUSH:
        push_send(
            person_id=delivery.person_id,
            payload={
                "title": delivery.message.subject,
                "body": _notice_text(delivery),
                "url": reverse("messaging:read", args=[delivery.recipient_id]),
            },
        )
    elif delivery.channel == Channel.SMS:
        sms_provider().send(
            to=delivery.address, text=f"{_notice_text(delivery)}\n{_link(delivery)}"
        )
    else:
        raise RuntimeError(f"Unknown channel {delivery.channel}")


def delivery_claim(delivery_id: int) -> bool:
    """Claim one delivery for this run; True only for the one run that wins it."""
    return bool(
        Delivery.objects.filter(
            pk=delivery_id,
            status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED],
            attempts__lt=MAX_ATTEMPTS,
        ).update(status=DeliveryStatus.SENDING, attempts=F("attempts") + 1)
    )


def deliver_message(*, message_id: UUID) -> int:
    """Send every pending delivery of a message that this run claims; return how many."""
    sent = 0
    pending = list(
        Delivery.objects.filter(
            message_id=message_id,
            digest="",
            status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED],
        )
        .select_related("message__sender")
        .order_by("pk")
    )
    for delivery in pending:
        if not delivery_claim(delivery.pk):
            continue
        try:
            _send(delivery)
        except Exception as exc:  # a mail server may fail in any way; record, retry later
            log.warning("Delivery %s could not be sent: %s", delivery.pk, exc)
            Delivery.objects.filter(pk=delivery.pk).update(
                status=DeliveryStatus.FAILED, error=str(exc)[:300]
            )
            continue
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.SENT, sent_at=timezone.now()
        )
        sent += 1
    return sent


def _digest_email(person_id: UUID, rows: list[Delivery]) -> EmailMessage:
    base = settings.SKOLSAM_PUBLIC_URL.rstrip("/")
    parts = []
    for d in rows:
        link = base + reverse("messaging:read", args=[d.recipient_id])
        parts.append(f"{d.message.subject}\n{d.message.audience_label}\n{link}")
    body = (
        _("Nya meddelanden i Skolsam:")
        + "\n\n"
        + "\n\n".join(parts)
        + "\n\n"
        + _("Du får en sammanfattning eftersom du valt det. Du ändrar det under Meddelanden.")
    )
    subject = _("Sammanfattning: %(n)d nya meddelanden i Skolsam") % {"n": len(rows)}
    return EmailMessage(subject=subject, body=body, to=[rows[0].address])


def send_digests(*, now: datetime | None = None) -> int:
    """Send every digest that is due: one e-mail per person and address; return how many.

    Each person's due rows are claimed by one UPDATE that stamps them with this run's
    token; the run then sends exactly the rows carrying its token. A second run at the same
    moment finds them taken (on PostgreSQL its UPDATE waits for the first and then matches
    nothing), so no message is in two digests.
    """
    moment = now or timezone.now()
    due = Delivery.objects.filter(
        ~Q(digest=""),
        status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED],
        attempts__lt=MAX_ATTEMPTS,
        due_at__lte=moment,
    )
    people = list(due.values_list("person_id", "address").distinct())
    sent = 0
    for person_id, address in people:
        token = uuid.uuid4()
        taken = due.filter(person_id=person_id, address=address).update(
            status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, claim=token
        )
        if not taken:
            continue
        rows = list(
            Delivery.objects.filter(claim=token, status=DeliveryStatus.SENDING)
            .select_related("message")
            .order_by("message__created", "pk")
        )
        try:
            _digest_email(person_id, rows).send()
        except Exception as exc:  # a mail server may fail in any way; record, retry later
            log.warning("Digest for %s could not be sent: %s", person_id, exc)
            Delivery.objects.filter(claim=token).update(
                status=DeliveryStatus.FAILED, error=str(exc)[:300]
            )
            continue
        Delivery.objects.filter(claim=token).update(
            status=DeliveryStatus.SENT, sent_at=timezone.now()
        )
        sent += 1
    return sent
