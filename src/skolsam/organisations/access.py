"""Decide which organisations an actor works in and where they manage the register.

VIEW: the organisations where the actor holds a duty (whole subtrees). CHANGE and CREATE
(register staff, enrol, create groups and activities, change the organisation or add one
under it): administrators of that subtree. IMPORT and EXPORT: administrators of a school
unit; a file of pupils leaves the system's access control once it is downloaded.
DECIDE (a rektor's decisions: leave, CSN, closing an absence investigation, exemptions
from notices): a rektor or förskolechef of that subtree, not any administrator (SL 7:18,
7:19a).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet

from skolsam.core.access import Actor, get_or_404
from skolsam.core.choices import DutyRole, OrganisationType
from skolsam.core.policy import Action, Policy, pk_of
from skolsam.organisations.models import Organisation

# The duties whose holder decides as rektor. A förskolechef is the preschool's rektor.
DECIDING_ROLES = frozenset({DutyRole.REKTOR, DutyRole.FORSKOLECHEF})


class OrganisationPolicy(Policy[Organisation]):
    """Answer for an Organisation, or for its id where the caller has only that."""

    model = Organisation
    actions = frozenset(
        {Action.VIEW, Action.CHANGE, Action.CREATE, Action.DECIDE, Action.IMPORT, Action.EXPORT}
    )

    def allows(self, actor: Actor, action: Action, obj: Any) -> bool:
        pk = pk_of(obj)
        if action == Action.VIEW:
            return pk in actor.staff_org_ids
        if action in (Action.IMPORT, Action.EXPORT):
            return _is_school_unit(obj) and pk in actor.admin_org_ids
        if action == Action.DECIDE:
            return pk in actor.admin_org_ids and _decides(actor)
        return pk in actor.admin_org_ids

    def scope(self, actor: Actor, action: Action) -> QuerySet[Organisation]:
        if action == Action.VIEW:
            return Organisation.objects.filter(pk__in=actor.staff_org_ids)
        if action == Action.DECIDE and not _decides(actor):
            return Organisation.objects.none()
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


def _decides(actor: Actor) -> bool:
    # The actor's roles are gathered over all their duties; admin_org_ids may come from
    # another administrative duty. A rektor at one school who is skoladministratör at
    # another would decide at both: acceptable while duties carry no per-unit role map,
    # and the same as before this policy.
    return bool(DECIDING_ROLES & actor.roles)


organisation_policy = OrganisationPolicy()


def organisations_visible_to(actor: Actor) -> QuerySet[Organisation]:
    """Return the organisations where `actor` holds a duty (whole subtrees)."""
    return Organisation.objects.filter(pk__in=actor.staff_org_ids)


def organisation_for_actor(actor: Actor, organisation_id: UUID | str) -> Any:
    """Return an organisation where `actor` holds a duty; Http404 otherwise."""
    return get_or_404(
        organisations_visible_to(actor), organisation_id, "Organisationen finns inte."
    )
