"""Keep the database refusing what grades must never do, on both databases.

- A grade decision (`grades_grade`) is never updated nor deleted (migration 0002).
- A betygskatalog (`grades_gradecatalogue`) is never deleted; it changes once, when the
  rektor signs it: from unsigned to signed, touching only the signing's columns
  (`CATALOGUE_SIGNING`). What the lock froze (`CATALOGUE_FROZEN`: the rows, the subject,
  the period, who locked it and when) never changes, and a signed catalogue does not
  change at all: no new PDF, no other signature, no unsigning (migration 0009).
- An issued certificate (`grades_gradedocument`) is never updated nor deleted (0009).

PostgreSQL: one row trigger per table, from the migrations; it survives added columns.
SQLite: the triggers below (the same migrations), which SQLite drops whenever a later
migration rebuilds the table (its way of altering columns). So, as `accounts.triggers`
does for the register version, they are created again after every `migrate`
(post_migrate) where missing. A column added to the catalogue must be placed in
`CATALOGUE_FROZEN` or `CATALOGUE_SIGNING` here and in a migration for PostgreSQL; a test
(test_document_triggers) fails until it is. TRUNCATE (PostgreSQL's test flush) is not a
row event; in production the application's role should not hold TRUNCATE on the tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connections

TABLE = "grades_grade"
CATALOGUE = "grades_gradecatalogue"
DOCUMENT = "grades_gradedocument"

# What the lock writes and the signing never touches.
CATALOGUE_FROZEN = (
    "id",
    "organisation_id",
    "grading_period_id",
    "syllabus_id",
    "group_id",
    "rows",
    "locked_by_id",
    "locked_at",
)
# What the signing writes (`services.documents.catalogue_sign`), once.
CATALOGUE_SIGNING = ("signed_by_id", "signed_at", "signature", "pdf", "pdf_sha256")


def _changed(columns: tuple[str, ...]) -> str:
    return " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in columns)


def _refuse(message: str) -> str:
    return f"BEGIN SELECT RAISE(ABORT, '{message}'); END"


SQLITE_TRIGGERS_BY_TABLE: dict[str, dict[str, str]] = {
    TABLE: {
        f"{TABLE}_no_update": (
            f"CREATE TRIGGER IF NOT EXISTS {TABLE}_no_update BEFORE UPDATE ON {TABLE} "
            + _refuse("grades_grade is immutable: UPDATE refused")
        ),
        f"{TABLE}_no_delete": (
            f"CREATE TRIGGER IF NOT EXISTS {TABLE}_no_delete BEFORE DELETE ON {TABLE} "
            + _refuse("grades_grade is immutable: DELETE refused")
        ),
    },
    CATALOGUE: {
        f"{CATALOGUE}_no_delete": (
            f"CREATE TRIGGER IF NOT EXISTS {CATALOGUE}_no_delete BEFORE DELETE ON {CATALOGUE} "
            + _refuse("grades_gradecatalogue is kept for ever: DELETE refused")
        ),
        f"{CATALOGUE}_signed": (
            f"CREATE TRIGGER IF NOT EXISTS {CATALOGUE}_signed BEFORE UPDATE ON {CATALOGUE} "
            "WHEN OLD.signed_at IS NOT NULL "
            + _refuse("grades_gradecatalogue is signed: UPDATE refused")
        ),
        # Unsigned: only the signing itself, with its PDF, and nothing the lock froze.
        f"{CATALOGUE}_locked": (
            f"CREATE TRIGGER IF NOT EXISTS {CATALOGUE}_locked BEFORE UPDATE ON {CATALOGUE} "
            f"WHEN OLD.signed_at IS NULL AND ({_changed(CATALOGUE_FROZEN)} "
            f"OR (NEW.signed_at IS NULL AND ({_changed(CATALOGUE_SIGNING)})) "
            "OR (NEW.signed_at IS NOT NULL AND NEW.pdf IS NULL)) "
            + _refuse("grades_gradecatalogue is locked: only its signing may change it")
        ),
    },
    DOCUMENT: {
        f"{DOCUMENT}_no_update": (
            f"CREATE TRIGGER IF NOT EXISTS {DOCUMENT}_no_update BEFORE UPDATE ON {DOCUMENT} "
            + _refuse("grades_gradedocument is immutable: UPDATE refused")
        ),
        f"{DOCUMENT}_no_delete": (
            f"CREATE TRIGGER IF NOT EXISTS {DOCUMENT}_no_delete BEFORE DELETE ON {DOCUMENT} "
            + _refuse("grades_gradedocument is immutable: DELETE refused")
        ),
    },
}
SQLITE_TRIGGERS: dict[str, str] = {
    name: sql for triggers in SQLITE_TRIGGERS_BY_TABLE.values() for name, sql in triggers.items()
}


def grade_triggers_ensure(*, using: str = "default", **_: Any) -> None:
    """Create the SQLite triggers that a table rebuild dropped (post_migrate)."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    tables = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for table, triggers in SQLITE_TRIGGERS_BY_TABLE.items():
            if table in tables:
                for sql in triggers.values():
                    cursor.execute(sql)


@contextmanager
def sqlite_triggers_lifted(cursor: Any) -> Iterator[None]:
    """Lift the SQLite triggers for the statements inside, then put them back.

    Only for the demo's wipe of the whole register (`demo.bulk.wipe_register`), which on
    PostgreSQL empties the tables with TRUNCATE, not a row event either. Inside the
    caller's transaction: if it fails, the triggers' removal rolls back with it.
    """
    for name in SQLITE_TRIGGERS:
        cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')
    yield
    for sql in SQLITE_TRIGGERS.values():
        cursor.execute(sql)
