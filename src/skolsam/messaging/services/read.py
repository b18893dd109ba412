"""Mark what a recipient has read, and log staff reading others' messages."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from skolsam.audit.services import audit_record
from skolsam.core.access import Actor
from skolsam.core.errors import DomainError
from skolsam.core.policy import Action
from skolsam.messaging.access import recipient_policy
from skolsam.messaging.models import Recipient


def recipient_mark_read(*, actor: Actor, recipient: Recipient) -> bool:
    """Mark a message read by its recipient (once: the first time counts); True if now."""
    recipient_policy.require(actor, Action.VIEW, recipient, "Meddelandet finns inte.")
    if recipient.read_at is not None:
        return False
    now = timezone.now()
    updated = Recipient.objects.filter(pk=recipient.pk, read_at__isnull=True).update(read_at=now)
    recipient.read_at = now
    return bool(updated)


def thread_mark_read(*, actor: Actor, thread: Any) -> int:
    """Mark every message of a thread that reached the actor as read."""
    return (
        recipient_policy.objects(actor, Action.VIEW)
        .filter(message__thread=thread, read_at__isnull=True)
        .update(read_at=timezone.now())
    )


def message_view_record(*, actor: Actor, message: Any, persons: list[Any]) -> None:
    """Log that staff other than the sender opened a message and whom it names for them."""
    if message.sender_id == actor.person_id:
        return
    audit_record(
        actor=actor,
        action="message.view",
        object_type="Message",
        object_id=message.pk,
        person_ids=[p.pk for p in persons],
    )


def message_search_record(*, actor: Actor, query: str, hits: int, persons: list[Any]) -> None:
    """Log a staff search of messages: what was asked and whom the results concern."""
    if not query:
        raise DomainError({"q": "Skriv vad du söker."})
    audit_record(
        actor=actor,
        action="message.search",
        object_type="Message",
        detail={"q": query[:200], "hits": hits},
        person_ids=[p.pk for p in persons],
    )
