"""Read messages: a person's inbox, a staff member's sent list, recipients, threads, search.

Every read starts from a policy in `messaging.access`; what staff are shown of recipients
passes `recipients_shown_to`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects

from skolsam.core.access import Actor
from skolsam.core.policy import Action
from skolsam.messaging.access import (
    attachment_policy,
    message_policy,
    recipient_policy,
    recipients_shown_to,
    thread_policy,
)
from skolsam.messaging.models import (
    Attachment,
    Message,
    Recipient,
    RecipientChild,
    Thread,
)

INBOX_LIMIT = 100


def _with_children(qs: QuerySet[Recipient]) -> QuerySet[Recipient]:
    return qs.prefetch_related(
        Prefetch(
            "children",
            queryset=RecipientChild.objects.select_related("child").order_by(
                "child__given_name", "child_id"
            ),
        )
    )


def inbox(actor: Actor, *, child_id: UUID | None = None) -> list[Recipient]:
    """Return what reached the actor, newest first, each with the children it concerns."""
    qs = recipient_policy.objects(actor, Action.VIEW)
    if child_id is not None:
        qs = qs.filter(children__child_id=child_id)
    return list(
        _with_children(qs.select_related("message__sender", "message__thread")).order_by(
            "-created", "-pk"
        )[:INBOX_LIMIT]
    )


def unread_by_child(actor: Actor, day: date) -> dict[UUID | None, int]:
    """Count unread messages per child (None: the actor's own, not about a child).

    For the portal's start cards (`portal_sections.SECTIONS`).
    """
    counts: dict[UUID | None, int] = defaultdict(int)
    unread = recipient_policy.objects(actor, Action.VIEW).filter(read_at__isnull=True)
    labelled = unread.filter(children__isnull=False).values_list("children__child_id", flat=True)
    for child_id in labelled:
        counts[child_id] += 1
    counts[None] += unread.filter(children__isnull=True).count()
    return dict(counts)


def recipient_for_actor(actor: Actor, recipient_id: Any) -> Recipient:
    """Return one of the actor's own received messages; 404 for anyone else's."""
    found = recipient_policy.get(actor, Action.VIEW, recipient_id, "Meddelandet finns inte.")
    prefetch_related_objects(
        [found],
        "message__sender",
        Prefetch(
            "children",
            queryset=RecipientChild.objects.select_related("child").order_by(
                "child__given_name", "child_id"
            ),
        ),
    )
    return found


def sent_messages(actor: Actor) -> list[Message]:
    """Return the messages the actor sent outside threads, newest first."""
    if actor.person_id is None:
        return []
    return list(
        message_policy.objects(actor, Action.VIEW)
        .filter(sender_id=actor.person_id, thread__isnull=True)
        .order_by("-created")[:INBOX_LIMIT]
    )


def message_for_actor(actor: Actor, message_id: Any) -> Message:
    return message_policy.get(actor, Action.VIEW, message_id, "Meddelandet finns inte.")


@dataclass
class Shown:
    person: Any
    as_guardian: bool
    children: list[Any]
    read_at: Any


def recipients_for_staff(actor: Actor, message: Message) -> list[Shown]:
    """Return the recipients of a message a staff member may be shown, with read status."""
    rows = _with_children(message.recipients.select_related("person")).order_by(
        "person__family_name", "person__given_name", "pk"
    )
    items = [
        Shown(r.person, r.as_guardian, [c.child for c in r.children.all()], r.read_at) for r in rows
    ]
    return recipients_shown_to(actor, items)


def threads_for_actor(actor: Actor) -> list[Thread]:
    """Return the threads the actor takes part in (an administrator reaches the others of
    the school by search, which is logged)."""
    if actor.person_id is None:
        return []
    return list(
        thread_policy.objects(actor, Action.VIEW)
        .filter(participants__person_id=actor.person_id)
        .select_related("child")
        .order_by("-created")[:INBOX_LIMIT]
    )


def thread_for_actor(actor: Actor, thread_id: Any) -> Thread:
    return thread_policy.get(actor, Action.VIEW, thread_id, "Konversationen finns inte.")


def thread_messages(actor: Actor, thread: Thread) -> list[Message]:
    """Return the messages of a thread the actor may read: staff all, a guardian the staff's
    messages and their own (guardians never see each other's replies)."""
    qs = thread.messages.select_related("sender").order_by("created", "pk")
    me = actor.person_id
    if me is None:
        return []
    staff = thread.participants.filter(person_id=me, is_staff=True).exists()
    if staff or thread.organisation_id in actor.admin_org_ids:
        return list(qs)
    return list(qs.filter(Q(sender_id=me) | Q(recipients__person_id=me)).distinct())


def message_search(actor: Actor, query: str) -> list[Message]:
    """Return messages the actor may search whose subject or text holds every word."""
    qs = message_policy.objects(actor, Action.VIEW)
    for word in query.split()[:8]:
        qs = qs.filter(Q(subject__icontains=word) | Q(body__icontains=word))
    return list(qs.select_related("sender", "thread__child").order_by("-created")[:INBOX_LIMIT])


def pending_attachments(actor: Actor, ids: list[UUID]) -> list[Attachment]:
    """Return the actor's own uploaded files not yet sent, of those ids."""
    if not ids or actor.person_id is None:
        return []
    return list(
        attachment_policy.objects(actor, Action.VIEW).filter(
            pk__in=ids, owner_id=actor.person_id, message__isnull=True
        )
    )


def attachment_for_actor(actor: Actor, attachment_id: Any) -> Attachment:
    """Return a file of a message the actor received or may read as staff, or their own
    unsent upload; 404 for every other, as for a missing one."""
    return attachment_policy.get(actor, Action.VIEW, attachment_id, "Filen finns inte.")


def persons_with_reminder(reminder: str, person_ids: Iterable[UUID]) -> set[UUID]:
    """Return those of `person_ids` who turned the optional `reminder` on; one query."""
    from skolsam.messaging.models import ReminderChoice

    return set(
        ReminderChoice.objects.filter(
            reminder=reminder, person_id__in=list(person_ids)
        ).values_list("person_id", flat=True)
    )
