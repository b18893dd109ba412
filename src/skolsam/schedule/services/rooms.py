"""Write rooms (lokaler) and resources (resurser): a school unit's own list, and the
rooms that timetables and lessons name."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from django.db import transaction
from django.utils.translation import gettext as _

from skolsam.audit.services import audit_record
from skolsam.core.access import Actor
from skolsam.core.changes import change_record
from skolsam.core.errors import DomainError, text_problem
from skolsam.core.policy import Action
from skolsam.organisations.access import organisation_policy
from skolsam.organisations.models import Organisation
from skolsam.schedule.models import Resource, Room

# More seats than any hall a school has: a typing error, not a room.
MAX_SEATS = 10_000


def _may_manage(actor: Actor, owner: Organisation) -> None:
    organisation_policy.require(
        actor, Action.CHANGE, owner.pk, "Du har inte behörighet att ändra lokaler vid den enheten."
    )
    if not owner.is_school_unit:
        raise DomainError({"owner": _("Lokaler och resurser hör till en skolenhet.")})


def _name(display_name: str, max_length: int) -> str:
    name = display_name.strip()
    if not name:
        raise DomainError({"display_name": _("Ange ett namn.")})
    if problem := text_problem(name, max_length=max_length):
        raise DomainError({"display_name": problem})
    return name


@transaction.atomic
def room_create(
    *, actor: Actor, owner: Organisation, display_name: str, seats: int | None = None
) -> Room:
    """Add a room to a school unit's list; its name is unique at the unit."""
    _may_manage(actor, owner)
    name = _name(display_name, Room._meta.get_field("display_name").max_length or 40)
    if seats is not None and not 0 < seats <= MAX_SEATS:
        raise DomainError(
            {"seats": _("Antal platser ska vara mellan 1 och %(most)s.") % {"most": MAX_SEATS}}
        )
    if Room.objects.filter(owner=owner, display_name=name).exists():
        raise DomainError(
            {"display_name": _("Enheten har redan en lokal som heter %(name)s.") % {"name": name}}
        )
    room = Room.objects.create(owner=owner, display_name=name, seats=seats)
    change_record(entity_type="Room", ids=[room.pk], organisation_ids=[owner.pk])
    audit_record(
        actor=actor,
        action="room.create",
        object_type="Room",
        object_id=room.pk,
        detail={"owner": owner.pk, "name": name, "seats": seats},
    )
    return room


@transaction.atomic
def resource_create(*, actor: Actor, owner: Organisation, display_name: str) -> Resource:
    """Add a bookable resource that is not a room to a school unit's list."""
    _may_manage(actor, owner)
    name = _name(display_name, Resource._meta.get_field("display_name").max_length or 100)
    if Resource.objects.filter(owner=owner, display_name=name).exists():
        raise DomainError(
            {"display_name": _("Enheten har redan en resurs som heter %(name)s.") % {"name": name}}
        )
    resource = Resource.objects.create(owner=owner, display_name=name)
    change_record(entity_type="Resource", ids=[resource.pk], organisation_ids=[owner.pk])
    audit_record(
        actor=actor,
        action="resource.create",
        object_type="Resource",
        object_id=resource.pk,
        detail={"owner": owner.pk, "name": name},
    )
    return resource


def rooms_ensure(*, owner_id: UUID, names: Iterable[str]) -> list[UUID]:
    """Make sure the unit has a Room for every name a timetable or lesson gives; return new ids.

    Called inside the services that write room names (the timetable import, moving a
    lesson), in their transaction and under their permission check and audit entry.
    """
    wanted = {n for n in names if n}
    if not wanted:
        return []
    have = set(
        Room.objects.filter(owner_id=owner_id, display_name__in=wanted).values_list(
            "display_name", flat=True
        )
    )
    fresh = [Room(owner_id=owner_id, display_name=n) for n in sorted(wanted - have)]
    if not fresh:
        return []
    Room.objects.bulk_create(fresh)
    ids = [r.pk for r in fresh]
    change_record(entity_type="Room", ids=ids, organisation_ids=[owner_id])
    return ids
