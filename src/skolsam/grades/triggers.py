"""Keep the database refusing to change or delete a grade decision, on both databases.

PostgreSQL: one row trigger refuses UPDATE and DELETE on `grades_grade` (migration 0002);
it survives added columns. SQLite: two triggers (the same migration), which SQLite drops
whenever a later migration rebuilds the table (its way of altering columns). So, as
`accounts.triggers` does for the register version, they are created again after every
`migrate` (post_migrate) where missing. TRUNCATE (PostgreSQL's test flush) is not a row
event; in production the application's role should not hold TRUNCATE on the table.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connections

TABLE = "grades_grade"

SQLITE_TRIGGERS: dict[str, str] = {
    f"{TABLE}_no_update": (
        f"CREATE TRIGGER IF NOT EXISTS {TABLE}_no_update BEFORE UPDATE ON {TABLE} "
        "BEGIN SELECT RAISE(ABORT, 'grades_grade is immutable: UPDATE refused'); END"
    ),
    f"{TABLE}_no_delete": (
        f"CREATE TRIGGER IF NOT EXISTS {TABLE}_no_delete BEFORE DELETE ON {TABLE} "
        "BEGIN SELECT RAISE(ABORT, 'grades_grade is immutable: DELETE refused'); END"
    ),
}


def grade_triggers_ensure(*, using: str = "default", **_: Any) -> None:
    """Create the SQLite triggers that a table rebuild dropped (post_migrate)."""
    connection = connections[using]
    if connection.vendor != "sqlite" or TABLE not in connection.introspection.table_names():
        return
    with connection.cursor() as cursor:
        for sql in SQLITE_TRIGGERS.values():
            cursor.execute(sql)


@contextmanager
def sqlite_triggers_lifted(cursor: Any) -> Iterator[None]:
    """Lift the SQLite triggers for the statements inside, then put them back.

    Only for the demo's wipe of the whole register (`demo.bulk.wipe_register`), which on
    PostgreSQL empties the table with TRUNCATE, not a row event either. Inside the
    caller's transaction: if it fails, the triggers' removal rolls back with it.
    """
    for name in SQLITE_TRIGGERS:
        cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')
    yield
    for sql in SQLITE_TRIGGERS.values():
        cursor.execute(sql)
