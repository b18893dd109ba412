"""Fail any test in which product code writes a watched table without recording the change.

The SS 12000 API publishes changes only as the services record them
(`skolsam.core.changes.change_record`). This pytest plugin is the oracle that keeps that
true, at the database's level: it wraps every SQL statement of the test's connection
(`connection.execute_wrapper`), so it sees single saves, bulk inserts and upserts,
`QuerySet.update()`, cascades and hand-written SQL alike. A statement that inserts into,
updates or deletes rows of a watched table is an *unrecorded write* unless, at the end of
the test, the outbox holds a `ChangeRecord` naming each written row's entity: the row's own
id, or the id of the entity it is part of (an enrolment's pupil, a membership's group or
person), under that entity's type. The ids come from the statement itself: an INSERT's
columns and parameters (VALUES, or PostgreSQL's bulk UNNEST), and for an UPDATE or DELETE
the rows its own WHERE selects just before it runs (on the raw cursor, so no query count
sees it). A record without ids (a bulk write's "some rows of this type") covers every row
of its type, and a statement whose rows cannot be named (an executemany, a hand-written
INSERT ... SELECT or CTE) is checked by type only, as before. Writes inside a savepoint
that is rolled back are forgotten, and so are the records (they are gone from the
database). Any unrecorded write fails the test, naming the product code that made it and
the ids it left unrecorded.

Only writes made by product code count: the first `skolsam` module on the stack (models
and helpers skipped) decides. Tests, factories and stories build their world directly;
the demo loader and the scale generator (`skolsam.demo`) write in bulk and record nothing,
as their docstrings say; migrations are not services. Updates that touch only columns the
API does not publish (a lesson's register claim) need no record, and neither does a
statement that writes its own outbox row (`change_record_sql`, under its own condition:
a refused register save on PostgreSQL writes neither).

A test that must write unrecorded on purpose says so with `@pytest.mark.unrecorded_writes`.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import pytest
from django.db import connection

# Each watched model, with the SS 12000 entity types a change of its rows is part of, and
# for each type the field holding that entity's id ("pk": the row is the entity). A row
# that belongs to another entity (an enrolment is part of its pupil's Person) counts as
# recorded when a record of any of those types names its id there.
WATCHED_TYPES: dict[str, dict[str, str]] = {
    "organisations.Organisation": {"Organisation": "pk"},
    "people.Person": {"Person": "pk"},
    "people.Responsible": {"Person": "person"},
    "enrolment.Enrolment": {"Person": "person"},
    "enrolment.Placement": {"Placement": "pk", "Person": "child"},
    "duties.Duty": {"Duty": "pk", "Person": "person"},
    "duties.AssignmentRole": {"Duty": "duty", "Group": "group"},
    "groups.Group": {"Group": "pk"},
    "groups.GroupMembership": {"Group": "group", "Person": "person"},
    "activities.Activity": {"Activity": "pk"},
    "activities.ActivityTeacher": {"Activity": "activity"},
    "curriculum.SchoolUnitOffering": {"SchoolUnitOffering": "pk"},
    "curriculum.Syllabus": {"Syllabus": "pk"},
    "curriculum.Programme": {"Programme": "pk"},
    "schedule.CalendarEvent": {"CalendarEvent": "pk"},
    "schedule.Room": {"Room": "pk"},
    "schedule.Resource": {"Resource": "pk"},
    "attendance.Attendance": {"Attendance": "pk"},
    "attendance.Absence": {"Absence": "pk"},
    "attendance.AttendanceEvent": {"AttendanceEvent": "pk"},
    "attendance.AttendanceSchedule": {"AttendanceSchedule": "pk"},
    # The grade as published (its id is the grade's lineage); its decisions, immutable
    # rows in grades.Grade, are served only through it.
    "grades.PublishedGrade": {"Grade": "pk"},
    "grades.StudyPlan": {"StudyPlan": "pk"},
    "grades.StudyPlanCourse": {"StudyPlan": "study_plan"},
}
# Many-to-many tables, by (model, field): their rows are part of the model's entity; the
# fields are the through model's.
WATCHED_M2M: dict[tuple[str, str], dict[str, str]] = {
    ("activities.Activity", "groups"): {"Activity": "activity"},
    ("enrolment.Placement", "owners"): {"Placement": "placement", "Person": "person"},
    ("curriculum.SchoolUnitOffering", "offered_syllabuses"): {
        "SchoolUnitOffering": "schoolunitoffering"
    },
    ("curriculum.SchoolUnitOffering", "offered_programmes"): {
        "SchoolUnitOffering": "schoolunitoffering"
    },
}
# Columns the API does not publish: an update that sets only these is no change.
UNPUBLISHED = {
    "schedule.CalendarEvent": {
        "register_version",
        "reported_at",
        "reported_by_id",
        "timetable_entry_id",
    },
    # The language a person reads Skolsam in is Skolsam's own setting.
    "people.Person": {"language"},
}

WRITE = re.compile(r'\b(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
SET_COLUMN = re.compile(r'"?(\w+)"?\s*=(?!=)')
SAVEPOINT = re.compile(r'^\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\s+"?(\w+)"?', re.I)

INSERT = re.compile(r'\s*INSERT\s+INTO\s+"?(\w+)"?\s*\(([^)]*)\)\s*(VALUES|SELECT)\b', re.I)

OUTBOX_TABLE = "core_changerecord"

# Modules that are not the caller: the first skolsam frame outside these decides.
PASS_THROUGH = ("skolsam.core.db", "skolsam.core.changes", __name__)
# Callers whose writes need no record.
EXEMPT = ("skolsam.testing", "skolsam.demo.", "skolsam.browser_tests")


@dataclass(frozen=True)
class Table:
    """A watched table: for each entity type its rows are part of, the column of its id."""

    name: str
    columns: dict[str, str]

    @property
    def types(self) -> tuple[str, ...]:
        return tuple(self.columns)


def _tables() -> tuple[dict[str, Table], dict[str, set[str]]]:
    from django.apps import apps
    from django.db.models import Model

    def columns(model: type[Model], fields: dict[str, str]) -> dict[str, str]:
        return {
            t: str(model._meta.pk.column if f == "pk" else model._meta.get_field(f).column)  # type: ignore[union-attr]
            for t, f in fields.items()
        }

    tables: dict[str, Table] = {}
    unpublished: dict[str, set[str]] = {}
    for label, fields in WATCHED_TYPES.items():
        model = apps.get_model(label)
        name = model._meta.db_table
        tables[name] = Table(name, columns(model, fields))
        if label in UNPUBLISHED:
            unpublished[name] = UNPUBLISHED[label]
    for (label, field_name), fields in WATCHED_M2M.items():
        through = apps.get_model(label)._meta.get_field(field_name).remote_field.through
        name = through._meta.db_table
        tables[name] = Table(name, columns(through, fields))
    return tables, unpublished


def _caller() -> str | None:
    """Return 'module:line' of the product code making the write, or None if exempt."""
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if name.startswith("skolsam.") and not (
            name.endswith(".models") or name.startswith(PASS_THROUGH)
        ):
            test_code = ".tests" in name or name.endswith("conftest") or ".migrations." in name
            if test_code or name.startswith(EXEMPT):
                return None
            return f"{name}:{frame.f_lineno} ({frame.f_code.co_name})"
        frame = frame.f_back  # type: ignore[assignment]
    return None


def _id(value: Any) -> str | None:
    """Spell an id as the outbox does (str of a UUID), whatever the database returned."""
    if value is None:
        return None
    try:
        return str(UUID(str(value)))
    except ValueError:
        return str(value)


def _top_level_where(sql: str, start: int) -> int:
    """Return the index of the statement's own WHERE (not a subquery's), or -1."""
    depth = 0
    for m in re.finditer(r"[()]|\bWHERE\b", sql[start:], flags=re.I):
        part = m.group(0)
        if part == "(":
            depth += 1
        elif part == ")":
            depth -= 1
        elif depth == 0:
            return start + m.start()
    return -1


def _inserted(sql: str, params: Any, table: Table) -> list[dict[str, str | None]] | None:
    """Read the inserted rows' entity ids from an INSERT's columns and parameters.

    Django writes `INSERT INTO t (cols) VALUES (%s, ...), (...)`, or on PostgreSQL a bulk
    `... SELECT * FROM UNNEST(%s::type[], ...)` with one array a column. Anything else
    (INSERT ... SELECT of hand-written SQL) gives None: its rows are not named here.
    """
    m = INSERT.match(sql)
    if m is None or params is None:
        return None
    columns = [c.strip().strip('"') for c in m.group(2).split(",")]
    wanted = {t: columns.index(c) for t, c in table.columns.items() if c in columns}
    if len(wanted) != len(table.columns):
        return None
    params = list(params)
    rest = sql[m.end() :]
    if m.group(3).upper() == "SELECT":
        if "UNNEST" not in rest.upper() or len(params) != len(columns):
            return None
        rows = list(zip(*params, strict=True))
    else:
        body = re.split(r"\b(ON\s+CONFLICT|RETURNING)\b", rest, maxsplit=1, flags=re.I)[0]
        tuples = re.findall(r"\(([^()]*)\)", body)
        cells = [[c.strip() for c in t.split(",")] for t in tuples]
        if not cells or any(row != ["%s"] * len(columns) for row in cells):
            return None
        if len(params) != len(columns) * len(cells):
            return None
        rows = [params[i : i + len(columns)] for i in range(0, len(params), len(columns))]
    return [{t: _id(row[i]) for t, i in wanted.items()} for row in rows]


def _touched(sql: str, params: Any, table: Table, verb: str) -> list[dict[str, str | None]] | None:
    """Read, before an UPDATE or DELETE runs, the entity ids of the rows it will touch.

    The statement's own WHERE, with its parameters, selects them, on the raw DB-API
    cursor (so no test's query count sees it) and, inside a transaction on PostgreSQL,
    within a savepoint (so a select that fails cannot abort the test's transaction).
    """
    head = re.match(rf'\s*(UPDATE|DELETE\s+FROM)\s+"?{table.name}"?\s', sql, flags=re.I)
    if head is None:
        return None
    params = list(params or [])
    where_at = _top_level_where(sql, head.end())
    if where_at < 0:
        where, where_params = "", []
    else:
        before = sql[head.end() : where_at]
        where = sql[where_at:]
        where_params = params[_placeholders(before) :]
        if _placeholders(where) != len(where_params):
            return None
    if re.search(r"\b(RETURNING|ORDER\s+BY|LIMIT)\b", where, flags=re.I):
        return None
    qn = connection.ops.quote_name
    select = (
        f"SELECT {', '.join(qn(c) for c in table.columns.values())} FROM {qn(table.name)} {where}"  # noqa: S608
    )
    if connection.vendor == "sqlite":
        select = re.sub(r"(?<!%)%s", "?", select).replace("%%", "%")
    savepoint = connection.vendor == "postgresql" and connection.in_atomic_block
    cursor = connection.connection.cursor()
    try:
        if savepoint:
            cursor.execute("SAVEPOINT changes_guard")
        try:
            cursor.execute(select, where_params)
            found = cursor.fetchall()
        except Exception:
            if savepoint:
                cursor.execute("ROLLBACK TO SAVEPOINT changes_guard")
            return None
        finally:
            if savepoint:
                cursor.execute("RELEASE SAVEPOINT changes_guard")
    except Exception:
        return None
    finally:
        cursor.close()
    return [{t: _id(v) for t, v in zip(table.columns, row, strict=True)} for row in found]


def _placeholders(sql: str) -> int:
    return len(re.findall(r"(?<!%)%s", sql))


@dataclass
class Write:
    table: str
    types: tuple[str, ...]
    caller: str
    sql: str
    # Each written row's entity id per type; None when the statement's rows are not named
    # (then any record of one of the types counts, as for a bulk write).
    rows: list[dict[str, str | None]] | None


@dataclass
class Ledger:
    """The test's unrecorded writes and its records, undone with a rolled-back savepoint."""

    tables: dict[str, Table]
    unpublished: dict[str, set[str]]
    caller: Callable[[], str | None] = field(default=lambda: _caller())
    writes: list[Write] = field(default_factory=list)
    savepoints: list[tuple[str, int]] = field(default_factory=list)

    def before(self, sql: str, params: Any) -> list[Write]:
        """Note the watched rows a product statement is about to write, with their ids."""
        if SAVEPOINT.match(sql) is not None:
            return []
        matches = list(WRITE.finditer(sql))
        if any(m.group(2) == OUTBOX_TABLE for m in matches):
            # One statement that writes its own outbox row (`change_record_sql`, embedded
            # under the statement's own condition): recorded whenever it writes.
            return []
        pending = []
        for match in matches:
            table = self.tables.get(match.group(2))
            if table is None:
                continue
            verb = match.group(1).upper()
            if verb == "UPDATE" and table.name in self.unpublished:
                rest = sql[match.end() :]
                set_clause = re.split(r"\bWHERE\b", rest, maxsplit=1, flags=re.I)[0]
                columns = set(SET_COLUMN.findall(set_clause))
                if columns and columns <= self.unpublished[table.name]:
                    continue
            caller = self.caller()
            if caller is None:
                continue
            rows = None
            if len(matches) == 1 and params is not None:
                if verb.startswith("INSERT"):
                    rows = _inserted(sql, params, table)
                else:
                    rows = _touched(sql, params, table, verb)
            pending.append(Write(table.name, table.types, caller, sql[:200], rows))
        return pending

    def statement(self, sql: str, rowcount: int, pending: list[Write] | None = None) -> None:
        if (sp := SAVEPOINT.match(sql)) is not None:
            verb, name = sp.group(1).upper(), sp.group(2)
            if verb == "SAVEPOINT":
                self.savepoints.append((name, len(self.writes)))
            else:
                for i in range(len(self.savepoints) - 1, -1, -1):
                    if self.savepoints[i][0] == name:
                        _, writes = self.savepoints[i]
                        if verb.startswith("ROLLBACK"):
                            del self.writes[writes:]
                            del self.savepoints[i + 1 :]
                        else:
                            del self.savepoints[i:]
                        break
            return
        if rowcount == 0:
            return  # e.g. a cascade that found nothing to delete
        self.writes.extend(pending or [])

    def unrecorded(self) -> list[tuple[Write, list[dict[str, str | None]]]]:
        """Return each write with the rows no record names (all of them when unnamed)."""
        if not self.writes:
            return []
        from skolsam.core.models import ChangeRecord

        # The records that survived: a rolled-back savepoint took its own with it.
        named: dict[str, set[str]] = {}
        some_rows: set[str] = set()
        for entity_type, ids in ChangeRecord.objects.values_list("entity_type", "entity_ids"):
            if ids:
                named.setdefault(entity_type, set()).update(ids)
            else:
                some_rows.add(entity_type)
        seen = some_rows | set(named)
        missing: list[tuple[Write, list[dict[str, str | None]]]] = []
        for w in self.writes:
            if w.rows is None or some_rows.intersection(w.types):
                if not seen.intersection(w.types):
                    missing.append((w, []))
                continue
            rows = [
                row
                for row in w.rows
                if not any(i is not None and i in named.get(t, ()) for t, i in row.items())
            ]
            if rows:
                missing.append((w, rows))
        return missing


@pytest.fixture(autouse=True)
def _changes_are_recorded(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail the test if product code wrote a watched table without `change_record`."""
    if request.node.get_closest_marker("unrecorded_writes") is not None:
        yield
        return
    if "_django_db_helper" in request.fixturenames:
        # Set the database up first, so it is still there when this fixture checks it.
        request.getfixturevalue("_django_db_helper")
    ledger = Ledger(*_tables())

    def wrapper(execute: Callable, sql: str, params: Any, many: bool, context: Any) -> Any:
        # An executemany's rows are not named: it is checked by type.
        pending = ledger.before(sql, None if many else params)
        result = execute(sql, params, many, context)
        ledger.statement(sql, getattr(context.get("cursor"), "rowcount", -1), pending)
        return result

    with connection.execute_wrapper(wrapper):
        yield
    missing = ledger.unrecorded()
    if missing:
        lines = [
            f"  {w.caller} wrote {w.table} (needs {' or '.join(w.types)}"
            + (f" naming {', '.join(_describe(r) for r in rows[:3])})" if rows else ")")
            for w, rows in missing
        ]
        pytest.fail(
            "Product code wrote watched rows without change_record():\n" + "\n".join(lines),
            pytrace=False,
        )


def _describe(row: dict[str, str | None]) -> str:
    return " or ".join(f"{t} {i}" for t, i in row.items() if i is not None)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "unrecorded_writes: the test writes watched tables unrecorded on purpose"
    )
