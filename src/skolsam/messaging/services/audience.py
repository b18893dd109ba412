"""Resolve a message's audience into the persons it reaches, each once, with their children.

This is the system deciding who a message reaches, not a person reading the register: the
sender's permission to address the audience is checked by the caller (compose), and what
the sender is shown of the result is filtered by `access.recipients_shown_to`.
Guardians are those who receive notices for the child (`people.access.relations_acting_for`
with RECEIVE_NOTICES: custody holders of a minor), so a pupil of 18 reaches only themself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from skolsam.core.models import valid_on
from skolsam.core.policy import Action
from skolsam.enrolment.models import Enrolment
from skolsam.groups.models import GroupMembership
from skolsam.organisations.selectors import organisation_subtree_ids
from skolsam.people.access import relations_acting_for
from skolsam.people.models import Person


@dataclass
class Reached:
    """One person a message reaches, and the children it reaches them for."""

    person: Any
    as_guardian: bool
    children: list[Any] = field(default_factory=list)


def pupils_of_group(group_id: UUID, day: date) -> list[Any]:
    members = GroupMembership.objects.filter(valid_on(day), group_id=group_id).values("person_id")
    return list(Person.objects.filter(pk__in=members).order_by("given_name", "family_name", "pk"))


def pupils_of_organisation(organisation_id: UUID, day: date) -> list[Any]:
    units = organisation_subtree_ids(organisation_id=organisation_id)
    enrolled = Enrolment.objects.filter(
        valid_on(day), enroled_at_id__in=units, cancelled=False
    ).values("person_id")
    return list(Person.objects.filter(pk__in=enrolled).order_by("given_name", "family_name", "pk"))


def reach(pupils: list[Any], *, day: date, to_guardians: bool, to_pupils: bool) -> list[Reached]:
    """Return each person reached once: a guardian of two pupils is one recipient with two
    children; a pupil who is also reached as someone's child stays one recipient."""
    out: dict[UUID, Reached] = {}
    if to_pupils:
        for pupil in pupils:
            out[pupil.pk] = Reached(person=pupil, as_guardian=False)
    if to_guardians and pupils:
        by_id = {p.pk: p for p in pupils}
        relations = (
            relations_acting_for(Action.RECEIVE_NOTICES, day)
            .filter(person_id__in=list(by_id))
            .select_related("responsible")
            .order_by("responsible__family_name", "responsible__given_name", "responsible_id")
        )
        for relation in relations:
            adult = relation.responsible
            item = out.get(adult.pk)
            if item is None:
                item = out[adult.pk] = Reached(person=adult, as_guardian=True)
            item.as_guardian = True
            child = by_id[relation.person_id]
            if child not in item.children:
                item.children.append(child)
    return list(out.values())


def guardians_of(child: Any, day: date) -> list[Any]:
    """Return the adults who receive notices for `child` on `day` (custody, minors only)."""
    return [
        r.responsible
        for r in relations_acting_for(Action.RECEIVE_NOTICES, day)
        .filter(person_id=child.pk)
        .select_related("responsible")
        .order_by("responsible__family_name", "responsible__given_name")
    ]
