"""Decide which duties and assignment roles an actor may see, and who may change them.

VIEW: duties and assignment roles held by persons the actor sees, and whose workplace
the actor may know (a protected staff member's workplace is location data: left out
unless the actor is named for them, or is them). CHANGE: administrators of the
organisation where the duty is held. Giving someone a duty is CREATE on the organisation
(`organisations.access`); an assignment role (mentor, ...) is CHANGE on its group
(`groups.access`).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from skolsam.core.access import Actor, located
from skolsam.core.policy import Action, Policy
from skolsam.duties.models import AssignmentRole, Duty
from skolsam.people.access import persons_visible_to


class DutyPolicy(Policy[Duty]):
    model = Duty
    actions = frozenset({Action.VIEW, Action.CHANGE})

    def allows(self, actor: Actor, action: Action, obj: Any) -> bool:
        if action == Action.CHANGE:
            return obj.duty_at_id in actor.admin_org_ids
        return super().allows(actor, action, obj)

    def scope(self, actor: Actor, action: Action) -> QuerySet[Duty]:
        if action == Action.CHANGE:
            return Duty.objects.filter(duty_at_id__in=actor.admin_org_ids)
        return Duty.objects.filter(located(actor, "person__"), person__in=persons_visible_to(actor))


class AssignmentRolePolicy(Policy[AssignmentRole]):
    model = AssignmentRole
    actions = frozenset({Action.VIEW})

    def scope(self, actor: Actor, action: Action) -> QuerySet[AssignmentRole]:
        return AssignmentRole.objects.filter(
            located(actor, "duty__person__"), duty__person__in=persons_visible_to(actor)
        )


duty_policy = DutyPolicy()
assignment_role_policy = AssignmentRolePolicy()
