"""Compose and send a message to an explicit audience: preview first, then send.

`message_preview` resolves the audience as `message_send` will and returns what the
sender may be shown: the audience's name, and the recipients (and their number) the
sender may locate. `message_send` checks the sender's right to the audience again, writes
the message, one recipient row per person (siblings once, every child labelled), one
delivery row per person and outside channel, and the audit entry, in one transaction;
the deliveries go after commit, in a background task (`tasks.deliver_message_task`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skolsam.audit.services import audit_record
from skolsam.core.access import Actor
from skolsam.core.errors import DomainError
from skolsam.core.policy import Action
from skolsam.messaging.access import (
    group_audience_policy,
    organisation_audience_policy,
    recipients_shown_to,
)
from skolsam.messaging.models import Attachment, AudienceKind, Category, Message, Recipient
from skolsam.messaging.services.audience import (
    Reached,
    pupils_of_group,
    pupils_of_organisation,
    reach,
)
from skolsam.messaging.services.delivery import deliveries_create, schedule_delivery

SUBJECT_MAX = 200
BODY_MAX = 20000


@dataclass
class Audience:
    kind: str
    group: Any | None
    organisation: Any
    to_guardians: bool
    to_pupils: bool

    @property
    def label(self) -> str:
        name = self.group.display_name if self.group else self.organisation.display_name
        if self.to_guardians and self.to_pupils:
            return _("Vårdnadshavare och elever i %(name)s") % {"name": name}
        if self.to_pupils:
            return _("Elever i %(name)s") % {"name": name}
        return _("Vårdnadshavare i %(name)s") % {"name": name}


@dataclass
class Preview:
    audience: Audience
    shown: list[Reached]

    @property
    def label(self) -> str:
        return self.audience.label


def audience_build(
    *,
    actor: Actor,
    group: Any | None,
    organisation: Any | None,
    to_guardians: bool,
    to_pupils: bool,
) -> Audience:
    """Check the sender's right to the audience; refuse with the field that is wrong."""
    if not to_guardians and not to_pupils:
        raise DomainError({"to_guardians": _("Välj vårdnadshavare, elever eller båda.")})
    if group is not None:
        group_audience_policy.require(
            actor, Action.CREATE, group, {"audience": _("Du kan inte skicka till den gruppen.")}
        )
        return Audience(AudienceKind.GROUP, group, group.organisation, to_guardians, to_pupils)
    if organisation is not None:
        organisation_audience_policy.require(
            actor,
            Action.CREATE,
            organisation,
            {"audience": _("Du kan inte skicka till den enheten.")},
        )
        return Audience(AudienceKind.ORGANISATION, None, organisation, to_guardians, to_pupils)
    raise DomainError({"audience": _("Välj vilka meddelandet ska gå till.")})


def _reached(audience: Audience, actor: Actor) -> list[Reached]:
    if audience.group is not None:
        pupils = pupils_of_group(audience.group.pk, actor.on)
    else:
        pupils = pupils_of_organisation(audience.organisation.pk, actor.on)
    return reach(
        pupils, day=actor.on, to_guardians=audience.to_guardians, to_pupils=audience.to_pupils
    )


def message_preview(*, actor: Actor, audience: Audience) -> Preview:
    """Return what the sender may see of the audience before sending."""
    return Preview(audience=audience, shown=recipients_shown_to(actor, _reached(audience, actor)))


def _validate_text(subject: str, body: str) -> tuple[str, str]:
    subject, body = subject.strip(), body.strip()
    errors = {}
    if not subject:
        errors["subject"] = _("Skriv en rubrik.")
    elif len(subject) > SUBJECT_MAX:
        errors["subject"] = _("Rubriken får vara högst %(n)d tecken.") % {"n": SUBJECT_MAX}
    if not body:
        errors["body"] = _("Skriv ett meddelande.")
    elif len(body) > BODY_MAX:
        errors["body"] = _("Meddelandet får vara högst %(n)d tecken.") % {"n": BODY_MAX}
    if errors:
        raise DomainError(errors)
    return subject, body


def recipients_create(message: Message, reached: list[Reached]) -> list[Recipient]:
    """Write one recipient row per person and label each with its children."""
    from skolsam.messaging.models import RecipientChild

    now = timezone.now()
    rows = Recipient.objects.bulk_create(
        [
            Recipient(message=message, person=r.person, as_guardian=r.as_guardian, created=now)
            for r in reached
        ]
    )
    RecipientChild.objects.bulk_create(
        [
            RecipientChild(recipient=row, child=child)
            for row, r in zip(rows, reached, strict=True)
            for child in r.children
        ]
    )
    for row, r in zip(rows, reached, strict=True):
        row.reached = r  # type: ignore[attr-defined]
    return rows


def message_send(
    *,
    actor: Actor,
    audience: Audience,
    category: str,
    subject: str,
    body: str,
    replies_allowed: bool = False,
    attachment_ids: Sequence[UUID] = (),
) -> Message:
    """Send a news item or weekly letter to an audience; deliveries follow after commit.

    `attachment_ids` are files the sender uploaded for it (`attachments_upload`) and not yet
    sent with another message; anyone else's are refused like missing ones.
    """
    if actor.person_id is None:
        raise DomainError(_("Bara en person kan skicka meddelanden."))
    if category not in (Category.NEWS, Category.WEEKLY_LETTER):
        raise DomainError({"category": _("Välj nyhet eller veckobrev.")})
    subject, body = _validate_text(subject, body)
    # Checked again here, not only when the audience was built: the service is the gate.
    audience = audience_build(
        actor=actor,
        group=audience.group,
        organisation=None if audience.group else audience.organisation,
        to_guardians=audience.to_guardians,
        to_pupils=audience.to_pupils,
    )
    with transaction.atomic():
        reached = _reached(audience, actor)
        if not reached:
            raise DomainError({"audience": _("Det finns ingen att skicka till i den gruppen.")})
        message = Message.objects.create(
            sender_id=actor.person_id,
            category=category,
            subject=subject,
            body=body,
            audience_kind=audience.kind,
            group=audience.group,
            organisation=audience.organisation,
            to_guardians=audience.to_guardians,
            to_pupils=audience.to_pupils,
            audience_label=audience.label,
            replies_allowed=replies_allowed,
        )
        if attachment_ids:
            taken = Attachment.objects.filter(
                pk__in=list(attachment_ids), owner_id=actor.person_id, message__isnull=True
            ).update(message=message)
            if taken != len(set(attachment_ids)):
                raise DomainError({"attachments": _("En bifogad fil finns inte längre.")})
        rows = recipients_create(message, reached)
        deliveries_create(message, rows)
        concerned = {r.person.pk for r in reached} | {c.pk for r in reached for c in r.children}
        audit_record(
            actor=actor,
            action="message.send",
            object_type="Message",
            object_id=message.pk,
            detail={
                "audience": audience.label,
                "category": category,
                "recipients": len(reached),
            },
            person_ids=sorted(concerned, key=str),
        )
        schedule_delivery(message.pk)
    return message
