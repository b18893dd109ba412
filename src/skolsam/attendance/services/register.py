"""Save a lesson's register: one bulk write, the version claimed, every change audit-logged."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple
from uuid import UUID

from django.db import connection, transaction
from django.db.models import F, FilteredRelation, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from skolsam.attendance import access as attendance_access
from skolsam.attendance.minutes import split
from skolsam.attendance.models import Attendance, AttendanceKind, AttendanceSource
from skolsam.attendance.policy import policy_for
from skolsam.attendance.services._common import _ROW_FIELDS
from skolsam.audit.models import AuditEntry
from skolsam.core import context
from skolsam.core.access import Actor
from skolsam.core.changes import change_record, change_record_sql, change_recorded
from skolsam.core.errors import DomainError
from skolsam.core.policy import Action
from skolsam.people.models import Person
from skolsam.schedule import calendar
from skolsam.schedule.access import lesson_policy
from skolsam.schedule.models import CalendarEvent


class StaleRegister(DomainError):
    """Someone else saved the register after it was opened."""


@dataclass(frozen=True)
class Mark:
    student_id: UUID
    kind: str
    valid: bool = False
    minutes: int = 0


@dataclass(frozen=True)
class _Saved:
    kind: str
    valid: bool
    minutes: int
    absence_id: UUID | None
    source: str
    absence_reason: str


@dataclass
class RegisterResult:
    saved: int
    invalid: int
    version: int
    # Every pupil on the register and the row written for them, in the register's order,
    # so the page can show the saved register without reading it again.
    written: list[tuple[Person, _Row]] = field(default_factory=list)


_UPDATE_COLUMNS = [f"{f}_id" if f in ("absence", "reporter") else f for f in _ROW_FIELDS]


def _check_mark(mark: Mark, length: int, name: str) -> None:
    if mark.kind not in AttendanceKind.values:
        raise DomainError(
            {"kind": _("%(name)s: okänd närvarotyp %(kind)r.") % {"name": name, "kind": mark.kind}}
        )
    if mark.kind in (AttendanceKind.LATE, AttendanceKind.LEFT_EARLY) and not (
        0 < mark.minutes < length
    ):
        raise DomainError(
            {
                "minutes": _(
                    "%(name)s: ange minuter mellan 1 och %(last)s för sen ankomst eller "
                    "när eleven gick."
                )
                % {"name": name, "last": length - 1}
            }
        )


def register_opens_at(lesson: CalendarEvent) -> datetime:
    """Return the moment the lesson's register may first be saved: its start, less the margin.

    The margin is the school unit's attendance setting (`register_margin_minutes`).
    """
    margin = policy_for(lesson.organisation_id, cached=True).register_margin_minutes
    return lesson.start_time - timedelta(minutes=margin)


def _check_register_open(lesson: CalendarEvent, now: datetime) -> None:
    """Refuse marks for a lesson that has not started (less the margin): they would be guesses.

    A lesson that has started needs no look-up of the settings, so a save in or after the
    lesson costs no query here.
    """
    if now >= lesson.start_time:
        return
    opens = register_opens_at(lesson)
    if now < opens:
        start = calendar.local(lesson.start_time)
        raise DomainError(
            _(
                "Lektionen har inte börjat: närvaron kan registreras från klockan "
                "%(time)s den %(day)s/%(month)s, inte innan eleverna är på plats. "
                "Inget sparades."
            )
            % {"time": f"{calendar.local(opens):%H:%M}", "day": start.day, "month": start.month}
        )


def _roster_and_saved(
    actor: Actor, lesson: CalendarEvent
) -> tuple[dict[UUID, Person], dict[UUID, _Saved]]:
    """Return the register's pupils (id → person) and their saved rows, in one query."""
    roster: dict[UUID, Person] = {}
    saved: dict[UUID, _Saved] = {}
    for person in (
        attendance_access.lesson_roster(actor, lesson)
        .annotate(
            saved=FilteredRelation(
                "attendance_rows", condition=Q(attendance_rows__calendar_event_id=lesson.pk)
            ),
            saved_kind=F("saved__kind"),
            saved_valid=F("saved__valid"),
            saved_minutes=F("saved__minutes"),
            saved_absence=F("saved__absence_id"),
            saved_source=F("saved__source"),
            saved_reason=F("saved__absence_reason"),
        )
        .only("id", "given_name", "middle_name", "family_name", "security_marking")
    ):
        roster[person.pk] = person
        if person.saved_kind is not None:
            saved[person.pk] = _Saved(
                person.saved_kind,
                person.saved_valid,
                person.saved_minutes,
                person.saved_absence,
                person.saved_source,
                person.saved_reason,
            )
    return roster, saved


def _audit_entry(
    *,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: Any,
    changes: dict[str, Any],
    detail: dict[str, Any],
    person_id: UUID | None = None,
) -> AuditEntry:
    """Build, unsaved, the entry `audit_record` would write (plain JSON values only)."""
    ctx = context.current()
    return AuditEntry(
        actor_id=actor.user_id,
        actor_label=(actor.label or ("system" if actor.is_system else ""))[:200],
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        person_id=person_id,
        changes=changes,
        detail=detail,
        request_id=ctx.request_id if ctx else "",
        client_address=ctx.client_address if ctx else None,
    )


class _Row(NamedTuple):
    """One pupil's row as the register writes it; the lesson's own columns are added."""

    student_id: UUID
    kind: str
    valid: bool
    minutes: int
    attendance_minutes: int
    valid_absence_minutes: int
    invalid_absence_minutes: int
    absence_reason: str
    source: str
    absence_id: UUID | None


@dataclass(frozen=True)
class _Claim:
    """What the save writes on the lesson, and the query that finds it if it may."""

    lesson: CalendarEvent
    query: QuerySet
    at: datetime
    by: UUID | None
    version: int


def _write_in_one_statement(claim: _Claim, rows: list[_Row], entries: list[AuditEntry]) -> bool:
    """Claim the version, upsert every row, log and record the change in one PG statement.

    A data-modifying CTE is one statement, so it is one transaction: either the version
    moved and everything is written, or (stale form, not the teacher) nothing is. The
    rows and the audit entries are inserted only if the claim returned the lesson. The rows
    travel as one JSON parameter (`json_to_recordset`), not hundreds of bound values.

    The version is checked on the updated row itself, not only inside the `IN (...)`
    subquery: when two saves of the same version race, the second waits for the first's
    row lock and PostgreSQL then re-checks only the conditions on the row it updates
    (READ COMMITTED). A check left in the subquery alone, evaluated before the wait, let
    the second save through on top of the first (found by the contended load test).
    """
    qn = connection.ops.quote_name
    lesson = claim.lesson
    select_sql, select_params = (
        claim.query.values("pk").query.get_compiler(connection=connection).as_sql()
    )
    log_fields = [f for f in AuditEntry._meta.concrete_fields if not f.primary_key]
    log_columns = ", ".join(qn(str(f.column)) for f in log_fields)
    log_row = ", ".join(f"CAST(%s AS {f.cast_db_type(connection)})" for f in log_fields)
    log_values = ", ".join(f"({log_row})" for _ in entries)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in _UPDATE_COLUMNS)
    # The outbox row for the API (the rows get their ids in SQL: "this lesson's attendances").
    record_sql, record_params = change_record_sql(
        entity_type="Attendance", organisation_ids=[lesson.organisation_id]
    )
    # Identifiers come from model metadata or are written out here; values are parameters.
    sql = (
        "WITH claim AS ("  # noqa: S608
        f"UPDATE {qn(CalendarEvent._meta.db_table)} SET register_version = register_version + 1,"
        f" reported_at = %s, reported_by_id = %s WHERE register_version = %s"
        f" AND id IN ({select_sql}) RETURNING id), "
        f"saved AS (INSERT INTO {qn(Attendance._meta.db_table)} (id, created, modified,"
        " calendar_event_id, student_id, date, organisation_id, kind, valid, minutes,"
        " attendance_minutes, valid_absence_minutes, invalid_absence_minutes,"
        " other_attendance_minutes, absence_reason, source, absence_id, reporter_id,"
        " reported_timestamp) "
        "SELECT gen_random_uuid(), %s, %s, %s, v.student_id, %s, %s, v.kind, v.valid,"
        " v.minutes, v.attendance_minutes, v.valid_absence_minutes, v.invalid_absence_minutes,"
        " 0, v.absence_reason, v.source, v.absence_id, %s, %s "
        "FROM json_to_recordset(%s::json) AS v(student_id uuid, kind text, valid boolean,"
        " minutes integer, attendance_minutes integer, valid_absence_minutes integer,"
        " invalid_absence_minutes integer, absence_reason text, source text, absence_id uuid) "
        "WHERE EXISTS (SELECT 1 FROM claim) "
        f"ON CONFLICT (calendar_event_id, student_id) DO UPDATE SET {updates}), "
        f"logged AS (INSERT INTO {qn(AuditEntry._meta.db_table)} ({log_columns}) "
        f"SELECT * FROM (VALUES {log_values}) AS entry WHERE EXISTS (SELECT 1 FROM claim)), "
        f"recorded AS ({record_sql} WHERE EXISTS (SELECT 1 FROM claim)) "
        "SELECT COUNT(*) FROM claim"
    )
    payload = json.dumps(
        [r._asdict() for r in rows], default=str, ensure_ascii=False, separators=(",", ":")
    )
    params = [
        claim.at,
        claim.by,
        claim.version,
        *select_params,
        claim.at,
        claim.at,
        lesson.pk,
        lesson.date,
        lesson.organisation_id,
        claim.by,
        claim.at,
        payload,
        *(
            f.get_db_prep_save(getattr(entry, f.attname), connection)
            for entry in entries
            for f in log_fields
        ),
        *record_params,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        claimed = bool(cursor.fetchone()[0])
    if claimed:
        change_recorded("Attendance")
    return claimed


def _upsert_sqlite(claim: _Claim, rows: list[_Row]) -> None:
    """Upsert every row in one SQLite statement, the rows as one JSON parameter.

    `bulk_create` would split a register of more than 52 pupils into several INSERTs
    (SQLite's 999 bound values), so the number of queries would follow the class size.
    """
    lesson = claim.lesson
    payload = json.dumps(
        [
            {
                **r._asdict(),
                # Stored as SQLite stores a UUIDField; the id is used for a new row only.
                "id": uuid.uuid4().hex,
                "student_id": r.student_id.hex,
                "absence_id": r.absence_id.hex if r.absence_id else None,
            }
            for r in rows
        ],
        ensure_ascii=False,
    )
    updates = ", ".join(f"{c} = excluded.{c}" for c in _UPDATE_COLUMNS)
    each = ", ".join(
        f"json_extract(value, '$.{c}')"
        for c in ("kind", "valid", "minutes", "attendance_minutes", "valid_absence_minutes")
    )
    sql = (
        f"INSERT INTO {Attendance._meta.db_table} (id, created, modified, calendar_event_id,"  # noqa: S608
        " student_id, date, organisation_id, kind, valid, minutes, attendance_minutes,"
        " valid_absence_minutes, invalid_absence_minutes, other_attendance_minutes,"
        " absence_reason, source, absence_id, reporter_id, reported_timestamp) "
        "SELECT json_extract(value, '$.id'), %s, %s, %s, json_extract(value, '$.student_id'),"
        f" %s, %s, {each}, json_extract(value, '$.invalid_absence_minutes'), 0,"
        " json_extract(value, '$.absence_reason'), json_extract(value, '$.source'),"
        " json_extract(value, '$.absence_id'), %s, %s "
        # WHERE true: SQLite's parser needs it before ON CONFLICT after a SELECT.
        f"FROM json_each(%s) WHERE true ON CONFLICT (calendar_event_id, student_id) "
        f"DO UPDATE SET {updates}"
    )
    at = connection.ops.adapt_datetimefield_value(claim.at)
    params = [
        at,
        at,
        lesson.pk.hex,
        connection.ops.adapt_datefield_value(lesson.date),
        lesson.organisation_id.hex,
        claim.by.hex if claim.by else None,
        at,
        payload,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _write_portable(claim: _Claim, rows: list[_Row], entries: list[AuditEntry]) -> bool:
    """Claim, upsert and log in one transaction, statement by statement (SQLite)."""
    with transaction.atomic():
        updated = claim.query.update(
            register_version=F("register_version") + 1,
            reported_at=claim.at,
            reported_by_id=claim.by,
        )
        if not updated:
            return False
        if rows:
            _upsert_sqlite(claim, rows)
        # The rows get their ids in SQL: recorded as "this lesson's attendances".
        change_record(entity_type="Attendance", organisation_ids=[claim.lesson.organisation_id])
        AuditEntry.objects.bulk_create(entries)
    return True


def register_save(
    *,
    actor: Actor,
    lesson: CalendarEvent,
    version: int,
    marks: list[Mark],
    reason: str = "",
) -> RegisterResult:
    """Save a lesson's register in one bulk write; everyone not marked is present.

    Refuses a stale `version` (someone saved in between), pupils not on the register,
    and a change after the lesson's day without a reason; a refused save writes nothing.
    Every save is audit-logged (`attendance.correct` with the old and new values after
    the lesson's day), and so is each pupil whose attendance it changes
    (`attendance.mark`, under the pupil). Invalid absence not already stored queues the same-day notice to
    the guardians, after commit.

    Two round trips on PostgreSQL: the roster with its saved rows, then one statement
    that claims the version (checking, in the same WHERE, that the actor teaches the
    lesson), upserts every row, writes the audit entry and the API's outbox row (see
    `_write_in_one_statement`). Elsewhere the last four are separate statements in one
    transaction.
    """
    if lesson.cancelled:
        raise DomainError(_("Lektionen är inställd."))
    now = timezone.now()
    _check_register_open(lesson, now)
    roster, existing = _roster_and_saved(actor, lesson)
    by_student = {m.student_id: m for m in marks}
    if not by_student.keys() <= roster.keys():
        raise DomainError(
            {"students": _("Registret innehåller elever som inte hör till lektionen.")}
        )
    length = lesson.duration_minutes
    rows: list[_Row] = []
    changes: dict[str, Any] = {}
    invalid = 0
    newly_invalid = False
    # Each pupil whose attendance changes gets an entry of their own, so the log answers
    # "who changed this pupil's attendance" by the pupil (the lesson's entry lists them all).
    pupil_changes: dict[UUID, dict[str, list[Any]]] = {}
    for pid, person in roster.items():
        mark = by_student.get(pid) or Mark(pid, AttendanceKind.PRESENT)
        _check_mark(mark, length, f"{person.given_name} {person.family_name}")
        valid = mark.valid and mark.kind != AttendanceKind.PRESENT
        minutes = (
            mark.minutes if mark.kind in (AttendanceKind.LATE, AttendanceKind.LEFT_EARLY) else 0
        )
        split_ = split(mark.kind, valid, minutes, length)
        old = existing.get(pid)
        after = (mark.kind, valid, minutes)
        before = (old.kind, old.valid, old.minutes) if old else None
        row = _Row(
            pid,
            mark.kind,
            valid,
            minutes,
            split_.attendance,
            split_.valid_absence,
            split_.invalid_absence,
            "",
            AttendanceSource.TEACHER,
            None,
        )
        # A guardian's report or granted leave the teacher left as it was keeps its origin.
        if old and old.absence_id and before == after:
            row = row._replace(
                source=old.source, absence_id=old.absence_id, absence_reason=old.absence_reason
            )
        if split_.invalid_absence:
            invalid += 1
            # Already-stored invalid absence has queued its notice when it was saved.
            if before is None or not split(*before, length).invalid_absence:
                newly_invalid = True
        if before != after and not (before is None and mark.kind == AttendanceKind.PRESENT):
            changes[str(pid)] = [list(before) if before else None, list(after)]
            pupil_changes[pid] = {
                field: [old_value, new_value]
                for field, old_value, new_value in zip(
                    ("kind", "valid", "minutes"), before or (None, None, None), after, strict=True
                )
                if old_value != new_value
            }
        rows.append(row)

    late_correction = lesson.reported_at is not None and lesson.date < actor.on and bool(changes)
    if late_correction and not reason.strip():
        raise DomainError(
            {"reason": _("Lektionsdagen har passerat: ange varför närvaron rättas i efterhand.")}
        )
    # The claim checks the version and, in the same statement, that the actor takes the
    # lesson's register (the policy's scope: teaches it, substitutes, or leads its school).
    query = lesson_policy.objects(actor, Action.TAKE_REGISTER).filter(
        pk=lesson.pk, register_version=version
    )
    correction = {"reason": reason.strip()} if late_correction else {}
    entries = [
        _audit_entry(
            actor=actor,
            action="attendance.correct" if late_correction else "attendance.register",
            object_type="CalendarEvent",
            object_id=lesson.pk,
            changes=changes,
            detail={
                "date": lesson.date.isoformat(),
                "pupils": len(rows),
                "invalid": invalid,
                **correction,
            },
        ),
        *(
            _audit_entry(
                actor=actor,
                action="attendance.mark",
                object_type="CalendarEvent",
                object_id=lesson.pk,
                person_id=pid,
                changes=pupil_change,
                detail={"date": lesson.date.isoformat(), **correction},
            )
            for pid, pupil_change in pupil_changes.items()
        ),
    ]
    write = _write_in_one_statement if connection.vendor == "postgresql" else _write_portable
    if not write(_Claim(lesson, query, now, actor.person_id, version), rows, entries):
        if not lesson_policy.can(actor, Action.TAKE_REGISTER, lesson):
            raise DomainError(_("Du har inte behörighet att rapportera närvaro på lektionen."))
        raise StaleRegister(
            "Någon annan har sparat närvaron på lektionen efter att du öppnade den. "
            "Se vad som sparades och gör dina ändringar igen."
        )
    if newly_invalid and lesson.date >= actor.on - timedelta(days=1):
        from skolsam.attendance.notices import schedule_absence_notices

        transaction.on_commit(
            lambda: schedule_absence_notices(
                organisation_id=lesson.organisation_id, day=lesson.date
            )
        )
    lesson.register_version = version + 1
    lesson.reported_at = now
    return RegisterResult(
        saved=len(rows),
        invalid=invalid,
        version=version + 1,
        written=[(roster[r.student_id], r) for r in rows],
    )
