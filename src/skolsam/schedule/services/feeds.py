"""Make and revoke the private calendar address (iCal) of a person's lessons."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skolsam.audit.services import audit_record
from skolsam.core.access import Actor
from skolsam.core.errors import DomainError
from skolsam.core.policy import Action
from skolsam.people.access import child_policy
from skolsam.people.models import Person
from skolsam.schedule.models import CalendarFeed


def token_hash(token: str) -> str:
    """Return what is stored of a feed's token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def _may_follow(actor: Actor, person: Person) -> None:
    if person.pk != actor.person_id and not child_policy.can(actor, Action.SEE_CHILD, person):
        raise DomainError(_("Du kan bara prenumerera på dina egna eller dina barns lektioner."))


@transaction.atomic
def calendar_feed_create(*, actor: Actor, person: Person) -> str:
    """Make a new private address for the person's lessons; return its token (shown once).

    The actor's earlier address for the same person stops working.
    """
    _may_follow(actor, person)
    if actor.person_id is None:
        raise DomainError(_("Kalenderlänkar görs av en person, inte av systemet."))
    now = timezone.now()
    CalendarFeed.objects.filter(
        owner_id=actor.person_id, person=person, revoked_at__isnull=True
    ).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(
        person=person, owner_id=actor.person_id, token_hash=token_hash(token), created=now
    )
    audit_record(
        actor=actor,
        action="portal.ical_token",
        object_type="CalendarFeed",
        object_id=feed.pk,
        person_id=person.pk,
    )
    return token


@transaction.atomic
def calendar_feed_revoke(*, actor: Actor, person: Person) -> int:
    """Stop the actor's address for the person's lessons; return how many were stopped."""
    stopped = CalendarFeed.objects.filter(
        owner_id=actor.person_id, person=person, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    if stopped:
        audit_record(
            actor=actor,
            action="portal.ical_revoke",
            object_type="CalendarFeed",
            person_id=person.pk,
        )
    return stopped


def calendar_feed_find(token: str) -> CalendarFeed | None:
    """Return the live feed with this token, or None (unknown, revoked or malformed)."""
    if not token or len(token) > 100:
        return None
    return (
        CalendarFeed.objects.filter(token_hash=token_hash(token), revoked_at__isnull=True)
        .select_related("person", "owner")
        .first()
    )


def calendar_feed_active(*, actor: Actor, person: Person) -> bool:
    """Tell whether the actor has a live address for the person's lessons."""
    return CalendarFeed.objects.filter(
        owner_id=actor.person_id, person=person, revoked_at__isnull=True
    ).exists()
