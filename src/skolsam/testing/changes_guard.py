"""Fail any test in which product code writes a watched table without recording the change.

The SS 12000 API publishes changes only as the services record them
(`skolsam.core.changes.change_record`). This pytest plugin is the oracle that keeps that
true, at the database's level: it wraps every SQL statement of the test's connection
(`connection.execute_wrapper`), so it sees single saves, bulk inserts and upserts,
`QuerySet.update()`, cascades and hand-written SQL alike. A statement that inserts into,
updates or deletes rows of a watched table is an *unrecorded write* unless, at the end of
the test, the outbox holds a `ChangeRecord` of one of the entity types that table belongs
to. Writes inside a savepoint that is rolled back are forgotten, and so are the records
(they are gone from the database). Any unrecorded write fails the test, naming the product
code that made it.

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

import pytest
from django.db import connection

# Each watched model, with the SS 12000 entity types a change of its rows is part of.
# A row that belongs to another entity (an enrolment is part of its pupil's Person)
# counts as recorded when any of those types is.
WATCHED_TYPES: dict[str, tuple[str, ...]] = {
    "organisations.Organisation": ("Organisation",),
    "people.Person": ("Person",),
    "people.Responsible": ("Person",),
    "enrolment.Enrolment": ("Person",),
    "enrolment.Placement": ("Placement", "Person"),
    "duties.Duty": ("Duty", "Person"),
    "duties.AssignmentRole": ("Duty", "Group"),
    "groups.Group": ("Group",),
    "groups.GroupMembership": ("Group", "Person"),
    "activities.Activity": ("Activity",),
    "activities.ActivityTeacher": ("Activity",),
    "curriculum.SchoolUnitOffering": ("SchoolUnitOffering",),
    "curriculum.Syllabus": ("Syllabus",),
    "curriculum.Programme": ("Programme",),
    "schedule.CalendarEvent": ("CalendarEvent",),
    "schedule.Room": ("Room",),
    "schedule.Resource": ("Resource",),
    "attendance.Attendance": ("Attendance",),
    "attendance.Absence": ("Absence",),
    "attendance.AttendanceEvent": ("AttendanceEvent",),
    "attendance.AttendanceSchedule": ("AttendanceSchedule",),
}
# Many-to-many tables, by (model, field): their rows are part of the model's entity.
WATCHED_M2M = {
    ("activities.Activity", "groups"): ("Activity",),
    ("enrolment.Placement", "owners"): ("Placement", "Person"),
    ("curriculum.SchoolUnitOffering", "offered_syllabuses"): ("SchoolUnitOffering",),
    ("curriculum.SchoolUnitOffering", "offered_programmes"): ("SchoolUnitOffering",),
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

OUTBOX_TABLE = "core_changerecord"

# Modules that are not the caller: the first skolsam frame outside these decides.
PASS_THROUGH = ("skolsam.core.db", "skolsam.core.changes", __name__)
# Callers whose writes need no record.
EXEMPT = ("skolsam.testing", "skolsam.demo.", "skolsam.browser_tests")


def _tables() -> tuple[dict[str, tuple[str, ...]], dict[str, set[str]]]:
    from django.apps import apps

    tables: dict[str, tuple[str, ...]] = {}
    unpublished: dict[str, set[str]] = {}
    for label, types in WATCHED_TYPES.items():
        model = apps.get_model(label)
        tables[model._meta.db_table] = types
        if label in UNPUBLISHED:
            unpublished[model._meta.db_table] = UNPUBLISHED[label]
    for (label, name), types in WATCHED_M2M.items():
        through = apps.get_model(label)._meta.get_field(name).remote_field.through
        tables[through._meta.db_table] = types
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


@dataclass
class Write:
    table: str
    types: tuple[str, ...]
    caller: str
    sql: str


@dataclass
class Ledger:
    """The test's unrecorded writes and its records, undone with a rolled-back savepoint."""

    tables: dict[str, tuple[str, ...]]
    unpublished: dict[str, set[str]]
    writes: list[Write] = field(default_factory=list)
    savepoints: list[tuple[str, int]] = field(default_factory=list)

    def statement(self, sql: str, rowcount: int) -> None:
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
        matches = list(WRITE.finditer(sql))
        if any(m.group(2) == OUTBOX_TABLE for m in matches):
            # One statement that writes its own outbox row (`change_record_sql`, embedded
            # under the statement's own condition): recorded whenever it writes.
            return
        for match in matches:
            table = match.group(2)
            types = self.tables.get(table)
            if types is None:
                continue
            if match.group(1).upper() == "UPDATE" and table in self.unpublished:
                rest = sql[match.end() :]
                set_clause = re.split(r"\bWHERE\b", rest, maxsplit=1, flags=re.I)[0]
                columns = set(SET_COLUMN.findall(set_clause))
                if columns and columns <= self.unpublished[table]:
                    continue
            caller = _caller()
            if caller is not None:
                self.writes.append(Write(table, types, caller, sql[:200]))

    def unrecorded(self) -> list[Write]:
        if not self.writes:
            return []
        from skolsam.core.models import ChangeRecord

        # The records that survived: a rolled-back savepoint took its own with it.
        seen = set(ChangeRecord.objects.values_list("entity_type", flat=True).distinct())
        return [w for w in self.writes if not seen.intersection(w.types)]


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
        result = execute(sql, params, many, context)
        ledger.statement(sql, getattr(context.get("cursor"), "rowcount", -1))
        return result

    with connection.execute_wrapper(wrapper):
        yield
    missing = ledger.unrecorded()
    if missing:
        lines = [f"  {w.caller} wrote {w.table} (needs {' or '.join(w.types)})" for w in missing]
        pytest.fail(
            "Product code wrote watched rows without change_record():\n" + "\n".join(lines),
            pytrace=False,
        )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "unrecorded_writes: the test writes watched tables unrecorded on purpose"
    )
