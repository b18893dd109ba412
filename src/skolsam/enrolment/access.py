"""Decide which enrolments and placements an actor may see and change.

VIEW: `enrolments_visible_to`. CHANGE (end, move, cancel): administrators of the school
unit (placement: preschool unit) where the row is.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from skolsam.core.access import Actor
from skolsam.core.choices import SecurityMarking
from skolsam.core.models import valid_on
from skolsam.core.policy import Action, Policy
from skolsam.enrolment.models import Enrolment, Placement
from skolsam.people.access import persons_visible_to


def enrolments_visible_to(actor: Actor, *, on: date | None = None) -> QuerySet:
    """Return the enrolments valid on a day that `actor` may see.

    An enrolment names the pupil's school, so it is location data: for a protected pupil
    only the pupil and the named staff see it. Staff see enrolments at their own
    organisations; a hemkommun sees its residents' enrolments wherever they are; the
    pupil and their guardians see all of the pupil's enrolments. Grants are those of
    `actor.on`, the register is read as of `on`.
    """

    day = on or actor.on
    if actor.person_id is None:
        return Enrolment.objects.none()
    located = Q(person__security_marking=SecurityMarking.INGEN) | Q(
        person_id__in=actor.authorised_protected_ids
    )
    located |= Q(person_id=actor.person_id)
    where = (
        Q(enroled_at_id__in=actor.staff_org_ids)
        | Q(person_id__in=actor.responsible_for_ids)
        | Q(person_id=actor.person_id)
    )
    if actor.home_municipality_codes:
        where |= Q(person__home_municipality_code__in=actor.home_municipality_codes)
    return Enrolment.objects.filter(valid_on(day), located, where, cancelled=False).filter(
        person__in=persons_visible_to(replace(actor, on=day))
    )


class EnrolmentPolicy(Policy[Enrolment]):
    model = Enrolment
    actions = frozenset({Action.VIEW, Action.CHANGE})

    def allows(self, actor: Actor, action: Action, obj: Any) -> bool:
        if action == Action.CHANGE:
            return obj.enroled_at_id in actor.admin_org_ids
        return super().allows(actor, action, obj)

    def scope(self, actor: Actor, action: Action) -> QuerySet[Enrolment]:
        if action == Action.VIEW:
            return enrolments_visible_to(actor)
        return Enrolment.objects.filter(enroled_at_id__in=actor.admin_org_ids)


class PlacementPolicy(Policy[Placement]):
    model = Placement
    actions = frozenset({Action.CHANGE})

    def allows(self, actor: Actor, action: Action, obj: Any) -> bool:
        return obj.placed_at_id in actor.admin_org_ids

    def scope(self, actor: Actor, action: Action) -> QuerySet[Placement]:
        return Placement.objects.filter(placed_at_id__in=actor.admin_org_ids)


enrolment_policy = EnrolmentPolicy()
placement_policy = PlacementPolicy()
