"""Decide which existing persons an import may touch, built on the public access layer.

The import matches persons on civic number across the whole register (a civic number is
unique), so it finds persons the actor may not see. Such a person must be neither shown
nor changed: the checks here say which of the matched persons the actor may reach, and the
import answers every other one with the same neutral message.

Two policies decide it, `import_pupil_policy` and `import_guardian_policy`, asked with
`among` for a whole file at once (the system actor passes both, in `core.policy`):
- a pupil is within reach when the pupil has a current or upcoming enrolment at a unit the
  actor manages (answered for the whole file in one query), or otherwise when
  `access.may_edit_person` says so;
- a guardian is within reach when the actor sees the guardian (`access.persons_visible_to`)
  or the guardian already answers for a pupil enrolled (now or upcoming) at a unit the
  actor manages;
- a protected person (sekretessmarkering, skyddad folkbokföring) only when the actor may
  see their location (`access.may_see_location`): linking them to a class or a child would
  say where they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.db.models import Q

from skolsam.core.access import Actor, may_see_location
from skolsam.core.choices import SecurityMarking
from skolsam.core.policy import Action, Policy
from skolsam.enrolment.models import Enrolment
from skolsam.organisations.access import organisation_policy
from skolsam.organisations.models import Organisation
from skolsam.people.access import may_edit_person, persons_visible_to
from skolsam.people.models import Person, Responsible


def may_import_at(actor: Actor, school_unit: Organisation) -> bool:
    """Tell whether `actor` may import pupils into this school unit."""
    if not school_unit.is_school_unit:
        return False
    return organisation_policy.can(actor, Action.IMPORT, school_unit)


def _enrolled_at_managed_units(actor: Actor, person_ids: Iterable[UUID]) -> set[UUID]:
    """Persons with a current or upcoming enrolment at a unit the actor manages."""
    ids = list(person_ids)
    if not ids or not actor.admin_org_ids:
        return set()
    return set(
        Enrolment.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=actor.on),
            person_id__in=ids,
            enroled_at_id__in=actor.admin_org_ids,
            cancelled=False,
        ).values_list("person_id", flat=True)
    )


class ImportPupilPolicy(Policy[Person]):
    """IMPORT: the existing pupils an import may enrol, place in a class or relate."""

    model = Person
    actions = frozenset({Action.IMPORT})

    def allows(self, actor: Actor, action: Action, obj: Any) -> bool:
        return obj.pk in self.allows_among(actor, action, [obj])

    def allows_among(self, actor: Actor, action: Action, objs: list[Any]) -> set[Any]:
        located = [p for p in objs if may_see_location(actor, p)]
        reach = _enrolled_at_managed_units(actor, (p.pk for p in located))
        for pupil in located:
            if pupil.pk not in reach and may_edit_person(actor, pupil):
                reach.add(pupil.pk)
        return reach


class ImportGuardianPolicy(Policy[Person]):
    """IMPORT: the existing persons an import may name as a pupil's guardian."""

    model = Person
    actions = frozenset({Action.IMPORT})

    def allows(self, actor: Actor, action: Action, obj: Any) -> bool:
        return obj.pk in self.allows_among(actor, action, [obj])

    def allows_among(self, actor: Actor, action: Action, objs: list[Any]) -> set[Any]:
        located = {g.pk for g in objs if may_see_location(actor, g)}
        if not located:
            return set()
        visible = set(persons_visible_to(actor).filter(pk__in=located).values_list("pk", flat=True))
        rest = located - visible
        if rest and actor.admin_org_ids:
            visible |= set(
                Responsible.objects.filter(
                    responsible_id__in=rest,
                    person__enrolments__enroled_at_id__in=actor.admin_org_ids,
                    person__enrolments__cancelled=False,
                    # Never through a protected child: the link would tell where it goes
                    # to school.
                    person__security_marking=SecurityMarking.INGEN,
                )
                .filter(
                    Q(person__enrolments__end_date__isnull=True)
                    | Q(person__enrolments__end_date__gte=actor.on)
                )
                .values_list("responsible_id", flat=True)
            )
        return visible


import_pupil_policy = ImportPupilPolicy()
import_guardian_policy = ImportGuardianPolicy()


def pupils_within_reach(actor: Actor, pupils: Iterable[Person]) -> set[UUID]:
    """Return the ids of existing pupils the import may enrol, place in a class or relate."""
    return import_pupil_policy.among(actor, Action.IMPORT, pupils)


def guardians_within_reach(actor: Actor, guardians: Iterable[Person]) -> set[UUID]:
    """Return the ids of existing persons the import may name as a pupil's guardian."""
    return import_guardian_policy.among(actor, Action.IMPORT, guardians)
