"""Write the audit log. Every view and change of sensitive data comes through here."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import connection

from skolsam.audit.models import AuditEntry, AuditEntryPerson
from skolsam.core import context
from skolsam.core.access import Actor


def _plain(value: Any) -> Any:
    """Turn a field value into something JSON can hold and a person can read."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, UUID | Decimal):
        return str(value)
    if hasattr(value, "pk"):
        return str(value.pk)
    return json.loads(json.dumps(value, default=str))


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Return {field: [old, new]} for the fields whose values differ."""
    changes = {}
    for key in sorted(set(before) | set(after)):
        old, new = _plain(before.get(key)), _plain(after.get(key))
        if old != new:
            changes[key] = [old, new]
    return changes


def snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    """Return the current values of `fields` on `obj`, for a later `diff`."""
    return {f: _plain(getattr(obj, f"{f}_id" if _is_fk(obj, f) else f)) for f in fields}


def _is_fk(obj: Any, name: str) -> bool:
    try:
        return obj._meta.get_field(name).is_relation
    except Exception:
        return False


def audit_record(
    *,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: Any = None,
    person_id: UUID | None = None,
    changes: Mapping[str, Any] | None = None,
    detail: Mapping[str, Any] | None = None,
    person_ids: Iterable[UUID] = (),
) -> AuditEntry:
    """Append one entry: who did what to which object, when, from where, with which request.

    `person_id` is the person an entry about one person is about; `person_ids` the
    persons of an entry about many (a page of an API list), which the search by person
    finds as well.
    """
    ctx = context.current()
    entry = AuditEntry.objects.create(
        actor_id=actor.user_id,
        actor_label=(actor.label or ("system" if actor.is_system else ""))[:200],
        action=action,
        object_type=object_type,
        object_id="" if object_id is None else str(object_id),
        person_id=person_id,
        changes=dict(changes or {}),
        detail={k: _plain(v) for k, v in (detail or {}).items()},
        request_id=ctx.request_id if ctx else "",
        client_address=ctx.client_address if ctx else None,
    )
    _record_persons(entry.pk, person_ids)
    return entry


def _record_persons(entry_id: int, person_ids: Iterable[UUID]) -> None:
    """Write the persons of an entry with one INSERT, however many there are."""
    ids = list(dict.fromkeys(p if isinstance(p, UUID) else UUID(str(p)) for p in person_ids if p))
    if not ids:
        return
    # The ids travel as one parameter, an array (PostgreSQL) or a JSON list (SQLite, which
    # keeps a UUID as 32 hex digits), instead of 2,000 placeholders that Django prepares
    # one by one (see core.db.AnyOf) and SQLite would split into batches of 500 rows.
    # Identifiers come from _meta; the values are parameters.
    table = connection.ops.quote_name(AuditEntryPerson._meta.db_table)
    fields = {f.name: f.column for f in AuditEntryPerson._meta.concrete_fields}
    entry_column = connection.ops.quote_name(str(fields["entry"]))
    person_column = connection.ops.quote_name(str(fields["person_id"]))
    param: Any
    if connection.vendor == "postgresql":
        rows, param = "SELECT %s, unnest(%s::uuid[])", ids
    else:
        rows, param = "SELECT %s, value FROM json_each(%s)", json.dumps([pk.hex for pk in ids])
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({entry_column}, {person_column}) {rows}",
            [entry_id, param],
        )


def audit_person_read(*, actor: Actor, person: Any, action: str = "person.view") -> AuditEntry:
    """Log that `actor` looked at a person, marking whether the person is protected."""
    return audit_record(
        actor=actor,
        action=action,
        object_type="Person",
        object_id=person.pk,
        person_id=person.pk,
        detail={"protected": bool(person.is_protected)},
    )


def audit_export(
    *, actor: Actor, what: str, rows: int, person_ids: Iterable[UUID] = (), **detail: Any
) -> AuditEntry:
    """Log an export: what was exported, how many rows, and which persons it held."""
    return audit_record(
        actor=actor,
        action="export",
        object_type=what,
        detail={"rows": rows, "persons": [str(p) for p in person_ids], **detail},
    )


AUDIT_BATCH = 1000


class AuditBatch:
    """Collect many entries with `add` and write them with `flush`, a thousand per INSERT.

    The same entries `audit_record` would write (same actor, request id and client
    address), for loaders such as the register import that log thousands of rows:
    one INSERT per entry would be most of their time.
    """

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
        AuditEntry.objects.bulk_create(self._entries, batch_size=AUDIT_BATCH)
        self._entries = []
        return count
