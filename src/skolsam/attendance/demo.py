"""Give the demo attendance: registers of the week so far, reported absence, a leave
request waiting for the rektor, and preschool schedules.

Called by the demo loader after `schedule.demo.demo_schedule_load()`:
`demo_attendance_load(named=generation.named)`. Everything goes through the services as a
system actor, so the audit log and the notices behave as in real use. Idempotent.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, time, timedelta
from uuid import UUID

from django.db import transaction

from skolsam.attendance.models import AttendanceSchedule, LeaveRequest
from skolsam.attendance.services.absence import absence_report, day_span
from skolsam.attendance.services.leave import leave_request_create
from skolsam.attendance.services.preschool import (
    attendance_schedule_decide,
    attendance_schedule_submit,
)
from skolsam.attendance.services.register import Mark, register_save
from skolsam.core.access import system_actor
from skolsam.core.dates import today
from skolsam.core.models import valid_on
from skolsam.enrolment.models import Placement
from skolsam.groups.models import Group
from skolsam.people.models import Person
from skolsam.schedule import calendar
from skolsam.schedule.models import CalendarEvent

CENTRAL = "koping/centralskolan"


@dataclass
class DemoAttendanceResult:
    registers: int
    absences: int
    leave_requests: int
    schedules: int


def _person(named: dict[str, UUID], key: str) -> Person | None:
    pk = named.get(key)
    return Person.objects.filter(pk=pk).first() if pk else None


@transaction.atomic
def demo_attendance_load(*, named: dict[str, UUID], on: date | None = None) -> DemoAttendanceResult:
    """Take the registers of 8A at Centralskolan for this week's past days, and more."""
    actor = system_actor("demo_load")
    day = on or today()
    rng = random.Random(2026)
    alice = _person(named, "special:elev")
    result = DemoAttendanceResult(0, 0, 0, 0)
    monday = calendar.week_start(day)
    group = Group.objects.filter(
        organisation_id=named.get(f"org:{CENTRAL}") or "", display_name="8A", group_type="Klass"
    ).first()
    lessons = CalendarEvent.objects.filter(
        date__gte=monday, date__lt=day, reported_at__isnull=True, cancelled=False
    )
    if alice is not None:
        lessons = lessons.filter(
            activity__groups__memberships__person=alice,
        ).distinct()
    elif group is not None:
        lessons = lessons.filter(activity__groups=group).distinct()
    else:
        lessons = lessons.none()
    from skolsam.attendance.access import lesson_roster
    from skolsam.core.access import Actor

    for lesson in lessons.order_by("start_time"):
        # The system actor takes the register as the school's own staff would see it.
        scoped = Actor(
            user_id=None,
            person_id=None,
            on=day,
            is_system=True,
            label="demo_load",
            staff_org_ids=frozenset({lesson.organisation_id}),
        )
        pupils = list(lesson_roster(scoped, lesson).values_list("pk", flat=True))
        marks = []
        for pid in pupils:
            roll = rng.random()
            if alice is not None and pid == alice.pk and lesson.date == monday + timedelta(days=1):
                marks.append(Mark(pid, "Frånvarande", False))  # invalid: gives a notice
            elif roll < 0.04:
                marks.append(Mark(pid, "Frånvarande", rng.random() < 0.6))
            elif roll < 0.07:
                marks.append(Mark(pid, "Sen", rng.random() < 0.3, rng.choice((5, 10, 15))))
        register_save(actor=scoped, lesson=lesson, version=lesson.register_version, marks=marks)
        result.registers += 1

    # A guardian's report for Hugo tomorrow, and Alice's leave request waiting for the rektor.
    hugo = _person(named, "special:lindqvist-hugo")
    mother = _person(named, "special:vh")
    if hugo is not None and mother is not None:
        start, end = day_span(day + timedelta(days=1), day + timedelta(days=1))
        from skolsam.attendance.models import Absence

        if not Absence.objects.filter(student=hugo).exists():
            absence_report(actor=actor, student=hugo, start=start, end=end)
            result.absences += 1
    if (
        alice is not None
        and mother is not None
        and not LeaveRequest.objects.filter(student=alice).exists()
    ):
        from skolsam.accounts.actor import actor_for_person

        first = day + timedelta(days=14)
        leave_request_create(
            actor=actor_for_person(mother.pk, on=day),
            student=alice,
            start_date=first,
            end_date=first + timedelta(days=1),
            reason="Familjeresa till farmor i Umeå",
        )
        result.leave_requests += 1

    # Preschool: approved schedules for the children of Solen, one still waiting.
    solen = (
        Group.objects.filter(
            organisation_id=named.get("org:koping/solrosen") or "", display_name="Solen"
        )
        .values_list("pk", flat=True)
        .first()
    )
    placements = list(
        Placement.objects.filter(valid_on(day), group_id=solen).order_by("child__given_name", "pk")
        if solen
        else Placement.objects.none()
    )
    signe = _person(named, "special:lindqvist-signe")
    for i, placement in enumerate(placements):
        if AttendanceSchedule.objects.filter(placement=placement).exists():
            continue
        arrive = time(7, 30) if i % 3 == 0 else time(8, 0)
        leave = time(15, 30) if i % 2 == 0 else time(15, 0)
        limit = placement.max_weekly_schedule_hours
        if limit and limit < 40:
            # A place with few hours (e.g. 15 h allmän förskola): mornings only.
            arrive, leave = time(8, 30), time(8 + limit // 5, 30)
        entries = [
            {
                "weekOffset": 0,
                "dayOfWeek": name,
                "startTime": f"{arrive:%H:%M}",
                "endTime": f"{leave:%H:%M}",
            }
            for name in calendar.WEEKDAYS[:5]
        ]
        schedule = attendance_schedule_submit(
            actor=actor, placement=placement, entries=entries, start_date=date(2026, 8, 17)
        )
        if signe is None or placement.child_id != signe.pk:
            attendance_schedule_decide(actor=actor, schedule=schedule, approve=True)
        result.schedules += 1
    return result
