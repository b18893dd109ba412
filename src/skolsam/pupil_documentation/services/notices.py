"""Send staff a statutory notice about a pupil-documentation record, through messaging.

One place for what the reminders, the special-support reports and the offensive-treatment
reports each did alike: a message addressed to the unit's staff (never to guardians or
pupils), one recipient row per person reached, the deliveries and their task.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from skolsam.messaging.models import AudienceKind, Category, Message
from skolsam.messaging.services.audience import Reached
from skolsam.messaging.services.compose import recipients_create
from skolsam.messaging.services.delivery import deliveries_create, schedule_delivery


def staff_notice_send(
    *,
    sender_id: Any,
    organisation_id: Any,
    subject: str,
    body: str,
    label: str,
    recipients: Sequence[Any],
    child: Any = None,
) -> Message:
    """Write the notice to `recipients` (persons), about `child` where one is named."""
    message = Message.objects.create(
        sender_id=sender_id,
        category=Category.STATUTORY,
        subject=subject[:200],
        body=body,
        audience_kind=AudienceKind.ORGANISATION,
        organisation_id=organisation_id,
        to_guardians=False,
        to_pupils=False,
        audience_label=label[:200],
    )
    children = [child] if child is not None else []
    rows = recipients_create(
        message, [Reached(person=p, as_guardian=False, children=children) for p in recipients]
    )
    deliveries_create(message, rows)
    schedule_delivery(message.pk)
    return message
