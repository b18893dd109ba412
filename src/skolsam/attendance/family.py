"""Read what a guardian or a pupil sees of a child: the day, the week, attendance history.

For the portal (`skolsam.portal`), which owns no domain logic. Every function takes the
persons it reads through `attendance.access.family_person_ids` (the actor's own children
under `child_policy` SEE_CHILD, and the actor themself), so a caller cannot ask about
anyone else; and each costs a constant number of queries whatever the number of children
and lessons (the start and child pages' query-count tests hold it).

What a guardian sees of a lesson: subject, time, room, teachers (by name unless the
teacher has protected identity), substitute and cancellation, and the child's mark.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any
from uuid import UUID

from django.db.models import Q
from django.utils import timezone

from skolsam.activities.models import Activity, ActivityTeacher
from skolsam.attendance.access import family_person_ids
from skolsam.attendance.models import (
    Absence,
    Attendance,
    AttendanceEvent,
    AttendanceKind,
    AttendanceSchedule,
    LeaveRequest,
)
from skolsam.attendance.stats import Figures
from skolsam.core.access import Actor
from skolsam.core.choices import AssignmentRoleType, SecurityMarking
from skolsam.duties.models import AssignmentRole
from skolsam.enrolment.models import Enrolment, Placement
from skolsam.groups.models import GroupMembership
from skolsam.schedule import calendar
from skolsam.schedule.models import CalendarEvent

MIDNIGHT = time(0, 0)


@dataclass
class LessonView:
    """One lesson as the family sees it."""

    lesson: CalendarEvent
    teachers: list[str]
    substitute: str
    mark: Attendance | None = None

    @property
    def cancelled(self) -> bool:
        return self.lesson.cancelled

    @property
    def status(self) -> str:
        """Say in words how the child was marked, or nothing before the register."""
        from django.utils.translation import gettext as _

        if self.lesson.cancelled:
            return _("Inställd")
        mark = self.mark
        if mark is None:
            return ""
        if mark.kind == AttendanceKind.PRESENT:
            return _("Närvarande")
        if mark.kind == AttendanceKind.ABSENT:
            return _("Anmäld frånvaro") if mark.valid else _("Frånvarande")
        if mark.kind == AttendanceKind.LATE:
            return _("Sen %(minutes)s min") % {"minutes": mark.minutes}
        if mark.kind == AttendanceKind.LEFT_EARLY:
            return _("Gick %(minutes)s min tidigare") % {"minutes": mark.minutes}
        return mark.get_kind_display()


@dataclass
class ChildDay:
    """A child's day: lessons, reported absence, check-ins."""

    person_id: UUID
    lessons: list[LessonView] = field(default_factory=list)
    absences: list[Absence] = field(default_factory=list)
    events: list[AttendanceEvent] = field(default_factory=list)

    @property
    def marked(self) -> list[LessonView]:
        return [v for v in self.lessons if v.mark is not None and not v.cancelled]

    @property
    def absent_lessons(self) -> int:
        return sum(1 for v in self.marked if v.mark and v.mark.kind != AttendanceKind.PRESENT)

    @property
    def present_lessons(self) -> int:
        return sum(1 for v in self.marked if v.mark and v.mark.kind == AttendanceKind.PRESENT)

    @property
    def checked_in(self) -> AttendanceEvent | None:
        return next((e for e in self.events if e.event_type == "In"), None)

    @property
    def checked_out(self) -> AttendanceEvent | None:
        outs = [e for e in self.events if e.event_type == "Ut"]
        return outs[-1] if outs else None


def _name(person: Any) -> str:
    if person.security_marking != SecurityMarking.INGEN:
        return ""
    return person.full_name


def lessons_of(
    *, actor: Actor, person_ids: list[UUID], start: date, end: date
) -> dict[UUID, list[LessonView]]:
    """Return each person's lessons from `start` to `end`, with teachers and their marks.

    Five queries whatever the number of persons and lessons: memberships, the activities
    of those groups, the lessons, their teachers, the persons' marks.
    """
    ids = family_person_ids(actor, person_ids)
    out: dict[UUID, list[LessonView]] = {pid: [] for pid in ids}
    if not ids:
        return out
    memberships = list(
        GroupMembership.objects.filter(person_id__in=ids, start_date__lte=end).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=start)
        )
    )
    group_ids = {m.group_id for m in memberships}
    if not group_ids:
        return out
    by_activity: dict[UUID, set[UUID]] = defaultdict(set)
    for activity_id, group_id in Activity.groups.through.objects.filter(
        group_id__in=group_ids
    ).values_list("activity_id", "group_id"):
        by_activity[activity_id].add(group_id)
    lessons = list(
        CalendarEvent.objects.filter(activity_id__in=by_activity, date__range=(start, end))
        .select_related("activity", "substitute__person")
        .order_by("start_time", "id")
    )
    teachers: dict[UUID, list[str]] = defaultdict(list)
    for at in (
        ActivityTeacher.objects.filter(activity_id__in={x.activity_id for x in lessons})
        .select_related("duty__person")
        .order_by("duty__person__family_name", "duty__person__given_name")
    ):
        name = _name(at.duty.person)
        if name:
            teachers[at.activity_id].append(name)
    marks = {
        (m.student_id, m.calendar_event_id): m
        for m in Attendance.objects.filter(
            student_id__in=ids, calendar_event_id__in=[x.pk for x in lessons]
        )
    }
    for lesson in lessons:
        groups = by_activity[lesson.activity_id]
        for m in memberships:
            if (
                m.group_id in groups
                and m.start_date <= lesson.date
                and (m.end_date is None or m.end_date >= lesson.date)
            ):
                substitute = lesson.substitute.person if lesson.substitute else None
                out[m.person_id].append(
                    LessonView(
                        lesson=lesson,
                        teachers=teachers[lesson.activity_id],
                        substitute=_name(substitute) if substitute else "",
                        mark=marks.get((m.person_id, lesson.pk)),
                    )
                )
    for views in out.values():
        # A person in two of a lesson's groups sees it once.
        seen: set[UUID] = set()
        unique = []
        for view in views:
            if view.lesson.pk not in seen:
                seen.add(view.lesson.pk)
                unique.append(view)
        views[:] = unique
    return out


def days_of(*, actor: Actor, person_ids: list[UUID], day: date) -> dict[UUID, ChildDay]:
    """Return each person's day: lessons with marks, reported absence, check-ins and -outs."""
    ids = family_person_ids(actor, person_ids)
    days = {pid: ChildDay(pid) for pid in ids}
    for pid, lessons in lessons_of(actor=actor, person_ids=ids, start=day, end=day).items():
        days[pid].lessons = lessons
    begin, finish = calendar.at(day, MIDNIGHT), calendar.at(day + timedelta(days=1), MIDNIGHT)
    for absence in Absence.objects.filter(
        student_id__in=ids, start_time__lt=finish, end_time__gt=begin
    ).order_by("start_time"):
        days[absence.student_id].absences.append(absence)
    for event in AttendanceEvent.objects.filter(person_id__in=ids, date=day).order_by("time"):
        days[event.person_id].events.append(event)
    return days


def absences_of(*, actor: Actor, person_ids: list[UUID], since: date) -> list[Absence]:
    """Return the persons' absence (reports and leave) ending on or after `since`."""
    ids = family_person_ids(actor, person_ids)
    return list(
        Absence.objects.filter(
            student_id__in=ids, end_time__gt=calendar.at(since, MIDNIGHT)
        ).order_by("start_time")
    )


def leave_requests_of(*, actor: Actor, person_ids: list[UUID]) -> list[LeaveRequest]:
    """Return the persons' leave requests, newest first, with who has agreed."""
    ids = family_person_ids(actor, person_ids)
    return list(
        LeaveRequest.objects.filter(student_id__in=ids)
        .prefetch_related("consents")
        .order_by("-created")[:50]
    )


def placements_of(*, actor: Actor, person_ids: list[UUID], day: date) -> dict[UUID, list[Any]]:
    """Return each person's preschool and fritidshem placements valid on `day`."""
    ids = family_person_ids(actor, person_ids)
    out: dict[UUID, list[Any]] = {pid: [] for pid in ids}
    for placement in (
        Placement.objects.filter(child_id__in=ids, start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .select_related("placed_at", "group")
    ):
        out[placement.child_id].append(placement)
    return out


def schedules_of(*, actor: Actor, person_id: UUID) -> list[AttendanceSchedule]:
    """Return a child's vistelsescheman, newest first."""
    ids = family_person_ids(actor, [person_id])
    return list(
        AttendanceSchedule.objects.filter(placement__child_id__in=ids)
        .select_related("placement__placed_at")
        .order_by("-start_date")[:10]
    )


def check_ins_of(*, actor: Actor, person_id: UUID, since: date) -> list[AttendanceEvent]:
    """Return a child's check-ins and check-outs since `since`, newest first."""
    ids = family_person_ids(actor, [person_id])
    return list(
        AttendanceEvent.objects.filter(person_id__in=ids, date__gte=since).order_by("-time")[:60]
    )


@dataclass(kw_only=True)
class Week(Figures):
    """One week of attendance: the statistics' figures, and the lessons behind them."""

    monday: date
    present: int = 0
    lessons: list[LessonView] = field(default_factory=list)


def attendance_weeks(*, actor: Actor, person_id: UUID, start: date, end: date) -> list[Week]:
    """Return the person's attendance per week from `start` to `end`, newest week first.

    Scheduled time is every lesson held (not cancelled) up to `end`; absence is the
    register's valid and invalid minutes. Lessons that overlap count once each here (the
    school's statistics count a minute once, `attendance.stats`).
    """
    lessons = lessons_of(actor=actor, person_ids=[person_id], start=start, end=end).get(
        person_id, []
    )
    weeks: dict[date, Week] = {}
    now = timezone.now()
    for view in lessons:
        if view.cancelled or view.lesson.start_time > now:
            continue
        monday = calendar.week_start(view.lesson.date)
        week = weeks.setdefault(monday, Week(monday=monday))
        week.lessons.append(view)
        week.scheduled += view.lesson.duration_minutes
        if view.mark is not None:
            week.valid += view.mark.valid_absence_minutes
            week.invalid += view.mark.invalid_absence_minutes
    for week in weeks.values():
        week.present = week.scheduled - week.absent
    return sorted(weeks.values(), key=lambda w: w.monday, reverse=True)


def total(weeks: list[Week]) -> Week:
    """Return the sum of the weeks (the term's figures)."""
    out = Week(monday=weeks[-1].monday if weeks else date.min)
    for week in weeks:
        out.scheduled += week.scheduled
        out.present += week.present
        out.valid += week.valid
        out.invalid += week.invalid
    return out


@dataclass
class Overview:
    """A family member's card: today, and the next few days."""

    today: ChildDay
    upcoming: list[tuple[date, list[LessonView], list[Absence]]]


def overviews_of(
    *, actor: Actor, person_ids: list[UUID], day: date, days_ahead: int = 4
) -> dict[UUID, Overview]:
    """Return each person's day and the next `days_ahead` school days, in eight queries."""
    ids = family_person_ids(actor, person_ids)
    last = day + timedelta(days=days_ahead + 3)  # reach past a weekend
    lessons = lessons_of(actor=actor, person_ids=ids, start=day, end=last)
    absences: dict[UUID, list[Absence]] = defaultdict(list)
    for absence in absences_of(actor=actor, person_ids=ids, since=day):
        absences[absence.student_id].append(absence)
    events: dict[UUID, list[AttendanceEvent]] = defaultdict(list)
    for event in AttendanceEvent.objects.filter(person_id__in=ids, date=day).order_by("time"):
        events[event.person_id].append(event)
    out = {}
    for pid in ids:
        by_day: dict[date, list[LessonView]] = defaultdict(list)
        for view in lessons.get(pid, []):
            by_day[view.lesson.date].append(view)

        def covering(d: date, pid: UUID = pid) -> list[Absence]:
            begin = calendar.at(d, MIDNIGHT)
            finish = calendar.at(d + timedelta(days=1), MIDNIGHT)
            return [a for a in absences[pid] if a.start_time < finish and a.end_time > begin]

        upcoming: list[tuple[date, list[LessonView], list[Absence]]] = []
        d = day + timedelta(days=1)
        while len(upcoming) < days_ahead and d <= last:
            if d.weekday() < 5:
                upcoming.append((d, by_day[d], covering(d)))
            d += timedelta(days=1)
        out[pid] = Overview(
            today=ChildDay(pid, by_day[day], covering(day), events[pid]), upcoming=upcoming
        )
    return out


def unit_of(*, actor: Actor, person_id: UUID, day: date) -> Any:
    """Return the school unit (or preschool) the person is enrolled or placed at on `day`."""
    ids = family_person_ids(actor, [person_id])
    if not ids:
        return None
    enrolment = (
        Enrolment.objects.filter(person_id__in=ids, cancelled=False, start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .select_related("enroled_at")
        .order_by("start_date")
        .first()
    )
    if enrolment is not None:
        return enrolment.enroled_at
    placement = (
        Placement.objects.filter(child_id__in=ids, start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .select_related("placed_at")
        .first()
    )
    return placement.placed_at if placement else None


@dataclass
class Contact:
    name: str
    role: str
    emails: list[str]
    phones: list[str]


def mentors_of(*, actor: Actor, person_id: UUID, day: date) -> list[Contact]:
    """Return the mentors of the person's groups on `day`, with their work contact details."""
    ids = family_person_ids(actor, [person_id])
    groups = GroupMembership.objects.filter(person_id__in=ids, start_date__lte=day).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=day)
    )
    roles = (
        AssignmentRole.objects.filter(
            group_id__in=groups.values("group_id"),
            assignment_role_type=AssignmentRoleType.MENTOR,
            start_date__lte=day,
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .select_related("duty__person")
    )
    out = []
    for role in roles:
        person = role.duty.person
        if person.security_marking != SecurityMarking.INGEN:
            continue
        out.append(
            Contact(
                name=person.full_name,
                role="Mentor",
                emails=[e.get("value", "") for e in person.emails or [] if e.get("value")],
                phones=[p.get("value", "") for p in person.phone_numbers or [] if p.get("value")],
            )
        )
    return out


def is_enrolled(*, actor: Actor, day: date) -> bool:
    """Tell whether the actor is themself a pupil or child (enrolled or placed) on `day`."""
    if actor.person_id is None:
        return False
    return unit_of(actor=actor, person_id=actor.person_id, day=day) is not None


@dataclass
class Holiday:
    """A lov at the child's unit, with its weekdays and what the guardians answered."""

    name: str
    start: date
    end: date
    days: list[date]
    answered: bool


def holidays_of(*, actor: Actor, placement: Any, day: date, horizon: int = 180) -> list[Holiday]:
    """Return the lov periods (NonTeachingDay Lov) at the placement's unit in the next
    `horizon` days, each with its weekdays and whether a temporary schedule covers it."""
    from skolsam.schedule.models import NonTeachingKind
    from skolsam.schedule.selectors import calendar_of

    if not family_person_ids(actor, [placement.child_id]):
        return []
    days_off = [
        d
        for d in calendar_of(organisation_id=placement.placed_at_id, today=day).days_off
        if d.kind == NonTeachingKind.LOV
        and d.end_date >= day
        and d.start_date <= day + timedelta(days=horizon)
    ]
    answered = list(
        AttendanceSchedule.objects.filter(placement=placement, temporary=True).values_list(
            "start_date", "end_date"
        )
    )
    out = []
    for lov in days_off:
        first = max(lov.start_date, day)
        days = [
            first + timedelta(days=i)
            for i in range((lov.end_date - first).days + 1)
            if (first + timedelta(days=i)).weekday() < 5
        ]
        if not days:
            continue
        covered = any(s <= days[0] and (e is None or e >= days[-1]) for s, e in answered) or any(
            days[0] <= s <= days[-1] for s, _e in answered
        )
        out.append(Holiday(lov.name, lov.start_date, lov.end_date, days, covered))
    return out
