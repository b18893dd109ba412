"""Decide which organisations an actor works in and where they manage the register.

VIEW: the organisations where the actor holds a duty (whole subtrees). CHANGE and CREATE
(register staff, enrol, create groups and activities, change the organisation or add one
under it): administrators of that subtree. IMPORT and EXPORT: administrators of a school
unit; a file of pupils leaves the system's access control once it is downloaded.
DECIDE (a rektor's decisions: leave, CSN, closing an absence investigation, exemptions
from notices): a rektor or förskolechef of that subtree, not any administrator (SL 7:18,
7:19a). VIEW_PUPILS (the unit's pupils as a whole: its pupil list by school year, its
absence statistics and CSN page, a class's attendance week): the unit's school-wide staff
(administrators, pupil health and guidance), not a teacher who sees only their groups.
`any(actor, action)` answers a page's gate or a menu's link from the actor alone.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet

from skolsam.core.access import Actor, get_or_404
from skolsam.core.choices import DutyRole, OrganisationType
from skolsam.core.models import valid_on
from skolsam.core.policy import Action, Policy, pk_of
from skolsam.duties.models import Duty
from skolsam.organisations.models import Organisation

# The duties whose holder decides as rektor. A förskolechef is the preschool's rektor.
DECIDING_ROLES = frozenset({DutyRole.REKTOR, DutyRole.FORSKOLECHEF})


class OrganisationPolicy(Policy[Organisation]):
    """Answer for an Organisation, or for its id where the caller has only that."""

    model = Organisation
    actions = frozenset(
        {
            Action.VIEW,
            Action.VIEW_PUPILS,
            Action.CHANGE,
            Action.CREATE,
            Action.DECIDE,
            Action.IMPORT,
            Action.EXPORT,
        }
    )

    def allows(self, actor: Actor, action: Action, obj: Any) -> bool:
        pk = pk_of(obj)
        if action == Action.VIEW:
            return pk in actor.staff_org_ids
        if action == Action.VIEW_PUPILS:
            return pk in actor.school_wide_org_ids
        if action in (Action.IMPORT, Action.EXPORT):
            return _is_school_unit(obj) and pk in actor.admin_org_ids
        if action == Action.DECIDE:
            return pk in _deciding_org_ids(actor)
        return pk in actor.admin_org_ids

    def allows_any(self, actor: Actor, action: Action) -> bool:
        # Without a query where the actor's own sets answer.
        if action == Action.VIEW:
            return bool(actor.staff_org_ids)
        if action == Action.VIEW_PUPILS:
            return bool(actor.school_wide_org_ids)
        if action in (Action.CHANGE, Action.CREATE):
            return bool(actor.admin_org_ids)
        return super().allows_any(actor, action)

    def scope(self, actor: Actor, action: Action) -> QuerySet[Organisation]:
        if action == Action.VIEW:
            return Organisation.objects.filter(pk__in=actor.staff_org_ids)
        if action == Action.VIEW_PUPILS:
            return Organisation.objects.filter(pk__in=actor.school_wide_org_ids)
        if action == Action.DECIDE:
            return Organisation.objects.filter(pk__in=_deciding_org_ids(actor))
        where = Q(pk__in=actor.admin_org_ids)
        if action in (Action.IMPORT, Action.EXPORT):
            where &= Q(organisation_type=OrganisationType.SKOLENHET)
        return Organisation.objects.filter(where)


def _is_school_unit(obj: Any) -> bool:
    if isinstance(obj, Organisation):
        return obj.is_school_unit
    return Organisation.objects.filter(
        pk=obj, organisation_type=OrganisationType.SKOLENHET
    ).exists()


def _deciding_org_ids(actor: Actor) -> set[UUID]:
    """Return the subtrees where the actor holds a rektor's (or förskolechef's) duty today.

    Per duty, not per actor: a rektor at one school who is skoladministratör at another
    decides only at the first. Two queries; decisions are rare.
    """
    if actor.person_id is None or not (DECIDING_ROLES & actor.roles):
        return set()
    roots = set(
        Duty.objects.filter(
            valid_on(actor.on), person_id=actor.person_id, duty_role__in=DECIDING_ROLES
        ).values_list("duty_at_id", flat=True)
    )
    if not roots:
        return set()
    pairs = Organisation.objects.filter(
        Q(pk__in=roots)
        | Q(huvudman_id__in=Organisation.objects.filter(pk__in=roots).values("huvudman_id"))
    ).values_list("id", "parent_id")
    children: dict[UUID, list[UUID]] = {}
    for pk, parent in pairs:
        if parent is not None:
            children.setdefault(parent, []).append(pk)
    found: set[UUID] = set()
    stack = list(roots)
    while stack:
        node = stack.pop()
        if node not in found:
            found.add(node)
            stack.extend(children.get(node, ()))
    return found


organisation_policy = OrganisationPolicy()


def organisations_visible_to(actor: Actor) -> QuerySet[Organisation]:
    """Return the organisations where `actor` holds a duty (whole subtrees)."""
    return Organisation.objects.filter(pk__in=actor.staff_org_ids)


def organisation_for_actor(actor: Actor, organisation_id: UUID | str) -> Any:
    """Return an organisation where `actor` holds a duty; Http404 otherwise."""
    return get_or_404(
        organisations_visible_to(actor), organisation_id, "Organisationen finns inte."
    )
