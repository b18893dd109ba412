"""Give the demo a school calendar and a timetable, and generate the term's lessons.

Called by the demo loader after the register is in place: `demo_schedule_load()`.
Deterministic and idempotent: a second call changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, time

from django.db import transaction

from skolsam.activities.models import Activity
from skolsam.audit.services import audit_record
from skolsam.core.access import system_actor
from skolsam.core.choices import OrganisationType
from skolsam.organisations.models import Organisation
from skolsam.schedule.models import (
    CalendarEvent,
    NonTeachingDay,
    NonTeachingKind,
    Resource,
    Room,
    Term,
    TimetableEntry,
)
from skolsam.schedule.services import generate_lessons

# The school day: six lessons with breaks and lunch.
PERIODS = (
    (time(8, 10), time(9, 10)),
    (time(9, 20), time(10, 20)),
    (time(10, 35), time(11, 35)),
    (time(12, 25), time(13, 25)),
    (time(13, 35), time(14, 35)),
    (time(14, 45), time(15, 45)),
)
LESSONS_PER_WEEK = 2


@dataclass
class DemoScheduleResult:
    terms: int
    entries: int
    lessons: int


def _terms(huvudman: Organisation, year: int) -> list[Term]:
    autumn, _ = Term.objects.get_or_create(
        organisation=huvudman,
        name=f"Höstterminen {year}",
        defaults={
            "school_year": year,
            "start_date": date(year, 8, 17),
            "end_date": date(year, 12, 18),
        },
    )
    spring, _ = Term.objects.get_or_create(
        organisation=huvudman,
        name=f"Vårterminen {year + 1}",
        defaults={
            "school_year": year,
            "start_date": date(year + 1, 1, 11),
            "end_date": date(year + 1, 6, 11),
        },
    )
    for kind, name, start, end in (
        (NonTeachingKind.LOV, "Höstlov", date(year, 10, 26), date(year, 10, 30)),
        (NonTeachingKind.STUDIEDAG, "Studiedag", date(year, 11, 9), date(year, 11, 9)),
        (NonTeachingKind.LOV, "Sportlov", date(year + 1, 3, 1), date(year + 1, 3, 5)),
        (NonTeachingKind.LOV, "Påsklov", date(year + 1, 3, 29), date(year + 1, 4, 2)),
    ):
        NonTeachingDay.objects.get_or_create(
            organisation=huvudman,
            name=name,
            start_date=start,
            defaults={"kind": kind, "end_date": end},
        )
    return [autumn, spring]


def _timetable(unit: Organisation, term: Term) -> int:
    """Place every activity of the unit twice a week, with no group or teacher double-booked."""
    if TimetableEntry.objects.filter(term=term, activity__organisation=unit).exists():
        return 0
    activities = list(
        Activity.objects.filter(organisation=unit, start_date__lte=term.end_date)
        .prefetch_related("groups", "teachers")
        .order_by("display_name", "id")
    )
    busy_group: set[tuple] = set()
    busy_teacher: set[tuple] = set()
    per_day: dict[tuple, int] = defaultdict(int)
    entries = []
    slots = [(day, p) for p in range(len(PERIODS)) for day in range(1, 6)]
    for n, activity in enumerate(activities):
        groups = [g.pk for g in activity.groups.all()]
        teachers = [t.duty_id for t in activity.teachers.all()]
        placed = 0
        # Start at a different slot per activity, so subjects spread over the week.
        for i in range(len(slots)):
            day, period = slots[(n * 7 + i * 3) % len(slots)]
            if any((g, day, period) in busy_group for g in groups):
                continue
            if any((t, day, period) in busy_teacher for t in teachers):
                continue
            if per_day[(activity.pk, day)]:
                continue
            busy_group.update((g, day, period) for g in groups)
            busy_teacher.update((t, day, period) for t in teachers)
            per_day[(activity.pk, day)] += 1
            start, end = PERIODS[period]
            entries.append(
                TimetableEntry(
                    activity=activity,
                    term=term,
                    day_of_week=day,
                    start_time=start,
                    end_time=end,
                    room=f"{chr(65 + period)}{10 + day}",
                )
            )
            placed += 1
            if placed == LESSONS_PER_WEEK:
                break
    TimetableEntry.objects.bulk_create(entries, batch_size=2000)
    return len(entries)


# What a school books besides its rooms (resurser), the same at every demo school.
DEMO_RESOURCES = ("Projektor 1", "Projektor 2", "Datorvagn (30 datorer)", "Minibuss")


def _rooms(unit: Organisation) -> int:
    """Give the unit a room for every room name its timetable uses, and a few resources.

    Written in bulk, like the rest of the demo register (nothing is recorded: a demo
    database has no subscribers). Safe to run again.
    """
    names = set(
        TimetableEntry.objects.filter(activity__organisation=unit)
        .exclude(room="")
        .values_list("room", flat=True)
    )
    rooms = [
        # The demo's A and B rooms are classrooms; the later letters are smaller group rooms.
        Room(owner=unit, display_name=name, seats=30 if name[0] in "AB" else 16)
        for name in sorted(names)
    ]
    Room.objects.bulk_create(rooms, ignore_conflicts=True)
    Resource.objects.bulk_create(
        [Resource(owner=unit, display_name=name) for name in DEMO_RESOURCES],
        ignore_conflicts=True,
    )
    return len(rooms)


@transaction.atomic
def demo_schedule_load(*, year: int = 2026) -> DemoScheduleResult:
    """Create terms and days off per huvudman, a timetable per school, and the autumn's lessons."""
    actor = system_actor("demo_load")
    terms = entries = lessons = 0
    for huvudman in Organisation.objects.filter(organisation_type=OrganisationType.HUVUDMAN):
        autumn, _spring = _terms(huvudman, year)
        terms += 2
        units = (
            Organisation.objects.filter(
                huvudman=huvudman, organisation_type=OrganisationType.SKOLENHET
            )
            .filter(activities__isnull=False)
            .distinct()
        )
        for unit in units:
            entries += _timetable(unit, autumn)
            _rooms(unit)
            lessons += generate_lessons(unit.pk, autumn, autumn.start_date, autumn.end_date)
    audit_record(
        actor=actor,
        action="demo.schedule",
        object_type="Term",
        detail={
            "terms": terms,
            "entries": entries,
            "lessons": lessons,
            "total": CalendarEvent.objects.count(),
        },
    )
    return DemoScheduleResult(terms, entries, lessons)
