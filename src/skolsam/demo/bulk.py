"""Write generated register rows in batches: COPY on PostgreSQL, bulk_create elsewhere.

The generator hands over plain tuples, one per row, in the column order of a `Table`.
A sink buffers them and, whenever `batch_size` rows are waiting, writes every table's
buffer in the order the tables were given (parents before children), so memory stays
bounded however large the register.

Foreign keys are DEFERRABLE INITIALLY DEFERRED in Django's schema on both PostgreSQL and
SQLite, so they are checked when the surrounding transaction commits.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, namedtuple
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from django.apps import apps
from django.db import connection, models
from django.db.models.fields import NOT_PROVIDED
from django.utils import timezone


class Table:
    """A model, the attribute names (`parent_id`, not `parent`) of the columns we fill,
    and a namedtuple type to build rows by keyword: `PERSON.row(id=..., given_name=...)`.

    `created` and `modified` are never among the columns: the sink stamps them, with the
    same time for every row of a load.
    """

    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        self.model = model
        self.columns = tuple(columns)
        self.name = model._meta.db_table
        self.row: Any = _namedtuple(model.__name__ + "Row", self.columns)
        field_names = {f.name for f in model._meta.concrete_fields}
        self.stamped = field_names >= STAMPS and not STAMPS & set(self.columns)

    def __repr__(self) -> str:
        return f"Table({self.name})"


STAMPS = frozenset({"created", "modified"})
# Typed loosely on purpose: mypy cannot follow a namedtuple built from run-time names.
_namedtuple: Callable[..., Any] = namedtuple


def through_table(model: type[models.Model], field_name: str) -> Table:
    """Return the Table of a many-to-many field's automatic through model."""
    field = model._meta.get_field(field_name)
    through = field.remote_field.through  # type: ignore[union-attr]
    return Table(
        through,
        (
            through._meta.get_field(field.m2m_field_name()).attname,  # type: ignore[union-attr]
            through._meta.get_field(field.m2m_reverse_field_name()).attname,  # type: ignore[union-attr]
        ),
    )


class Sink:
    """Buffer rows per table and write them in batches; subclasses say how to write."""

    def __init__(
        self, tables: Sequence[Table], *, batch_size: int = 20_000, now: datetime | None = None
    ) -> None:
        self.tables = tuple(tables)
        self.batch_size = batch_size
        self.now = now or timezone.now()
        self.counts: Counter[str] = Counter()
        self._buffers: dict[Table, list[tuple]] = {t: [] for t in self.tables}
        self._buffered = 0

    def add(self, table: Table, row: tuple) -> None:
        """Queue one row; write everything queued once a batch is full."""
        self._buffers[table].append(row)
        self._buffered += 1
        if self._buffered >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        """Write every queued row, table by table in dependency order."""
        for table in self.tables:
            rows = self._buffers[table]
            if rows:
                self._write(table, rows)
                self.counts[table.name] += len(rows)
                self._buffers[table] = []
        self._buffered = 0

    def _write(self, table: Table, rows: list[tuple]) -> None:
        raise NotImplementedError


class BulkCreateSink(Sink):
    """Write through the ORM's bulk_create: any database, model defaults filled by Django."""

    def _write(self, table: Table, rows: list[tuple]) -> None:
        model, columns = table.model, table.columns
        stamps = {"created": self.now, "modified": self.now} if table.stamped else {}
        model._default_manager.bulk_create(
            [model(**dict(zip(columns, row, strict=True)), **stamps) for row in rows]
        )


class CopySink(Sink):
    """Write with PostgreSQL's COPY FROM STDIN (psycopg 3), the fastest way to load rows.

    Columns the generator leaves out get the model field's default, so a field another
    app adds later does not break the load.
    """

    def __init__(
        self, tables: Sequence[Table], *, batch_size: int = 50_000, now: datetime | None = None
    ) -> None:
        if connection.vendor != "postgresql":
            raise RuntimeError("COPY needs PostgreSQL.")
        super().__init__(tables, batch_size=batch_size, now=now)
        self._plans = {t: _copy_plan(t, self.now) for t in self.tables}

    def _write(self, table: Table, rows: list[tuple]) -> None:
        sql, convert = self._plans[table]
        with connection.cursor() as cursor, cursor.copy(sql) as copy:
            if convert is None:
                for row in rows:
                    copy.write_row(row)
            else:
                for row in rows:
                    copy.write_row(convert(row))


def _copy_plan(table: Table, now: datetime) -> tuple[str, Callable[[tuple], tuple] | None]:
    """Return the COPY statement for a table and the row conversion it needs, if any."""
    meta = table.model._meta
    qn = connection.ops.quote_name
    given = set(table.columns)
    json_at = [
        i
        for i, name in enumerate(table.columns)
        if isinstance(meta.get_field(name), models.JSONField)
    ]
    extra_columns: list[str] = []
    constants: list[Any] = []
    for field in meta.concrete_fields:
        if field.attname in given:
            continue
        if field.primary_key and isinstance(field, models.AutoField | models.BigAutoField):
            continue  # the sequence fills it
        if table.stamped and field.name in STAMPS:
            extra_columns.append(field.attname)
            constants.append(now)
            continue
        if field.default is NOT_PROVIDED and not (field.null or field.empty_strings_allowed):
            raise RuntimeError(f"{meta.label}.{field.name} has no default; add it to the rows.")
        if field.has_default() and callable(field.default) and field.default not in (list, dict):
            # A default such as uuid4 or now() must be fresh for each row.
            raise RuntimeError(f"{meta.label}.{field.name} needs a value per row.")
        extra_columns.append(field.attname)
        constants.append(_db_default(field))
    columns = [_column(table.model, name) for name in (*table.columns, *extra_columns)]
    sql = "COPY {} ({}) FROM STDIN".format(qn(meta.db_table), ", ".join(qn(c) for c in columns))
    tail = tuple(constants)
    if not json_at and not tail:
        return sql, None

    def convert(row: tuple) -> tuple:
        if json_at:
            values = list(row)
            for i in json_at:
                values[i] = json.dumps(values[i], ensure_ascii=False)
            return (*values, *tail)
        return (*row, *tail)

    return sql, convert


def _column(model: type[models.Model], attname: str) -> str:
    """Return the database column of a model field given by attribute name."""
    field = model._meta.get_field(attname)
    assert isinstance(field, models.Field) and field.column, attname
    return field.column


def _db_default(field: models.Field) -> Any:
    """Return the field's default as COPY text input wants it ("" or None when it has none)."""
    if isinstance(field, models.JSONField):
        return json.dumps(field.get_default(), ensure_ascii=False)
    return field.get_default()


class DigestSink(Sink):
    """Write nothing; keep a SHA-256 of every table's rows (the timestamps are not in them).

    Two runs of the generator with the same plan and seed must give equal digests.
    """

    def __init__(self, tables: Sequence[Table]) -> None:
        super().__init__(tables, batch_size=10_000, now=None)
        self.digests: dict[str, Any] = {t.name: hashlib.sha256() for t in self.tables}

    def _write(self, table: Table, rows: list[tuple]) -> None:
        digest = self.digests[table.name]
        for row in rows:
            digest.update(repr(tuple(row)).encode())

    def hexdigests(self) -> dict[str, str]:
        """Return {table: hex digest} for every table."""
        return {name: d.hexdigest() for name, d in self.digests.items()}


def register_models() -> list[type[models.Model]]:
    """Return the models holding register data: organisations, persons and all hanging on them.

    Found from the foreign keys, so tables other apps add later (attendance, grades...)
    are included. Login accounts are left out: they are handled by `wipe_register`.
    """
    from skolsam.organisations.models import Organisation
    from skolsam.people.models import Person

    user_model = apps.get_model("accounts", "User")
    found: list[type[models.Model]] = [Organisation, Person]
    changed = True
    while changed:
        changed = False
        for model in apps.get_models(include_auto_created=True):
            if model in found or model is user_model:
                continue
            if any(
                f.is_relation and f.concrete and f.related_model in found
                for f in model._meta.get_fields()
            ):
                found.append(model)
                changed = True
    return found


def wipe_register() -> dict[str, int]:
    """Delete all register data and the login accounts of register persons.

    Keeps syllabuses, programmes, the audit log and accounts without a person. Call it
    inside a transaction.
    """
    from skolsam.people.models import Person

    user_model = apps.get_model("accounts", "User")
    removed = {"accounts_user": user_model._default_manager.filter(person__isnull=False).count()}
    user_model._default_manager.filter(person__isnull=False).delete()
    tables = [m._meta.db_table for m in register_models()]
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for name in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {qn(name)}")  # noqa: S608 - model metadata
            removed[name] = cursor.fetchone()[0]
        if connection.vendor == "postgresql":
            # TRUNCATE refuses tables with pending deferred-constraint checks from rows
            # written earlier in the same transaction; checking them now clears the queue.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            # accounts_user still references people_person, so TRUNCATE cannot take the
            # person table without taking every account; it is emptied with DELETE.
            person_table = Person._meta.db_table
            others = [t for t in tables if t != person_table]
            cursor.execute("TRUNCATE {}".format(", ".join(qn(t) for t in others)))
            cursor.execute(f"DELETE FROM {qn(person_table)}")  # noqa: S608 - model metadata
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            # Grade decisions are immutable (grades.triggers); a wipe of the whole demo
            # register takes them too, as TRUNCATE does on PostgreSQL.
            from skolsam.grades.triggers import sqlite_triggers_lifted

            with sqlite_triggers_lifted(cursor):
                for name in reversed(tables):
                    cursor.execute(f"DELETE FROM {qn(name)}")  # noqa: S608 - model metadata
    return removed


def row_counts(tables: Iterable[Table]) -> dict[str, int]:
    """Return {table: row count} for the given tables, as the database has them now."""
    qn = connection.ops.quote_name
    counts = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {qn(table.name)}")  # noqa: S608 - model metadata
            counts[table.name] = cursor.fetchone()[0]
    return counts
