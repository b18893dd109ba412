"""Record register changes for the SS 12000 API: an outbox written in the service's transaction.

Every service that creates, changes or deletes an entity the API publishes (or a row that
is part of one, such as an enrolment of a Person) calls `change_record` inside its
transaction: which entity type, which ids, in which organisations, whether they were
deleted. There are no model signals: a change no service records is not published, and
the test guard (`skolsam.testing.changes_guard`) fails any test in which product code
writes a watched table without recording it.

The row (`ChangeRecord`) is written in the same transaction as the change, so a rolled-back
change leaves none behind; a deletion also writes its tombstones, visible to
/deletedEntities as soon as the transaction commits. After commit, the hook named by the
setting SKOLSAM_CHANGES_COMMITTED is called once per transaction with the entity types
recorded; the API's hook enqueues the dispatcher, which reads the outbox. Core imports no
domain app and not the API: the hook is a dotted path, like a backend.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from skolsam.core.models import ChangeRecord, Tombstone, TombstoneOrganisation


def change_record(
    *,
    entity_type: str,
    ids: Iterable[UUID | str] = (),
    organisation_ids: Iterable[UUID | str | None],
    deleted: bool = False,
    public: bool = False,
    left: bool = False,
) -> ChangeRecord:
    """Record that entities of `entity_type` changed (or were deleted) in these organisations.

    Call it inside the writing service's transaction. `ids` may be empty for a bulk write
    that records "some rows of this type"; a deletion must name its ids, since each
    becomes a tombstone. `public` is for reference data that concerns every client.

    A change that names its ids also moves their `modified` (SS 12000's meta.modified) to
    now, so that what a webhook announces and what `meta.modified.after` finds always
    agree, including for changes of what an entity embeds (the enrolments of a Person,
    the members of a Group). Entity types in SKOLSAM_CHANGE_LEAVING (rows that can drop
    out of a client's view without being deleted) also get a `left` tombstone candidate
    in each organisation; `left=True` asks for that for any other type, where a service
    knows its rows drop out of view (protected identity hides a pupil's attendance).
    """
    entity_ids = [str(pk) for pk in dict.fromkeys(ids)]
    orgs = sorted({str(o) for o in organisation_ids if o is not None})
    if deleted and not entity_ids:
        raise ValueError("A deletion names the ids it deleted.")
    now = timezone.now()
    record = ChangeRecord.objects.create(
        entity_type=entity_type,
        entity_ids=entity_ids,
        organisation_ids=orgs,
        deleted=deleted,
        public=public,
        created_at=now,
    )
    leaving = left or entity_type in getattr(settings, "SKOLSAM_CHANGE_LEAVING", ())
    if not deleted and entity_ids:
        _touch(entity_type, entity_ids, now)
    if entity_ids and (deleted or (leaving and orgs)):
        Tombstone.objects.bulk_create(
            Tombstone(
                record=record,
                entity_type=entity_type,
                entity_id=pk,
                deleted_at=now,
                is_public=public,
                left=not deleted,
            )
            for pk in entity_ids
        )
        TombstoneOrganisation.objects.bulk_create(
            TombstoneOrganisation(record=record, organisation_id=org) for org in orgs
        )
    change_recorded(entity_type)
    return record


def _touch(entity_type: str, entity_ids: list[str], now: Any) -> None:
    """Move the entities' `modified` to now (SKOLSAM_CHANGE_MODELS names their models)."""
    label = getattr(settings, "SKOLSAM_CHANGE_MODELS", {}).get(entity_type)
    if label:
        apps.get_model(label).objects.filter(pk__in=entity_ids).update(modified=now)


def change_record_sql(
    *,
    entity_type: str,
    organisation_ids: Iterable[UUID | str | None],
    ids: Iterable[UUID | str] = (),
    public: bool = False,
) -> tuple[str, list[Any]]:
    """Return `INSERT INTO <outbox> (...) SELECT ...` and its parameters, for one statement.

    For a service that writes in one hand-written statement (the teacher's register on
    PostgreSQL, a data-modifying CTE): it embeds this, adding its own WHERE, so the outbox
    row is written by the same statement, then calls `change_recorded(entity_type)` if
    the statement changed anything. Changes only: a deletion writes tombstones, so it
    goes through `change_record`.
    """
    qn = connection.ops.quote_name
    values: dict[str, Any] = {
        "entity_type": entity_type,
        "entity_ids": [str(pk) for pk in dict.fromkeys(ids)],
        "organisation_ids": sorted({str(o) for o in organisation_ids if o is not None}),
        "deleted": False,
        "public": public,
        "created_at": timezone.now(),
    }
    fields = [f for f in ChangeRecord._meta.concrete_fields if f.name in values]
    columns = ", ".join(qn(str(f.column)) for f in fields)
    selected = ", ".join(f"CAST(%s AS {f.cast_db_type(connection)})" for f in fields)
    params = [f.get_db_prep_save(values[f.name], connection) for f in fields]
    sql = f"INSERT INTO {qn(ChangeRecord._meta.db_table)} ({columns}) SELECT {selected}"
    return sql, params


@dataclass
class _Batch:
    """The entity types recorded by one transaction, handed to the hook once it commits."""

    types: set[str] = field(default_factory=set)
    done: bool = False

    def committed(self) -> None:
        # Every record of the transaction registered this; the first to run does the work.
        if self.done:
            return
        self.done = True
        hook = getattr(settings, "SKOLSAM_CHANGES_COMMITTED", "")
        if hook:
            import_string(hook)(frozenset(self.types))


# Connections are per thread, and so is the transaction being recorded.
_local = threading.local()


def change_recorded(entity_type: str) -> None:
    """Have the hook called once when the current transaction commits.

    `change_record` calls it; a service that wrote its outbox row with `change_record_sql`
    calls it itself.

    Each call registers `committed` again, because Django's public API cannot say whether
    a savepoint that registered it earlier was rolled back (which drops the callback); the
    batch makes sure only the first callback to run calls the hook. A transaction that
    rolls back runs none; its batch is then reused by the next transaction, which at worst
    wakes the dispatcher for a type that did not change.
    """
    batch: _Batch | None = getattr(_local, "batch", None)
    if batch is None or batch.done:
        batch = _Batch()
        _local.batch = batch
    batch.types.add(entity_type)
    # robust: a failing hook is logged, not raised after the commit; the rows wait in the
    # outbox for the next dispatch.
    transaction.on_commit(batch.committed, robust=True)
