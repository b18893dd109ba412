"""Decide who sees and handles accessibility reports: the huvudman's central administrators."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from skolsam.accessibility.models import AccessibilityReport
from skolsam.core.access import Actor
from skolsam.core.choices import OrganisationType
from skolsam.core.dates import today
from skolsam.core.policy import Action, Policy
from skolsam.organisations.models import Organisation


def _huvudman_ids(actor: Actor) -> QuerySet:
    """Return the huvudmän the actor administers centrally (a duty at it or below it)."""
    return (
        Organisation.objects.filter(pk__in=actor.central_org_ids)
        .exclude(huvudman_id=None)
        .values("huvudman_id")
    )


class AccessibilityReportPolicy(Policy[AccessibilityReport]):
    """A report is the huvudman's case: its central administrators see and handle it."""

    model = AccessibilityReport
    actions = frozenset({Action.VIEW, Action.CHANGE})

    def scope(self, actor: Actor, action: Action) -> QuerySet[AccessibilityReport]:
        if not actor.central_org_ids:
            return AccessibilityReport.objects.none()
        own = set(actor.central_org_ids)
        return AccessibilityReport.objects.filter(huvudman_id__in=_huvudman_ids(actor)) | (
            AccessibilityReport.objects.filter(huvudman_id__in=own)
        )

    def allows_any(self, actor: Actor, action: Action) -> bool:
        # A page's gate from the Actor alone: only central administrators handle reports.
        return bool(actor.central_org_ids)

    def allows(self, actor: Actor, action: Action, obj: Any) -> bool:
        return self.scope(actor, action).filter(pk=obj.pk).exists()


report_policy = AccessibilityReportPolicy()


def huvudman_choices() -> QuerySet[Organisation]:
    """Return the huvudmän one can report to: public names, open to anyone."""
    return Organisation.objects.filter(
        Q(end_date=None) | Q(end_date__gte=today()), organisation_type=OrganisationType.HUVUDMAN
    ).order_by("display_name")
