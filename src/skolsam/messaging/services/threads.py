"""Conversations about one child between staff and the child's guardians.

A staff member who may locate the child starts the thread; its guardians are the adults
who receive notices for the child that day (custody holders of a minor). Staff messages
reach every guardian of the thread; a guardian's reply reaches the staff of the thread
only, so two guardians never see each other's replies (one may be protected from the
other). Replies are on or off per staff message; a guardian may reply while the latest
staff message allows it.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils.translation import gettext as _

from skolsam.audit.services import audit_record
from skolsam.core.access import Actor
from skolsam.core.errors import DomainError
from skolsam.core.models import valid_on
from skolsam.core.policy import Action
from skolsam.enrolment.models import Enrolment
from skolsam.messaging.access import child_thread_policy, thread_policy
from skolsam.messaging.models import AudienceKind, Category, Message, Thread, ThreadParticipant
from skolsam.messaging.services.audience import Reached, guardians_of
from skolsam.messaging.services.compose import _validate_text, recipients_create
from skolsam.messaging.services.delivery import deliveries_create, schedule_delivery
from skolsam.people.access import child_policy


def _me(actor: Actor) -> UUID:
    if actor.person_id is None:
        raise DomainError(_("Bara en person kan skriva meddelanden."))
    return actor.person_id


def _school_of(child: Any, actor: Actor) -> Any:
    enrolment = (
        Enrolment.objects.filter(valid_on(actor.on), person=child, cancelled=False)
        .filter(enroled_at_id__in=actor.staff_org_ids)
        .select_related("enroled_at")
        .first()
    )
    if enrolment is None:
        raise DomainError({"child": _("Eleven går inte på en skola där du arbetar.")})
    return enrolment.enroled_at


def _post(
    *,
    actor: Actor,
    thread: Thread,
    subject: str,
    body: str,
    replies_allowed: bool,
    reached: list[Reached],
    reply_to: Message | None = None,
) -> Message:
    message = Message.objects.create(
        sender_id=_me(actor),
        category=Category.CONVERSATION,
        subject=subject,
        body=body,
        audience_kind=AudienceKind.THREAD,
        organisation=thread.organisation,
        thread=thread,
        to_guardians=True,
        audience_label=_("Konversation om %(name)s") % {"name": thread.child.given_name},
        replies_allowed=replies_allowed,
        reply_to=reply_to,
    )
    rows = recipients_create(message, reached)
    deliveries_create(message, rows)
    audit_record(
        actor=actor,
        action="message.send",
        object_type="Message",
        object_id=message.pk,
        person_id=thread.child_id,
        detail={"thread": str(thread.pk), "recipients": len(reached)},
        person_ids=[r.person.pk for r in reached],
    )
    schedule_delivery(message.pk)
    return message


def thread_start(
    *, actor: Actor, child: Any, subject: str, body: str, replies_allowed: bool = True
) -> Thread:
    """Start a conversation about a child with the child's guardians."""
    child_thread_policy.require(actor, Action.CREATE, child, _("Eleven finns inte."))
    subject, body = _validate_text(subject, body)
    with transaction.atomic():
        organisation = _school_of(child, actor)
        guardians = guardians_of(child, actor.on)
        if not guardians:
            raise DomainError({"child": _("Eleven har ingen vårdnadshavare att skriva till.")})
        thread = Thread.objects.create(
            child=child, organisation=organisation, subject=subject, created_by_id=_me(actor)
        )
        ThreadParticipant.objects.bulk_create(
            [ThreadParticipant(thread=thread, person_id=_me(actor), is_staff=True)]
            + [ThreadParticipant(thread=thread, person=g, is_staff=False) for g in guardians]
        )
        _post(
            actor=actor,
            thread=thread,
            subject=subject,
            body=body,
            replies_allowed=replies_allowed,
            reached=[Reached(person=g, as_guardian=True, children=[child]) for g in guardians],
        )
    return thread


def _participants(thread: Thread, *, staff: bool) -> list[Any]:
    return [
        p.person
        for p in thread.participants.filter(is_staff=staff).select_related("person").order_by("pk")
    ]


def replies_open(thread: Thread) -> bool:
    """Tell whether the thread's latest staff message allows replies (a thread a guardian
    started by answering a letter is open until staff close it)."""
    latest = (
        thread.messages.filter(
            sender_id__in=thread.participants.filter(is_staff=True).values("person_id")
        )
        .order_by("-created")
        .first()
    )
    return latest is None or latest.replies_allowed


def thread_post(
    *, actor: Actor, thread: Thread, body: str, replies_allowed: bool = True
) -> Message:
    """Write in a thread: staff to the guardians, or a guardian to the staff."""
    thread_policy.require(actor, Action.VIEW, thread, _("Konversationen finns inte."))
    me = thread.participants.filter(person_id=_me(actor)).first()
    if me is None:
        raise DomainError(_("Du deltar inte i konversationen."))
    _subject, body = _validate_text(thread.subject, body)
    child = thread.child
    with transaction.atomic():
        if me.is_staff:
            reached = [
                Reached(person=g, as_guardian=True, children=[child])
                for g in _participants(thread, staff=False)
            ]
        else:
            # A guardian whose custody has ended, or of a child now 18, writes no more.
            if not child_policy.can(actor, Action.RECEIVE_NOTICES, child):
                raise DomainError(_("Du kan inte längre skriva i den här konversationen."))
            if not replies_open(thread):
                raise DomainError({"body": _("Det går inte att svara i den här konversationen.")})
            replies_allowed = True
            reached = [
                Reached(person=s, as_guardian=False, children=[child])
                for s in _participants(thread, staff=True)
            ]
        return _post(
            actor=actor,
            thread=thread,
            subject=thread.subject,
            body=body,
            replies_allowed=replies_allowed,
            reached=reached,
        )


def message_reply(*, actor: Actor, recipient: Any, body: str) -> Thread:
    """Answer a news item or weekly letter that allows replies: a thread with its sender.

    The thread is between the sender and this one recipient, about the child (or the
    pupil) the message reached them for; other recipients never see it.
    """
    from skolsam.messaging.access import recipient_policy

    recipient_policy.require(actor, Action.VIEW, recipient, _("Meddelandet finns inte."))
    message = recipient.message
    if not message.replies_allowed or message.thread_id is not None:
        raise DomainError({"body": _("Det går inte att svara på det här meddelandet.")})
    _subject, body = _validate_text(message.subject, body)
    if recipient.as_guardian:
        children = [c.child for c in recipient.children.select_related("child")]
        child = next(
            (c for c in children if child_policy.can(actor, Action.RECEIVE_NOTICES, c)), None
        )
    else:
        child = recipient.person
    if child is None:
        raise DomainError(_("Du kan inte längre svara på det här meddelandet."))
    subject = _("Svar: %(subject)s") % {"subject": message.subject}
    with transaction.atomic():
        thread = Thread.objects.create(
            child=child,
            organisation=message.organisation,
            subject=subject[:200],
            created_by_id=_me(actor),
        )
        ThreadParticipant.objects.bulk_create(
            [
                ThreadParticipant(thread=thread, person_id=message.sender_id, is_staff=True),
                ThreadParticipant(thread=thread, person_id=_me(actor), is_staff=False),
            ]
        )
        _post(
            actor=actor,
            thread=thread,
            subject=thread.subject,
            body=body,
            replies_allowed=True,
            reached=[Reached(person=message.sender, as_guardian=False, children=[child])],
            reply_to=message,
        )
    return thread
