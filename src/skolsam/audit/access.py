"""Decide who reads the audit log: the auditors, by permission, not by register scope.

VIEW (search the log) and EXPORT (download a search as CSV): holders of the Django
permission audit.search_auditentry, carried on the Actor as `can_search_audit`. The log
names every person whose data was read, so for anyone else its pages are missing (404).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from skolsam.audit.models import AuditEntry
from skolsam.core.access import Actor
from skolsam.core.policy import Action, Policy


class AuditPolicy(Policy[AuditEntry]):
    model = AuditEntry
    actions = frozenset({Action.VIEW, Action.EXPORT})

    def allows(self, actor: Actor, action: Action, obj: Any) -> bool:
        return actor.can_search_audit

    def allows_any(self, actor: Actor, action: Action) -> bool:
        return actor.can_search_audit

    def scope(self, actor: Actor, action: Action) -> QuerySet[AuditEntry]:
        if not actor.can_search_audit:
            return AuditEntry.objects.none()
        return AuditEntry.objects.all()


audit_policy = AuditPolicy()
