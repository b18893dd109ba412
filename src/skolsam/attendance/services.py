"""Write attendance: lesson registers, absence reports, leave, exemptions from notices,
preschool schedules and check-ins, absence investigations and CSN decisions."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple
from uuid import UUID

from django.db import IntegrityError, connection, transaction
from django.db.models import F, FilteredRelation, Q, QuerySet
from django.utils import timezone

from skolsam.attendance import access as attendance_access
from skolsam.attendance.access import investigation_policy
from skolsam.attendance.minutes import split
from skolsam.attendance.models import (
    Absence,
    AbsenceChannel,
    AbsenceInvestigation,
    AbsenceType,
    Attendance,
    AttendanceEvent,
    AttendanceEventType,
    AttendanceKind,
    AttendancePolicy,
    AttendanceSchedule,
    AttendanceScheduleStateChange,
    AttendanceSource,
    CsnDecision,
    CsnDecisionKind,
    CsnReport,
    CsnReturn,
    InvestigationStatus,
    InvestigationStep,
    LeaveConsent,
    LeaveRequest,
    LeaveStatus,
    NoticeExemption,
    ScheduleState,
    StepKind,
)
from skolsam.attendance.policy import policy_for
from skolsam.audit.models import AuditEntry
from skolsam.audit.services import audit_export, audit_record
from skolsam.core import context
from skolsam.core.access import Actor
from skolsam.core.changes import announce
from skolsam.core.choices import OrganisationType
from skolsam.core.errors import DomainError
from skolsam.core.models import valid_on
from skolsam.core.policy import Action
from skolsam.enrolment.models import Enrolment, Placement
from skolsam.groups.models import Group
from skolsam.organisations.access import organisation_policy
from skolsam.organisations.models import Organisation
from skolsam.people.access import child_policy, relations_acting_for
from skolsam.people.models import Person
from skolsam.schedule import calendar
from skolsam.schedule.access import lessons_of_person, may_take_register, taught_by
from skolsam.schedule.models import CalendarEvent


class StaleRegister(DomainError):
    """Someone else saved the register after it was opened."""


# --- the lesson register ----------------------------------------------------------------


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


_ROW_FIELDS = (
    "kind",
    "valid",
    "minutes",
    "attendance_minutes",
    "valid_absence_minutes",
    "invalid_absence_minutes",
    "absence_reason",
    "source",
    "absence",
    "reporter",
    "reported_timestamp",
    "modified",
)
_UPDATE_COLUMNS = [f"{f}_id" if f in ("absence", "reporter") else f for f in _ROW_FIELDS]


def _check_mark(mark: Mark, length: int, name: str) -> None:
    if mark.kind not in AttendanceKind.values:
        raise DomainError({"kind": f"{name}: okänd närvarotyp {mark.kind!r}."})
    if mark.kind in (AttendanceKind.LATE, AttendanceKind.LEFT_EARLY) and not (
        0 < mark.minutes < length
    ):
        raise DomainError(
            {
                "minutes": f"{name}: ange minuter mellan 1 och {length - 1} för sen ankomst eller "
                "när eleven gick."
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
            f"Lektionen har inte börjat: närvaron kan registreras från klockan "
            f"{calendar.local(opens):%H:%M} den {start.day}/{start.month}, "
            f"inte innan eleverna är på plats. Inget sparades."
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
    """Claim the version, upsert every row and log, in one PostgreSQL statement.

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
        f"SELECT * FROM (VALUES {log_values}) AS entry WHERE EXISTS (SELECT 1 FROM claim)) "
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
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return bool(cursor.fetchone()[0])


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
    lesson), upserts every row and writes the audit entry (see `_write_in_one_statement`).
    Elsewhere the last three are separate statements in one transaction.
    """
    if lesson.cancelled:
        raise DomainError("Lektionen är inställd.")
    now = timezone.now()
    _check_register_open(lesson, now)
    roster, existing = _roster_and_saved(actor, lesson)
    by_student = {m.student_id: m for m in marks}
    if not by_student.keys() <= roster.keys():
        raise DomainError({"students": "Registret innehåller elever som inte hör till lektionen."})
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
            {"reason": "Lektionsdagen har passerat: ange varför närvaron rättas i efterhand."}
        )
    # The claim checks the version and, in the same statement, that the actor teaches the
    # lesson (or leads its school).
    query = CalendarEvent.objects.filter(pk=lesson.pk, register_version=version)
    if not actor.is_system and lesson.organisation_id not in actor.admin_org_ids:
        query = query.filter(taught_by(actor.person_id))
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
        if not actor.is_system and not may_take_register(actor, lesson):
            raise DomainError("Du har inte behörighet att rapportera närvaro på lektionen.")
        raise StaleRegister(
            "Någon annan har sparat närvaron på lektionen efter att du öppnade den. "
            "Se vad som sparades och gör dina ändringar igen."
        )
    announce(entity_types=["Attendance"], organisation_ids=[lesson.organisation_id])
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


# --- reported absence --------------------------------------------------------------------


def _school_unit_of(student: Person, day: date) -> Organisation:
    enrolment = (
        Enrolment.objects.filter(valid_on(day), person=student, cancelled=False)
        .select_related("enroled_at")
        .order_by("start_date")
        .first()
    )
    if enrolment is not None:
        return enrolment.enroled_at
    placement = (
        Placement.objects.filter(valid_on(day), child=student)
        .select_related("placed_at")
        .order_by("start_date")
        .first()
    )
    if placement is not None:
        return placement.placed_at
    raise DomainError({"student": "Eleven är inte inskriven vid någon skola den dagen."})


def _guardians_of(
    student: Person, day: date, action: Action = Action.REPORT_ABSENCE
) -> list[Person]:
    """Return the adults who may take `action` for the pupil (people.access.child_policy)."""
    return list(
        Person.objects.filter(
            pk__in=relations_acting_for(action, day).filter(person=student).values("responsible_id")
        ).order_by("family_name", "given_name", "id")
    )


def _may_report_for(actor: Actor, student: Person, unit: Organisation) -> str:
    """Return the channel the actor reports through, or refuse."""
    if actor.is_system:
        return AbsenceChannel.API
    if child_policy.can(actor, Action.REPORT_ABSENCE, student):
        return AbsenceChannel.WEB
    if (
        unit.pk in actor.staff_org_ids
        and attendance_access.pupils_visible_to(actor).filter(pk=student.pk).exists()
    ):
        return AbsenceChannel.PHONE
    raise DomainError("Du kan bara anmäla frånvaro för dina egna barn.")


def _apply_absence(absence: Absence) -> int:
    """Make the absence valid absence in every register it touches; return how many.

    A lesson where the teacher already marked the pupil present stays as it is: the
    teacher saw the pupil. Invalid absence the teacher marked becomes valid.
    """
    lessons = list(
        lessons_of_person(absence.student_id).filter(
            cancelled=False,
            start_time__lt=absence.end_time,
            end_time__gt=absence.start_time,
        )
    )
    existing = {
        a.calendar_event_id: a
        for a in Attendance.objects.filter(
            student_id=absence.student_id, calendar_event__in=lessons
        )
    }
    source = (
        AttendanceSource.LEAVE if absence.type == AbsenceType.LEDIGHET else AttendanceSource.ABSENCE
    )
    now = timezone.now()
    rows = []
    for lesson in lessons:
        old = existing.get(lesson.pk)
        if old is not None and old.kind == AttendanceKind.PRESENT:
            continue
        start = max(lesson.start_time, absence.start_time)
        end = min(lesson.end_time, absence.end_time)
        away = int((end - start).total_seconds() // 60)
        length = lesson.duration_minutes
        if away >= length or (old is not None and old.kind == AttendanceKind.ABSENT):
            kind, minutes = AttendanceKind.ABSENT, 0
        elif start == lesson.start_time:
            kind, minutes = AttendanceKind.LATE, away
        else:
            kind, minutes = AttendanceKind.LEFT_EARLY, away
        s = split(kind, True, minutes, length)
        rows.append(
            Attendance(
                id=old.pk if old else uuid.uuid4(),
                calendar_event_id=lesson.pk,
                student_id=absence.student_id,
                date=lesson.date,
                organisation_id=lesson.organisation_id,
                kind=kind,
                valid=True,
                minutes=minutes,
                attendance_minutes=s.attendance,
                valid_absence_minutes=s.valid_absence,
                invalid_absence_minutes=0,
                absence_reason=absence.type,
                source=source,
                absence_id=absence.pk,
                reporter_id=absence.registered_by_id,
                reported_timestamp=old.reported_timestamp if old else None,
                modified=now,
            )
        )
    Attendance.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["calendar_event", "student"],
        update_fields=[f"{f}_id" if f in ("absence", "reporter") else f for f in _ROW_FIELDS],
    )
    announce(entity_types=["Attendance"], organisation_ids={r.organisation_id for r in rows})
    return len(rows)


@transaction.atomic
def absence_report(
    *,
    actor: Actor,
    student: Person,
    start: datetime,
    end: datetime,
    reported_for: Person | None = None,
    absence_type: str = AbsenceType.ANMALD,
) -> Absence:
    """Report a pupil absent from `start` to `end`; it becomes valid absence in every lesson.

    A guardian reports their own child; staff at the pupil's school register a report
    received by phone, naming the guardian who called (`reported_for`).
    """
    if end <= start:
        raise DomainError({"end": "Frånvaron måste sluta efter att den börjar."})
    if end - start > timedelta(days=31):
        raise DomainError({"end": "En anmälan kan gälla högst en månad; gör en ny för resten."})
    local_start = calendar.local(start)
    unit = _school_unit_of(student, local_start.date())
    channel = _may_report_for(actor, student, unit)
    if local_start.date() < actor.on and channel == AbsenceChannel.WEB:
        raise DomainError({"start": "Frånvaro kan inte anmälas i efterhand; kontakta skolan."})
    if channel == AbsenceChannel.PHONE and (
        reported_for is None
        or reported_for not in _guardians_of(student, local_start.date(), Action.REPORT_ABSENCE)
    ):
        raise DomainError({"reported_for": "Ange vilken vårdnadshavare som ringde."})
    if absence_type not in AbsenceType.values:
        raise DomainError({"type": "Okänd frånvarotyp."})
    absence = Absence.objects.create(
        student=student,
        organisation=unit,
        start_time=start,
        end_time=end,
        type=absence_type,
        channel=channel,
        registered_by_id=actor.person_id,
        reported_for=reported_for,
    )
    lessons = _apply_absence(absence)
    audit_record(
        actor=actor,
        action="absence.report",
        object_type="Absence",
        object_id=absence.pk,
        person_id=student.pk,
        detail={"start": start, "end": end, "channel": channel, "lessons": lessons},
    )
    return absence


def day_span(
    first: date, last: date, start: time | None = None, end: time | None = None
) -> tuple[datetime, datetime]:
    """Return the aware period from `start` on `first` to `end` on `last` (whole days by default)."""
    begin = calendar.at(first, start or time(0, 0))
    finish = calendar.at(last, end) if end else calendar.at(last + timedelta(days=1), time(0, 0))
    return begin, finish


# --- leave -----------------------------------------------------------------------------------


@transaction.atomic
def leave_request_create(
    *, actor: Actor, student: Person, start_date: date, end_date: date, reason: str
) -> LeaveRequest:
    """Apply for leave for one's child. With the huvudman's setting, every guardian must agree."""
    child_policy.require(
        actor, Action.APPLY_FOR_LEAVE, student, "Du kan bara ansöka om ledighet för dina egna barn."
    )
    if end_date < start_date:
        raise DomainError({"end_date": "Slutdatum kan inte ligga före startdatum."})
    if start_date < actor.on:
        raise DomainError({"start_date": "Ledighet söks i förväg; startdatum har passerat."})
    if not reason.strip():
        raise DomainError({"reason": "Skriv skälet till ledigheten."})
    unit = _school_unit_of(student, start_date)
    guardians = _guardians_of(student, actor.on, Action.CONSENT)
    policy = policy_for(unit.pk)
    everyone = policy.leave_requires_all_guardians and len(guardians) > 1
    leave = LeaveRequest.objects.create(
        student=student,
        organisation=unit,
        start_date=start_date,
        end_date=end_date,
        reason=reason.strip()[:500],
        requested_by_id=actor.person_id,
        status=LeaveStatus.AWAITING_GUARDIANS if everyone else LeaveStatus.REQUESTED,
    )
    assert actor.person_id is not None  # a guardian is a person
    LeaveConsent.objects.create(leave_request=leave, guardian_id=actor.person_id, at=timezone.now())
    audit_record(
        actor=actor,
        action="leave.request",
        object_type="LeaveRequest",
        object_id=leave.pk,
        person_id=student.pk,
        detail={"start": start_date, "end": end_date, "status": leave.status},
    )
    return leave


@transaction.atomic
def leave_request_consent(*, actor: Actor, leave: LeaveRequest) -> LeaveRequest:
    """Agree, as the other guardian, to a leave request; when all have, it goes to the rektor."""
    leave = LeaveRequest.objects.select_for_update().get(pk=leave.pk)
    child_policy.require(
        actor, Action.CONSENT, leave.student, "Du är inte vårdnadshavare för eleven."
    )
    if leave.status != LeaveStatus.AWAITING_GUARDIANS:
        raise DomainError("Ansökan väntar inte på ditt godkännande.")
    LeaveConsent.objects.get_or_create(
        leave_request=leave, guardian_id=actor.person_id, defaults={"at": timezone.now()}
    )
    agreed = set(leave.consents.values_list("guardian_id", flat=True))
    student = Person.objects.get(pk=leave.student_id)
    if {g.pk for g in _guardians_of(student, actor.on, Action.CONSENT)} <= agreed:
        leave.status = LeaveStatus.REQUESTED
        leave.modified = timezone.now()
        leave.save(update_fields=["status", "modified"])
    audit_record(
        actor=actor,
        action="leave.consent",
        object_type="LeaveRequest",
        object_id=leave.pk,
        person_id=leave.student_id,
        detail={"status": leave.status},
    )
    return leave


@transaction.atomic
def leave_request_decide(
    *, actor: Actor, leave: LeaveRequest, grant: bool, reason: str = ""
) -> LeaveRequest:
    """Grant or reject leave as the rektor; granted leave becomes valid absence; the
    guardians are told, after commit."""
    leave = LeaveRequest.objects.select_for_update().get(pk=leave.pk)
    organisation_policy.require(
        actor, Action.DECIDE, leave.organisation_id, "Bara rektor kan besluta om ledighet."
    )
    if leave.status != LeaveStatus.REQUESTED:
        raise DomainError("Ansökan är inte redo för beslut.")
    if not grant and not reason.strip():
        raise DomainError({"decision_reason": "Skriv skälet till avslaget."})
    leave.status = LeaveStatus.GRANTED if grant else LeaveStatus.REJECTED
    leave.decided_by_id = actor.person_id
    leave.decided_at = timezone.now()
    leave.decision_reason = reason.strip()[:500]
    leave.modified = leave.decided_at
    leave.save()
    lessons = 0
    if grant:
        start, end = day_span(leave.start_date, leave.end_date)
        absence = Absence.objects.create(
            student_id=leave.student_id,
            organisation_id=leave.organisation_id,
            start_time=start,
            end_time=end,
            type=AbsenceType.LEDIGHET,
            channel=AbsenceChannel.LEAVE,
            registered_by_id=actor.person_id,
            leave_request=leave,
        )
        lessons = _apply_absence(absence)
    audit_record(
        actor=actor,
        action="leave.decide",
        object_type="LeaveRequest",
        object_id=leave.pk,
        person_id=leave.student_id,
        changes={"status": [LeaveStatus.REQUESTED, leave.status]},
        detail={"reason": leave.decision_reason, "lessons": lessons},
    )
    from skolsam.attendance.notices import schedule_leave_decision_notices

    transaction.on_commit(lambda: schedule_leave_decision_notices(leave_id=leave.pk))
    return leave


@transaction.atomic
def notice_exemption_create(
    *, actor: Actor, student: Person, start_date: date, end_date: date, reason: str
) -> NoticeExemption:
    """Record the rektor's decision not to notify the guardians (särskilda skäl)."""
    unit = _school_unit_of(student, start_date)
    organisation_policy.require(
        actor, Action.DECIDE, unit.pk, "Bara rektor kan besluta om särskilda skäl."
    )
    if end_date < start_date:
        raise DomainError({"end_date": "Slutdatum kan inte ligga före startdatum."})
    if not reason.strip():
        raise DomainError({"reason": "Skriv de särskilda skälen."})
    row = NoticeExemption.objects.create(
        student=student,
        organisation=unit,
        start_date=start_date,
        end_date=end_date,
        reason=reason.strip()[:300],
        decided_by_id=actor.person_id,
        created=timezone.now(),
    )
    audit_record(
        actor=actor,
        action="notice.exemption",
        object_type="NoticeExemption",
        object_id=row.pk,
        person_id=student.pk,
        detail={"start": start_date, "end": end_date},
    )
    return row


# --- preschool and fritidshem ---------------------------------------------------------------

DAY_NAMES = calendar.WEEKDAYS


def _clean_entries(entries: list[dict[str, Any]], weeks: int) -> list[dict[str, Any]]:
    clean = []
    for i, entry in enumerate(entries, start=1):
        day = entry.get("dayOfWeek")
        if day not in DAY_NAMES:
            raise DomainError({"schedule_entries": f"Rad {i}: okänd veckodag {day!r}."})
        try:
            start = datetime.strptime(str(entry.get("startTime")), "%H:%M").time()
            end = datetime.strptime(str(entry.get("endTime")), "%H:%M").time()
        except ValueError:
            raise DomainError({"schedule_entries": f"Rad {i}: tider skrivs TT:MM."}) from None
        if end <= start:
            raise DomainError(
                {"schedule_entries": f"Rad {i} ({day}): sluttiden måste vara efter starttiden."}
            )
        offset = int(entry.get("weekOffset") or 0)
        if not 0 <= offset < weeks:
            raise DomainError(
                {
                    "schedule_entries": f"Rad {i}: vecka {offset} finns inte i ett {weeks}-veckorsschema."
                }
            )
        clean.append(
            {
                "weekOffset": offset,
                "dayOfWeek": day,
                "startTime": start.strftime("%H:%M"),
                "endTime": end.strftime("%H:%M"),
            }
        )
    if not clean:
        raise DomainError({"schedule_entries": "Schemat har inga tider."})
    return clean


@transaction.atomic
def attendance_schedule_submit(
    *,
    actor: Actor,
    placement: Placement,
    entries: list[dict[str, Any]],
    start_date: date,
    end_date: date | None = None,
    number_of_weeks: int = 1,
    temporary: bool = False,
) -> AttendanceSchedule:
    """Submit a child's vistelseschema; a guardian's is requested (Begärt) until staff approve."""
    if not child_policy.can(actor, Action.SUBMIT_SCHEDULE, placement.child) and not (
        organisation_policy.can(actor, Action.VIEW, placement.placed_at_id)
    ):
        raise DomainError("Du kan bara lämna schema för dina egna barn.")
    if not 1 <= number_of_weeks <= 4:
        raise DomainError({"number_of_weeks": "Ett schema kan gälla 1–4 veckor i följd."})
    if temporary and end_date is None:
        raise DomainError({"end_date": "Ett tillfälligt schema måste ha ett slutdatum."})
    if end_date is not None and end_date < start_date:
        raise DomainError({"end_date": "Slutdatum kan inte ligga före startdatum."})
    clean = _clean_entries(entries, number_of_weeks)
    if placement.max_weekly_schedule_hours:
        weekly = (
            sum(
                (
                    datetime.strptime(e["endTime"], "%H:%M")
                    - datetime.strptime(e["startTime"], "%H:%M")
                ).seconds
                for e in clean
            )
            / 3600
            / number_of_weeks
        )
        if weekly > placement.max_weekly_schedule_hours:
            raise DomainError(
                {
                    "schedule_entries": f"Schemat är {weekly:.1f} timmar i veckan; placeringen medger "
                    f"{placement.max_weekly_schedule_hours}."
                }
            )
    now = timezone.now()
    schedule = AttendanceSchedule.objects.create(
        placement=placement,
        number_of_weeks=number_of_weeks,
        start_date=start_date,
        end_date=end_date,
        temporary=temporary,
        state=ScheduleState.BEGART,
        schedule_entries=clean,
        registered_by_id=actor.person_id,
    )
    AttendanceScheduleStateChange.objects.create(
        schedule=schedule,
        state=ScheduleState.BEGART,
        registered_at=now,
        registered_by_id=actor.person_id,
    )
    audit_record(
        actor=actor,
        action="schedule.submit",
        object_type="AttendanceSchedule",
        object_id=schedule.pk,
        person_id=placement.child_id,
        detail={"start": start_date, "end": end_date, "entries": len(clean)},
    )
    return schedule


@transaction.atomic
def attendance_schedule_decide(
    *, actor: Actor, schedule: AttendanceSchedule, approve: bool, comment: str = ""
) -> AttendanceSchedule:
    """Approve or refuse a requested schedule, as staff at the child's unit."""
    schedule = (
        AttendanceSchedule.objects.select_for_update()
        .select_related("placement")
        .get(pk=schedule.pk)
    )
    organisation_policy.require(
        actor, Action.VIEW, schedule.placement.placed_at_id, "Du arbetar inte vid barnets enhet."
    )
    if schedule.state != ScheduleState.BEGART:
        raise DomainError("Schemat är redan hanterat.")
    if not approve and not comment.strip():
        raise DomainError({"comment": "Skriv varför schemat inte godkänns."})
    old = schedule.state
    schedule.state = ScheduleState.GODKANT if approve else ScheduleState.NEKAT
    schedule.modified = timezone.now()
    schedule.save(update_fields=["state", "modified"])
    AttendanceScheduleStateChange.objects.create(
        schedule=schedule,
        state=schedule.state,
        registered_at=schedule.modified,
        registered_by_id=actor.person_id,
        comment=comment.strip()[:300],
    )
    audit_record(
        actor=actor,
        action="schedule.decide",
        object_type="AttendanceSchedule",
        object_id=schedule.pk,
        person_id=schedule.placement.child_id,
        changes={"state": [old, schedule.state]},
    )
    return schedule


@transaction.atomic
def attendance_event_register(
    *, actor: Actor, person: Person, group: Group, event_type: str, at: datetime | None = None
) -> AttendanceEvent:
    """Check a child in or out of a department; the same state twice in a row is refused."""
    if event_type not in AttendanceEventType.values:
        raise DomainError({"event_type": "Välj In eller Ut."})
    organisation_policy.require(
        actor, Action.VIEW, group.organisation_id, "Du arbetar inte vid avdelningens enhet."
    )
    moment = at or timezone.now()
    day = calendar.local(moment).date()
    last = (
        AttendanceEvent.objects.select_for_update()
        .filter(person=person, date=day)
        .order_by("-time", "-created")
        .first()
    )
    current = last.event_type if last else AttendanceEventType.UT
    if current == event_type:
        raise DomainError(
            {
                "event_type": f"{person.given_name} är redan {'incheckad' if event_type == 'In' else 'utcheckad'}."
            }
        )
    event = AttendanceEvent.objects.create(
        person=person,
        group=group,
        event_type=event_type,
        time=moment,
        date=day,
        registered_by_id=actor.person_id,
    )
    audit_record(
        actor=actor,
        action="attendance.check_in" if event_type == "In" else "attendance.check_out",
        object_type="AttendanceEvent",
        object_id=event.pk,
        person_id=person.pk,
    )
    return event


# --- follow-up: investigations and CSN ---------------------------------------------------


@transaction.atomic
def investigation_open(
    *,
    actor: Actor,
    student: Person,
    organisation: Organisation,
    period_start: date,
    period_end: date,
    basis: dict[str, Any],
) -> AbsenceInvestigation:
    """Start an absence investigation (SL 7:19a) as the pupil's mentor or school staff."""
    investigation_policy.require(
        actor,
        Action.FOLLOW_UP,
        AbsenceInvestigation(student=student, organisation=organisation),
        "Du kan inte starta en utredning för eleven.",
    )
    if AbsenceInvestigation.objects.filter(
        student=student, organisation=organisation, status=InvestigationStatus.OPEN
    ).exists():
        raise DomainError("Det finns redan en pågående utredning för eleven.")
    row = AbsenceInvestigation.objects.create(
        student=student,
        organisation=organisation,
        opened_by_id=actor.person_id,
        opened_at=timezone.now(),
        period_start=period_start,
        period_end=period_end,
        basis=basis,
    )
    audit_record(
        actor=actor,
        action="investigation.open",
        object_type="AbsenceInvestigation",
        object_id=row.pk,
        person_id=student.pk,
        detail=basis,
    )
    return row


@transaction.atomic
def investigation_add_step(
    *, actor: Actor, investigation: AbsenceInvestigation, kind: str, day: date, note: str
) -> InvestigationStep:
    investigation_policy.require(
        actor, Action.FOLLOW_UP, investigation, "Du kan inte ändra utredningen."
    )
    if investigation.status != InvestigationStatus.OPEN:
        raise DomainError("Utredningen är avslutad.")
    if kind not in StepKind.values:
        raise DomainError({"kind": "Välj vilket slags steg det är."})
    if not note.strip():
        raise DomainError({"note": "Skriv vad som gjordes eller beslutades."})
    if day > actor.on:
        raise DomainError({"date": "Ett steg kan inte dateras i framtiden."})
    step = InvestigationStep.objects.create(
        investigation=investigation,
        kind=kind,
        date=day,
        note=note.strip(),
        recorded_by_id=actor.person_id,
        recorded_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action="investigation.step",
        object_type="AbsenceInvestigation",
        object_id=investigation.pk,
        person_id=investigation.student_id,
        detail={"kind": kind, "date": day},
    )
    return step


@transaction.atomic
def investigation_close(
    *, actor: Actor, investigation: AbsenceInvestigation, conclusion: str
) -> AbsenceInvestigation:
    investigation_policy.require(
        actor, Action.DECIDE, investigation, "Bara rektor kan avsluta en utredning."
    )
    if not conclusion.strip():
        raise DomainError({"conclusion": "Skriv utredningens slutsats."})
    investigation.status = InvestigationStatus.CLOSED
    investigation.closed_at = timezone.now()
    investigation.conclusion = conclusion.strip()
    investigation.save(update_fields=["status", "closed_at", "conclusion"])
    audit_record(
        actor=actor,
        action="investigation.close",
        object_type="AbsenceInvestigation",
        object_id=investigation.pk,
        person_id=investigation.student_id,
    )
    return investigation


@transaction.atomic
def csn_decide(
    *,
    actor: Actor,
    student: Person,
    organisation: Organisation,
    month: date,
    invalid_minutes: int,
    decision: str,
    reason: str = "",
) -> CsnDecision:
    """Record the rektor's decision to report a pupil to CSN for a month, or to refrain."""
    organisation_policy.require(
        actor, Action.DECIDE, organisation.pk, "Bara rektor beslutar om rapportering till CSN."
    )
    if decision not in CsnDecisionKind.values:
        raise DomainError({"decision": "Välj rapportera eller avstå."})
    if decision == CsnDecisionKind.REFRAIN and not reason.strip():
        raise DomainError({"reason": "Skriv skälet till att avstå."})
    month = month.replace(day=1)
    existing = CsnDecision.objects.filter(
        student=student, organisation=organisation, month=month
    ).first()
    if existing is not None and existing.report_id is not None:
        raise DomainError("Beslutet är redan rapporterat till CSN och kan inte ändras.")
    try:
        row, _ = CsnDecision.objects.update_or_create(
            student=student,
            organisation=organisation,
            month=month,
            defaults={
                "invalid_minutes": invalid_minutes,
                "decision": decision,
                "reason": reason.strip()[:300],
                "decided_by_id": actor.person_id,
                "decided_at": timezone.now(),
            },
        )
    except IntegrityError:  # pragma: no cover - two rektorer at once
        raise DomainError("Beslutet sparades samtidigt av någon annan; ladda om sidan.") from None
    audit_record(
        actor=actor,
        action="csn.decide",
        object_type="CsnDecision",
        object_id=row.pk,
        person_id=student.pk,
        detail={"month": month, "decision": decision, "minutes": invalid_minutes},
    )
    return row


@transaction.atomic
def csn_return_create(
    *,
    actor: Actor,
    student: Person,
    organisation: Organisation,
    return_date: date,
    note: str = "",
) -> CsnReturn:
    """Record that a pupil reported to CSN is back in full-time study, for the next file.

    Ends the pupil's latest reported decision at the unit; each reported decision has at
    most one return, dated no earlier than the month it reported and not in the future.
    """
    organisation_policy.require(
        actor,
        Action.DECIDE,
        organisation.pk,
        "Bara rektor anmäler återgång till heltidsstudier till CSN.",
    )
    decision = (
        CsnDecision.objects.select_for_update()
        .filter(
            student=student,
            organisation=organisation,
            decision=CsnDecisionKind.REPORT,
            report__isnull=False,
        )
        .order_by("-month", "-pk")
        .first()
    )
    if decision is None:
        raise DomainError(
            {"student": f"{student.full_name} är inte rapporterad till CSN från skolenheten."}
        )
    if CsnReturn.objects.filter(decision=decision).exists():
        raise DomainError(
            {
                "student": f"Återgången för {student.full_name} efter rapporten för "
                f"{decision.month:%Y-%m} är redan registrerad."
            }
        )
    if return_date < decision.month:
        raise DomainError(
            {
                "return_date": "Återgången kan inte ligga före månaden eleven rapporterades för "
                f"({decision.month:%Y-%m})."
            }
        )
    if return_date > actor.on:
        raise DomainError({"return_date": "Återgången kan inte ligga i framtiden."})
    row = CsnReturn.objects.create(
        student=student,
        organisation=organisation,
        decision=decision,
        return_date=return_date,
        note=note.strip()[:300],
        decided_by_id=actor.person_id,
        decided_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action="csn.return",
        object_type="CsnReturn",
        object_id=row.pk,
        person_id=student.pk,
        detail={"return_date": return_date, "reported_month": decision.month},
    )
    return row


@transaction.atomic
def csn_report_export(*, actor: Actor, organisation: Organisation, month: date) -> CsnReport:
    """Write the CSN file: the month's decisions to report and every return to full-time
    study not yet reported; keep it, and mark what it carried as reported."""
    from skolsam.attendance.csn import csn_file

    organisation_policy.require(
        actor, Action.DECIDE, organisation.pk, "Bara rektor kan skapa CSN-rapporten."
    )
    month = month.replace(day=1)
    decisions = list(
        CsnDecision.objects.select_for_update()
        .filter(
            organisation=organisation,
            month=month,
            decision=CsnDecisionKind.REPORT,
            report__isnull=True,
        )
        .select_related("student")
        .order_by("student__civic_no", "pk")
    )
    returns = list(
        CsnReturn.objects.select_for_update()
        .filter(organisation=organisation, report__isnull=True)
        .select_related("student")
        .order_by("student__civic_no", "return_date", "pk")
    )
    if not decisions and not returns:
        raise DomainError(
            "Det finns inget att rapportera: inga beslut om rapportering för månaden och "
            "ingen återgång till heltidsstudier."
        )
    now = timezone.now()
    content = csn_file(
        organisation=organisation, month=month, decisions=decisions, returns=returns, created=now
    )
    report = CsnReport.objects.create(
        organisation=organisation,
        month=month,
        created_at=now,
        created_by_id=actor.person_id,
        filename=f"csn-{organisation.school_unit_code or organisation.pk}-{month:%Y-%m}-{now:%Y%m%d%H%M%S}.txt",
        content=content,
        row_count=len(decisions),
        return_count=len(returns),
    )
    CsnDecision.objects.filter(pk__in=[d.pk for d in decisions]).update(report=report)
    CsnReturn.objects.filter(pk__in=[r.pk for r in returns]).update(report=report)
    audit_export(
        actor=actor,
        what="CsnReport",
        rows=len(decisions) + len(returns),
        person_ids=[d.student_id for d in decisions] + [r.student_id for r in returns],
        report=str(report.pk),
        month=month.isoformat(),
        returns=len(returns),
    )
    return report


# --- settings ----------------------------------------------------------------------------------


def _check_range(name: str, value: int | None, low: int, high: int, what: str) -> None:
    if value is not None and not low <= value <= high:
        raise DomainError({name: f"{what} ska vara mellan {low} och {high}."})


@transaction.atomic
def attendance_policy_set(
    *,
    actor: Actor,
    organisation: Organisation,
    notice_cutoff: time | None,
    notice_morning: time | None,
    alert_absence_percent: int | None,
    alert_invalid_occasions: int | None,
    csn_threshold_minutes: int | None,
    leave_requires_all_guardians: bool | None = None,
    register_margin_minutes: int | None = None,
) -> AttendancePolicy:
    """Set a huvudman's or a school unit's attendance settings; None follows the level above.

    The huvudman decides whether every guardian must agree to leave; a school unit sets
    its own notice times and thresholds or follows the huvudman's.
    """
    from skolsam.attendance import policy as policies
    from skolsam.schedule.access import may_manage_settings

    if not actor.is_system and not may_manage_settings(actor, organisation):
        raise DomainError("Du har inte behörighet att ändra närvaroinställningarna här.")
    is_huvudman = organisation.organisation_type == OrganisationType.HUVUDMAN
    if not is_huvudman and organisation.organisation_type != OrganisationType.SKOLENHET:
        raise DomainError("Närvaroinställningar görs för en huvudman eller en skolenhet.")
    if leave_requires_all_guardians is not None and not is_huvudman:
        raise DomainError(
            {
                "leave_requires_all_guardians": "Huvudmannen bestämmer om alla vårdnadshavare "
                "måste godkänna en ledighetsansökan."
            }
        )
    if notice_cutoff is not None and not time(9, 0) <= notice_cutoff <= time(22, 0):
        raise DomainError(
            {
                "notice_cutoff": "Brytpunkten ska vara mellan 09:00 och 22:00, så att "
                "meddelandet går samma dag."
            }
        )
    if notice_morning is not None and not time(6, 0) <= notice_morning <= time(10, 0):
        raise DomainError({"notice_morning": "Morgonutskicket ska vara mellan 06:00 och 10:00."})
    _check_range(
        "alert_absence_percent", alert_absence_percent, 1, 100, "Frånvarogränsen i procent"
    )
    _check_range("alert_invalid_occasions", alert_invalid_occasions, 1, 100, "Antalet tillfällen")
    _check_range("csn_threshold_minutes", csn_threshold_minutes, 30, 6000, "CSN-gränsen i minuter")
    _check_range(
        "register_margin_minutes", register_margin_minutes, 0, 120, "Minuterna före lektionen"
    )
    policy, created = AttendancePolicy.objects.select_for_update().get_or_create(
        organisation=organisation
    )
    values = {
        "notice_cutoff": notice_cutoff,
        "notice_morning": notice_morning,
        "alert_absence_percent": alert_absence_percent,
        "alert_invalid_occasions": alert_invalid_occasions,
        "csn_threshold_minutes": csn_threshold_minutes,
        "leave_requires_all_guardians": leave_requires_all_guardians,
        "register_margin_minutes": register_margin_minutes,
    }
    changes = {
        name: [_plain_value(getattr(policy, name)), _plain_value(value)]
        for name, value in values.items()
        if getattr(policy, name) != value
    }
    for name, value in values.items():
        setattr(policy, name, value)
    policy.save()
    policies.forget()
    audit_record(
        actor=actor,
        action="attendance.settings",
        object_type="Organisation",
        object_id=organisation.pk,
        changes=changes,
        detail={"created": created},
    )
    return policy


def _plain_value(value: object) -> object:
    return value.strftime("%H:%M") if isinstance(value, time) else value


# --- from other systems (SS 12000) -------------------------------------------------------------


@transaction.atomic
def attendance_set_minutes(
    *,
    actor: Actor,
    lesson: CalendarEvent,
    student: Person,
    attendance_minutes: int,
    valid_absence_minutes: int,
    invalid_absence_minutes: int,
    other_attendance_minutes: int = 0,
    absence_reason: str = "",
) -> Attendance:
    """Record one pupil's minutes at one lesson as another system sends them (SS 12000 POST).

    The pupil must be a member of one of the lesson's groups that day, and the minutes
    must not add up to more than the lesson.
    """
    from skolsam.groups.models import GroupMembership

    minutes = (
        attendance_minutes,
        valid_absence_minutes,
        invalid_absence_minutes,
        other_attendance_minutes,
    )
    if any(m < 0 for m in minutes):
        raise DomainError({"minutes": "Minuter kan inte vara negativa."})
    if sum(minutes) > lesson.duration_minutes:
        raise DomainError(
            {"minutes": f"Minuterna är fler än lektionens {lesson.duration_minutes} minuter."}
        )
    member = GroupMembership.objects.filter(
        valid_on(lesson.date),
        person=student,
        group_id__in=lesson.activity.groups.values("pk"),
    ).exists()
    if not member:
        raise DomainError({"student": "Eleven hör inte till lektionens grupper den dagen."})
    valid = valid_absence_minutes > 0 and invalid_absence_minutes == 0
    away = valid_absence_minutes + invalid_absence_minutes
    kind = (
        AttendanceKind.PRESENT
        if away == 0
        else AttendanceKind.ABSENT
        if away >= lesson.duration_minutes
        else AttendanceKind.LATE
    )
    now = timezone.now()
    row, created = Attendance.objects.update_or_create(
        calendar_event=lesson,
        student=student,
        defaults={
            "date": lesson.date,
            "organisation_id": lesson.organisation_id,
            "kind": kind,
            "valid": valid,
            "minutes": 0 if kind != AttendanceKind.LATE else away,
            "attendance_minutes": attendance_minutes,
            "valid_absence_minutes": valid_absence_minutes,
            "invalid_absence_minutes": invalid_absence_minutes,
            "other_attendance_minutes": other_attendance_minutes,
            "absence_reason": absence_reason[:100],
            "source": AttendanceSource.API,
            "reported_timestamp": now,
            "modified": now,
        },
    )
    audit_record(
        actor=actor,
        action="attendance.api_set",
        object_type="Attendance",
        object_id=row.pk,
        person_id=student.pk,
        detail={"lesson": lesson.pk, "minutes": list(minutes), "created": created},
    )
    if invalid_absence_minutes and lesson.date >= actor.on - timedelta(days=1):
        from skolsam.attendance.notices import schedule_absence_notices

        transaction.on_commit(
            lambda: schedule_absence_notices(
                organisation_id=lesson.organisation_id, day=lesson.date
            )
        )
    return row


@transaction.atomic
def attendance_delete(*, actor: Actor, attendance: Attendance) -> None:
    """Remove one attendance row (SS 12000 DELETE); the deletion is audit-logged."""
    audit_record(
        actor=actor,
        action="attendance.api_delete",
        object_type="Attendance",
        object_id=attendance.pk,
        person_id=attendance.student_id,
        detail={"lesson": attendance.calendar_event_id},
    )
    attendance.delete()
