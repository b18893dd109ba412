"""Decide which groups and group memberships an actor may see and change.

VIEW: groups of organisations where the actor sees every pupil, plus their own groups.
CHANGE (the group, its members, its assignment roles) and EXPORT (its class list):
administrators of the group's organisation, as `organisations.access` says.
TAKE_REGISTER (a preschool or fritidshem department's day: children in and out): the
group's own staff (who teach it or hold an assignment role in it) and the administrators
of its organisation; these are the departments offered on the staff's preschool page.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet

from skolsam.core.access import Actor, get_or_404
from skolsam.core.choices import SecurityMarking
from skolsam.core.models import valid_on
from skolsam.core.policy import Action, Policy
from skolsam.groups.models import Group, GroupMembership
from skolsam.people.access import persons_visible_to


def groups_visible_to(actor: Actor) -> QuerySet:
    """Return groups of organisations where `actor` sees every pupil, plus their own groups."""
    return Group.objects.filter(
        Q(organisation_id__in=actor.school_wide_org_ids) | Q(pk__in=actor.group_ids)
    )


def group_for_actor(actor: Actor, group_id: UUID | str) -> Any:
    """Return a group `actor` may see; Http404 otherwise."""
    return get_or_404(
        groups_visible_to(actor).select_related("organisation"), group_id, "Gruppen finns inte."
    )


def memberships_visible_to(actor: Actor, *, on: date | None = None) -> QuerySet:
    """Return group memberships `actor` may see on a day; protected pupils only if authorised.

    The actor's grants are those of `actor.on`; the register (memberships, enrolments) is
    read as of `on`, so "who was in 7B on 15 October" still lists a pupil who has left since.
    """

    day = on or actor.on
    scoped = replace(actor, on=day)
    visible_groups = groups_visible_to(actor)
    located = Q(person__security_marking=SecurityMarking.INGEN) | Q(
        person_id__in=actor.authorised_protected_ids
    )
    if actor.person_id is not None:
        located |= Q(person_id=actor.person_id)
    return GroupMembership.objects.filter(valid_on(day), located, group__in=visible_groups).filter(
        person__in=persons_visible_to(scoped)
    )


class GroupPolicy(Policy[Group]):
    model = Group
    actions = frozenset({Action.VIEW, Action.CHANGE, Action.EXPORT, Action.TAKE_REGISTER})

    def allows(self, actor: Actor, action: Action, obj: Any) -> bool:
        if action == Action.VIEW:
            return obj.organisation_id in actor.school_wide_org_ids or obj.pk in actor.group_ids
        if action == Action.TAKE_REGISTER:
            return obj.pk in actor.group_ids or obj.organisation_id in actor.admin_org_ids
        return obj.organisation_id in actor.admin_org_ids

    def scope(self, actor: Actor, action: Action) -> QuerySet[Group]:
        if action == Action.VIEW:
            return groups_visible_to(actor)
        if action == Action.TAKE_REGISTER:
            return Group.objects.filter(
                Q(pk__in=actor.group_ids) | Q(organisation_id__in=actor.admin_org_ids)
            )
        return Group.objects.filter(organisation_id__in=actor.admin_org_ids)


group_policy = GroupPolicy()


def group_members_visible_to(actor: Actor, group: Group, on: date) -> QuerySet:
    """Return the persons in `group` on day `on` that `actor` may see in a class list."""
    from skolsam.people.models import Person

    members = memberships_visible_to(actor, on=on).filter(group=group).values("person_id")
    return Person.objects.filter(pk__in=members)
