"""Decide who may send to which audience, and who may read which message.

Sending (`Action.CREATE` on the audience):
- a group (class, teaching group, preschool department): staff who teach it or hold an
  assignment role in it (mentor), and the administrators of its organisation;
- an organisation (a school unit, or a whole subtree): its administrators (rektor,
  skoladministratör; a central administrator for the huvudman's tree);
- a thread about one child: staff who may see the child and the child's location
  (a protected child only for named staff).

Reading: a recipient reads what reached them (`recipient_policy`); staff read a message
they sent, one in a thread they take part in, and, as authorised staff who may search,
every message to an audience in an organisation they administer (`message_policy`).
A thread about a protected child stays out of everyone's reach who may not locate her.

What the sender sees of the recipients (the preview, the recipient list, read receipts,
search) is `recipients_shown_to`: a recipient is named and counted only when the sender
may locate them and at least one child they were reached for, so "Elsa's guardian got the
7B letter" never shows to a sender not named for Elsa.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet

from skolsam.core.access import Actor, located, may_see_location
from skolsam.core.policy import Action, Policy
from skolsam.groups.models import Group
from skolsam.messaging.models import Attachment, Message, Recipient, Thread
from skolsam.organisations.models import Organisation
from skolsam.people.access import persons_visible_to


class GroupAudiencePolicy(Policy[Group]):
    """Who may send to a group's guardians and pupils (CREATE)."""

    model = Group
    actions = frozenset({Action.CREATE})

    def allows(self, actor: Actor, action: Action, obj: Any) -> bool:
        return obj.pk in actor.group_ids or obj.organisation_id in actor.admin_org_ids

    def scope(self, actor: Actor, action: Action) -> QuerySet[Group]:
        return Group.objects.filter(
            Q(pk__in=actor.group_ids) | Q(organisation_id__in=actor.admin_org_ids)
        )


class OrganisationAudiencePolicy(Policy[Organisation]):
    """Who may send to a whole school unit or subtree (CREATE): its administrators."""

    model = Organisation
    actions = frozenset({Action.CREATE})

    def allows(self, actor: Actor, action: Action, obj: Any) -> bool:
        return obj.pk in actor.admin_org_ids

    def allows_any(self, actor: Actor, action: Action) -> bool:
        return bool(actor.admin_org_ids)

    def scope(self, actor: Actor, action: Action) -> QuerySet[Organisation]:
        return Organisation.objects.filter(pk__in=actor.admin_org_ids)


class ChildThreadPolicy(Policy[Any]):
    """Who may start a conversation about a child with the child's guardians (CREATE)."""

    actions = frozenset({Action.CREATE})

    def __init__(self) -> None:
        from skolsam.people.models import Person

        self.model = Person

    def allows(self, actor: Actor, action: Action, obj: Any) -> bool:
        if not actor.staff_org_ids or not may_see_location(actor, obj):
            return False
        return super().allows(actor, action, obj)

    def scope(self, actor: Actor, action: Action) -> QuerySet:
        if not actor.staff_org_ids:
            return self.model.objects.none()
        return persons_visible_to(actor).filter(located(actor))


class MessagePolicy(Policy[Message]):
    """Which messages staff may read and search (VIEW)."""

    model = Message
    actions = frozenset({Action.VIEW})

    def scope(self, actor: Actor, action: Action) -> QuerySet[Message]:
        if actor.person_id is None:
            return Message.objects.none()
        mine = Q(sender_id=actor.person_id) | Q(
            thread__participants__person_id=actor.person_id,
            thread__participants__is_staff=True,
        )
        administered = Q(organisation_id__in=actor.admin_org_ids)
        hidden_thread = Q(thread__isnull=False) & ~located(actor, "thread__child__")
        return Message.objects.filter(mine | administered).exclude(hidden_thread).distinct()


class RecipientPolicy(Policy[Recipient]):
    """What reached the actor (VIEW): their inbox, in every role."""

    model = Recipient
    actions = frozenset({Action.VIEW})

    def allows(self, actor: Actor, action: Action, obj: Any) -> bool:
        return actor.person_id is not None and obj.person_id == actor.person_id

    def scope(self, actor: Actor, action: Action) -> QuerySet[Recipient]:
        if actor.person_id is None:
            return Recipient.objects.none()
        return Recipient.objects.filter(person_id=actor.person_id)


class ThreadPolicy(Policy[Thread]):
    """Threads the actor takes part in, or administers at the child's school (VIEW)."""

    model = Thread
    actions = frozenset({Action.VIEW})

    def scope(self, actor: Actor, action: Action) -> QuerySet[Thread]:
        if actor.person_id is None:
            return Thread.objects.none()
        me = actor.person_id
        # A guardian in the thread reads it whatever the child's marking; staff only while
        # they may locate the child.
        as_family = Q(participants__person_id=me, participants__is_staff=False)
        as_staff = Q(participants__person_id=me) | Q(organisation_id__in=actor.admin_org_ids)
        return Thread.objects.filter(as_family | (as_staff & located(actor, "child__"))).distinct()


class AttachmentPolicy(Policy[Attachment]):
    """Files the actor may download (VIEW): of messages that reached them, of messages they
    may read as staff, and their own uploads not sent yet."""

    model = Attachment
    actions = frozenset({Action.VIEW})

    def scope(self, actor: Actor, action: Action) -> QuerySet[Attachment]:
        if actor.person_id is None:
            return Attachment.objects.none()
        received = RecipientPolicy().scope(actor, action).values("message_id")
        readable = MessagePolicy().scope(actor, action).values("pk")
        return Attachment.objects.filter(
            Q(message_id__in=received)
            | Q(message_id__in=readable)
            | Q(owner_id=actor.person_id, message__isnull=True)
        )


group_audience_policy = GroupAudiencePolicy()
organisation_audience_policy = OrganisationAudiencePolicy()
child_thread_policy = ChildThreadPolicy()
message_policy = MessagePolicy()
recipient_policy = RecipientPolicy()
thread_policy = ThreadPolicy()
attachment_policy = AttachmentPolicy()


def may_send_anything(actor: Actor) -> bool:
    """The gate of the compose page and the staff links: some group or organisation."""
    return group_audience_policy.any(actor, Action.CREATE) or organisation_audience_policy.any(
        actor, Action.CREATE
    )


def recipients_shown_to(actor: Actor, recipients: Iterable[Any]) -> list[Any]:
    """Return the recipients a staff member may be shown (named and counted).

    Each item has `person` and `children` (persons). A recipient is shown when the actor
    may locate them and, for a guardian, at least one of the children they were reached
    for; only those children are kept in its `children`. Nothing about the others is
    returned, not even their number.
    """
    shown = []
    for item in recipients:
        if not may_see_location(actor, item.person):
            continue
        if item.as_guardian:
            children = [c for c in item.children if may_see_location(actor, c)]
            if not children:
                continue
            item.children = children
        shown.append(item)
    return shown
