"""Append the per-row audit entries of an import in batches.

`audit.services.audit_record` writes one row per call; for an import of a thousand pupils
that is some 7,000 INSERTs, most of an import's time. This writes the very same entries
(same columns, the same actor, request id and client address as `audit_record` takes from
the request context) with one INSERT per thousand (fewer on SQLite, whose parameter limit Django splits by). It belongs in `audit.services` as
`audit_record_many`; until then it lives here, and only the import uses it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from skolsam.audit.models import AuditEntry
from skolsam.core import context
from skolsam.core.access import Actor

BATCH = 1000


class AuditBatch:
    """Collect entries with `add` (audit_record's arguments), write them with `flush`."""

    def __init__(self, actor: Actor) -> None:
        ctx = context.current()
        self._common = {
            "actor_id": actor.user_id,
            "actor_label": (actor.label or ("system" if actor.is_system else ""))[:200],
            "request_id": ctx.request_id if ctx else "",
            "client_address": ctx.client_address if ctx else None,
        }
        self._entries: list[AuditEntry] = []

    def add(
        self,
        *,
        action: str,
        object_type: str,
        object_id: Any,
        person_id: UUID | None,
        changes: Mapping[str, Any],
        detail: Mapping[str, Any],
    ) -> None:
        """Queue one entry; every value must already be JSON-plain (str, int, None, list)."""
        self._entries.append(
            AuditEntry(
                action=action,
                object_type=object_type,
                object_id="" if object_id is None else str(object_id),
                person_id=person_id,
                changes=dict(changes),
                detail=dict(detail),
                **self._common,
            )
        )

    def flush(self) -> int:
        """Write the queued entries and return how many there were."""
        count = len(self._entries)
        AuditEntry.objects.bulk_create(self._entries, batch_size=BATCH)
        self._entries = []
        return count
