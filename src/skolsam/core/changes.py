"""Announce register changes that bypass a model's save() and delete().

The SS 12000 API tells its subscribers what changed. It notices single-row writes through
Django's model signals, the one place every save, delete and cascade passes. Bulk inserts
(a register import, a timetable's lessons) and single-statement writes (the teacher's
register, one upsert) do not send those signals, so the service that makes such a write
announces it here: which SS 12000 entity types changed, in which organisations.

The domains do not know about the API; the API listens to `changed` (see
`skolsam.api.ss12000.changes`). An announcement inside a transaction is delivered to
subscribers only if the transaction commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from uuid import UUID

from django.dispatch import Signal

# Sent with entity_types (SS 12000 type names, e.g. "Person"), organisation_ids and
# deleted ({entity type: ids of the rows that went}).
changed = Signal()


def announce(
    *,
    entity_types: Iterable[str],
    organisation_ids: Iterable[UUID | None],
    deleted: Mapping[str, Iterable[UUID]] | None = None,
) -> None:
    """Say that rows of these entity types changed (or went) in these organisations."""
    gone = {kind: list(ids) for kind, ids in (deleted or {}).items()}
    gone = {kind: ids for kind, ids in gone.items() if ids}
    types = sorted(set(entity_types) | set(gone))
    orgs = {o for o in organisation_ids if o is not None}
    if types and orgs:
        changed.send(sender=None, entity_types=types, organisation_ids=orgs, deleted=gone)
