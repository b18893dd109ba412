"""Write groups and group memberships. A pupil is in at most one class at a time."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skolsam.audit.services import audit_record
from skolsam.core.access import Actor
from skolsam.core.changes import change_record
from skolsam.core.choices import GroupType, SchoolType
from skolsam.core.errors import DomainError, period_validate
from skolsam.core.models import periods_overlap
from skolsam.core.policy import Action
from skolsam.groups.access import group_policy
from skolsam.groups.models import Group, GroupMembership
from skolsam.organisations.access import organisation_policy
from skolsam.organisations.models import Organisation
from skolsam.people.models import Person


@transaction.atomic
def group_create(
    *,
    actor: Actor,
    organisation: Organisation,
    display_name: str,
    group_type: str,
    start_date: date,
    end_date: date | None = None,
    school_type: str = "",
) -> Group:
    """Create a group (class, teaching group, mentor group, department...) at an organisation."""
    organisation_policy.require(
        actor,
        Action.CREATE,
        organisation,
        "Du har inte behörighet att ändra grupper vid den enheten.",
    )
    if not display_name.strip():
        raise DomainError({"display_name": _("Gruppen måste ha ett namn.")})
    if group_type not in GroupType.values:
        raise DomainError(
            {"group_type": _("Okänd grupptyp %(group_type)r.") % {"group_type": group_type}}
        )
    if school_type and school_type not in SchoolType.values:
        raise DomainError(
            {"school_type": _("Okänd skolform %(school_type)r.") % {"school_type": school_type}}
        )
    period_validate(start_date, end_date)
    group = Group.objects.create(
        organisation=organisation,
        display_name=display_name.strip(),
        group_type=group_type,
        school_type=school_type,
        start_date=start_date,
        end_date=end_date,
    )
    change_record(entity_type="Group", ids=[group.pk], organisation_ids=[organisation.pk])
    audit_record(
        actor=actor,
        action="group.create",
        object_type="Group",
        object_id=group.pk,
        changes={"display_name": [None, group.display_name], "group_type": [None, group_type]},
    )
    return group


def _check_single_class(
    person: Person, group: Group, start: date, end: date | None, ignore: int | None = None
) -> None:
    if group.group_type != GroupType.KLASS:
        return
    others = GroupMembership.objects.filter(
        person=person, group__group_type=GroupType.KLASS
    ).select_related("group")
    for m in others:
        if m.pk == ignore:
            continue
        if periods_overlap(start, end, m.start_date, m.end_date):
            raise DomainError(
                {
                    "group": _(
                        "%(person)s går redan i klass %(group)s från %(start_date)s. En elev kan "
                        "bara gå i en klass åt gången; flytta eleven i stället."
                    )
                    % {
                        "person": person.full_name,
                        "group": m.group.display_name,
                        "start_date": m.start_date,
                    }
                }
            )


def _membership_changed(membership: GroupMembership, organisation_id: UUID) -> None:
    # A membership is part of its Group in SS 12000 (groupMemberships); on a Person it
    # is only an expansion, which does not move the person's meta.modified.
    change_record(
        entity_type="Group", ids=[membership.group_id], organisation_ids=[organisation_id]
    )


@transaction.atomic
def group_membership_add(
    *,
    actor: Actor,
    group: Group,
    person: Person,
    start_date: date,
    end_date: date | None = None,
) -> GroupMembership:
    """Add a person to a group from `start_date`."""
    group_policy.require(
        actor, Action.CHANGE, group, "Du har inte behörighet att ändra grupper vid den enheten."
    )
    period_validate(start_date, end_date)
    Person.objects.select_for_update().filter(pk=person.pk).first()
    _check_single_class(person, group, start_date, end_date)
    for m in GroupMembership.objects.filter(person=person, group=group):
        if periods_overlap(start_date, end_date, m.start_date, m.end_date):
            raise DomainError(
                {
                    "group": _("%(person)s är redan med i %(group)s.")
                    % {"person": person.full_name, "group": group.display_name}
                }
            )
    membership = GroupMembership.objects.create(
        group=group, person=person, start_date=start_date, end_date=end_date
    )
    _membership_changed(membership, group.organisation_id)
    audit_record(
        actor=actor,
        action="membership.add",
        object_type="GroupMembership",
        object_id=membership.pk,
        person_id=person.pk,
        detail={"group": group.pk, "group_name": group.display_name},
        changes={
            "group": [None, str(group.pk)],
            "start_date": [None, start_date.isoformat()],
            "end_date": [None, end_date.isoformat() if end_date else None],
        },
    )
    return membership


@transaction.atomic
def group_membership_end(
    *, actor: Actor, membership: GroupMembership, end_date: date
) -> GroupMembership:
    """End a membership on `end_date` (inclusive). The row stays as history."""
    group_policy.require(
        actor,
        Action.CHANGE,
        membership.group,
        "Du har inte behörighet att ändra grupper vid den enheten.",
    )
    period_validate(membership.start_date, end_date)
    before = membership.end_date
    membership.end_date = end_date
    membership.modified = timezone.now()
    membership.save(update_fields=["end_date", "modified"])
    _membership_changed(membership, membership.group.organisation_id)
    audit_record(
        actor=actor,
        action="membership.end",
        object_type="GroupMembership",
        object_id=membership.pk,
        person_id=membership.person_id,
        detail={"group": membership.group_id},
        changes={"end_date": [before.isoformat() if before else None, end_date.isoformat()]},
    )
    return membership


@transaction.atomic
def group_membership_move(
    *, actor: Actor, person: Person, to_group: Group, on: date
) -> GroupMembership:
    """Move a pupil to another class from `on`: the old class ends the day before."""
    current = (
        GroupMembership.objects.select_for_update()
        .filter(person=person, group__group_type=to_group.group_type, start_date__lte=on)
        .exclude(end_date__lt=on)
        .select_related("group")
        .first()
    )
    if current is not None:
        if current.group_id == to_group.pk:
            raise DomainError(
                {
                    "group": _("%(person)s går redan i %(to_group)s.")
                    % {"person": person.full_name, "to_group": to_group.display_name}
                }
            )
        if current.start_date == on:
            raise DomainError({"start_date": _("Eleven började i sin nuvarande grupp samma dag.")})
        group_membership_end(actor=actor, membership=current, end_date=on - timedelta(days=1))
    return group_membership_add(actor=actor, group=to_group, person=person, start_date=on)
