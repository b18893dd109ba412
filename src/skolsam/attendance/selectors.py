"""Read attendance for the pages: today's lessons, a lesson's register, a mentor's overview,
a guardian's children, a department's day. Each function costs a fixed number of queries."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any
from uuid import UUID

from django.db.models import Count, F, FilteredRelation, Q

from skolsam.attendance import access as attendance_access
from skolsam.attendance.models import (
    Absence,
    AbsenceType,
    Attendance,
    AttendanceEvent,
    AttendanceKind,
    AttendanceSchedule,
    LeaveRequest,
    LeaveStatus,
    ScheduleState,
)
from skolsam.core.access import Actor
from skolsam.core.models import valid_on
from skolsam.core.policy import Action
from skolsam.enrolment.models import Placement
from skolsam.groups.access import group_policy
from skolsam.groups.models import Group
from skolsam.organisations.access import organisation_policy
from skolsam.people.models import Person
from skolsam.schedule import calendar
from skolsam.schedule.access import lessons_taught_by
from skolsam.schedule.models import CalendarEvent


def lessons_for_teacher(*, actor: Actor, day: date) -> list[CalendarEvent]:
    """Return the lessons the actor teaches or substitutes on `day`, with register counts.

    The count is of the pupils the register shows the actor: a protected pupil the actor
    may not locate is not "one more absent" either.
    """
    counted = ~Q(attendances__kind=AttendanceKind.PRESENT) & attendance_access.located(
        actor, "attendances__student__"
    )
    return list(
        lessons_taught_by(actor)
        .filter(date=day)
        .select_related("activity", "substitute__person")
        .annotate(absent=Count("attendances", filter=counted))
        .order_by("start_time", "id")
    )


@dataclass
class RegisterRow:
    person: Person
    kind: str = AttendanceKind.PRESENT
    valid: bool = False
    minutes: int = 0
    # Why the row is pre-filled: a guardian's report or granted leave.
    prefilled_by: str = ""
    saved: bool = False
    # The row's <option>s with its mark selected, set by the page (attendance.views).
    options: str = ""


@dataclass
class Register:
    lesson: CalendarEvent
    rows: list[RegisterRow]
    version: int
    after_the_day: bool

    def keep_marks(self, data: Mapping[str, Any]) -> None:
        """Show the marks of a refused form again, so the teacher need not redo them."""
        for row in self.rows:
            kind = data.get(f"kind-{row.person.pk}")
            if kind in AttendanceKind.values:
                row.kind = kind
                row.valid = data.get(f"valid-{row.person.pk}") == "on"
                raw = str(data.get(f"minutes-{row.person.pk}") or "").strip()
                row.minutes = int(raw) if raw.isdigit() else 0


def register_for(*, actor: Actor, lesson: CalendarEvent) -> Register:
    """Return the lesson's register: every pupil, pre-filled from saved rows and reports.

    One query: the roster with each pupil's saved row (a LEFT JOIN).
    """
    pupils = list(
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
        )
        .only("id", "given_name", "middle_name", "family_name", "security_marking")
    )
    rows = []
    for person in pupils:
        if person.saved_kind is None:
            rows.append(RegisterRow(person))
            continue
        reason = ""
        if person.saved_absence:
            reason = (
                "Beviljad ledighet"
                if person.saved_source == "Ledighet"
                else "Frånvaroanmälan från vårdnadshavare"
            )
        rows.append(
            RegisterRow(
                person,
                kind=person.saved_kind,
                valid=person.saved_valid,
                minutes=person.saved_minutes,
                prefilled_by=reason,
                saved=lesson.reported_at is not None,
            )
        )
    return Register(lesson, rows, lesson.register_version, lesson.date < actor.on)


def register_after_save(*, actor: Actor, lesson: CalendarEvent, result: Any) -> Register:
    """Return the register as `services.register.register_save` wrote it, without reading it again."""
    rows = []
    for person, row in result.written:
        reason = ""
        if row.absence_id:
            reason = (
                "Beviljad ledighet"
                if row.source == "Ledighet"
                else "Frånvaroanmälan från vårdnadshavare"
            )
        rows.append(
            RegisterRow(
                person,
                kind=row.kind,
                valid=row.valid,
                minutes=row.minutes,
                prefilled_by=reason,
                saved=True,
            )
        )
    return Register(lesson, rows, result.version, lesson.date < actor.on)


# --- mentor ----------------------------------------------------------------------------------


@dataclass
class MentorCell:
    lesson: CalendarEvent
    kind: str
    valid: bool
    minutes: int


@dataclass
class MentorRow:
    person: Person
    cells: list[MentorCell] = field(default_factory=list)
    valid_minutes: int = 0
    invalid_minutes: int = 0


def mentor_overview(*, actor: Actor, group: Group, start: date, end: date) -> list[MentorRow]:
    """Return each mentee's non-present marks in any lesson between `start` and `end`."""
    pupils = list(attendance_access.mentees_of(actor, group.pk))
    rows = {p.pk: MentorRow(p) for p in pupils}
    for a in (
        Attendance.objects.filter(student_id__in=list(rows), date__range=(start, end))
        .exclude(kind=AttendanceKind.PRESENT)
        .select_related("calendar_event__activity")
        .order_by("calendar_event__start_time")
    ):
        row = rows[a.student_id]
        row.cells.append(MentorCell(a.calendar_event, a.kind, a.valid, a.minutes))
        row.valid_minutes += a.valid_absence_minutes
        row.invalid_minutes += a.invalid_absence_minutes
    return list(rows.values())


# --- guardians and pupils ------------------------------------------------------------------


def absences_of(*, student_ids: list[UUID], since: date) -> list[Absence]:
    return list(
        Absence.objects.filter(
            student_id__in=student_ids, end_time__gte=calendar.at(since, time(0, 0))
        )
        .select_related("student")
        .order_by("start_time")
    )


def leave_requests_of(*, student_ids: list[UUID]) -> list[LeaveRequest]:
    return list(
        LeaveRequest.objects.filter(student_id__in=student_ids)
        .select_related("student")
        .prefetch_related("consents")
        .order_by("-created")[:50]
    )


def leave_requests_to_decide(*, actor: Actor) -> list[LeaveRequest]:
    """Return the leave requests waiting for a decision at the units the actor leads."""
    return list(
        attendance_access.leave_policy.objects(actor, Action.VIEW)
        .filter(status__in=[LeaveStatus.REQUESTED, LeaveStatus.AWAITING_GUARDIANS])
        .select_related("student", "organisation", "requested_by")
        .order_by("start_date", "created")
    )


def recent_decisions(*, actor: Actor) -> list[LeaveRequest]:
    return list(
        attendance_access.leave_policy.objects(actor, Action.VIEW)
        .filter(status__in=[LeaveStatus.GRANTED, LeaveStatus.REJECTED])
        .select_related("student", "decided_by")
        .order_by("-decided_at")[:20]
    )


# --- preschool department ------------------------------------------------------------------


@dataclass
class ChildDay:
    person: Person
    placement: Placement
    expected: str  # "07:30–16:00" from the approved schedule, or ""
    here: bool
    last_time: Any = None
    # Why the child is away today, from a guardian's report or granted leave:
    # "Frånvaroanmäld hela dagen", "Beviljad ledighet 08:00–12:00", or "".
    away: str = ""
    away_all_day: bool = False


def _away_today(absence: Absence, day: date) -> tuple[str, bool]:
    """Describe an absence as the tablet shows it (what kind, when that day); all day?"""
    what = "Beviljad ledighet" if absence.type == AbsenceType.LEDIGHET else "Frånvaroanmäld"
    start = calendar.local(absence.start_time)
    end = calendar.local(absence.end_time)
    begins = start.time() if start.date() == day and start.time() != time(0, 0) else None
    ends = end.time() if end.date() == day and end.time() != time(0, 0) else None
    if begins is None and ends is None:
        return f"{what} hela dagen", True
    return f"{what} {(begins or time(0, 0)):%H:%M}–{(ends or time(23, 59)):%H:%M}", False


def _entry_for(schedule: AttendanceSchedule, day: date) -> dict[str, Any] | None:
    weeks = max(schedule.number_of_weeks, 1)
    offset = (
        (calendar.week_start(day) - calendar.week_start(schedule.start_date)).days // 7
    ) % weeks
    name = calendar.WEEKDAYS[day.weekday()]
    for entry in schedule.schedule_entries:
        if entry.get("dayOfWeek") == name and int(entry.get("weekOffset", 0)) == offset:
            return entry
    return None


def department_day(*, actor: Actor, group: Group, day: date) -> list[ChildDay]:
    """Return the department's children today: expected times and whether each is here."""
    placements = list(
        Placement.objects.filter(valid_on(day), group=group)
        .filter(child__in=attendance_access.pupils_located_by(actor))
        .select_related("child")
        .order_by("child__given_name", "child__family_name", "child_id")
    )
    child_ids = [p.child_id for p in placements]
    schedules: dict[UUID, AttendanceSchedule] = {}
    for s in (
        AttendanceSchedule.objects.filter(
            placement__in=placements, state=ScheduleState.GODKANT, start_date__lte=day
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .order_by("temporary", "start_date")
    ):
        # A temporary schedule beats the normal one; a later one beats an earlier one.
        schedules[s.placement_id] = s
    # A guardian's report (sick, away) and granted leave, wherever the child is enrolled:
    # the tablet must not show a child as expected who is reported away.
    away: dict[UUID, tuple[str, bool]] = {}
    for absence in Absence.objects.filter(
        student_id__in=child_ids,
        start_time__lt=calendar.at(day + timedelta(days=1), time(0, 0)),
        end_time__gt=calendar.at(day, time(0, 0)),
    ).order_by("start_time"):
        away.setdefault(absence.student_id, _away_today(absence, day))
    last: dict[UUID, AttendanceEvent] = {}
    for checked in AttendanceEvent.objects.filter(person_id__in=child_ids, date=day).order_by(
        "time", "created"
    ):
        last[checked.person_id] = checked
    out = []
    for placement in placements:
        schedule = schedules.get(placement.pk)
        entry = _entry_for(schedule, day) if schedule else None
        event = last.get(placement.child_id)
        out.append(
            ChildDay(
                person=placement.child,
                placement=placement,
                expected=f"{entry['startTime']}–{entry['endTime']}" if entry else "",
                here=bool(event and event.event_type == "In"),
                last_time=event.time if event else None,
                away=away.get(placement.child_id, ("", False))[0],
                away_all_day=away.get(placement.child_id, ("", False))[1],
            )
        )
    return out


def departments_for(*, actor: Actor) -> list[Group]:
    """Return the preschool and fritidshem groups the actor works with."""
    return list(
        group_policy.objects(actor, Action.TAKE_REGISTER)
        .filter(group_type="Avdelning")
        .filter(valid_on(actor.on))
        .select_related("organisation")
        .order_by("organisation__display_name", "display_name")[:100]
    )


def schedules_to_approve(*, actor: Actor) -> list[AttendanceSchedule]:
    return list(
        AttendanceSchedule.objects.filter(
            state=ScheduleState.BEGART,
            placement__placed_at__in=organisation_policy.objects(actor, Action.VIEW),
            placement__child__in=attendance_access.pupils_located_by(actor),
        )
        .select_related("placement__child", "placement__group")
        .order_by("start_date")[:100]
    )
