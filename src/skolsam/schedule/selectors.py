"""Read the school calendar for the pages: terms and days without teaching per level."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from django.db.models import Q, QuerySet

from skolsam.core.access import Actor
from skolsam.schedule import calendar
from skolsam.schedule.access import lessons_of_person, lessons_taught_by, teaching_arms
from skolsam.schedule.calendar import ancestors_and_self
from skolsam.schedule.models import CalendarEvent, NonTeachingDay, Term


@dataclass
class Calendar:
    terms: list[Term]
    days_off: list[NonTeachingDay]


def calendar_of(*, organisation_id: UUID, today: date) -> Calendar:
    """Return the terms and days off that apply at an organisation: its own and inherited.

    Days off that ended more than a year ago are left out. Three queries whatever the size.
    """
    chain = ancestors_and_self(organisation_id)
    terms = list(
        Term.objects.filter(organisation_id__in=chain)
        .select_related("organisation")
        .order_by("start_date", "name")
    )
    days_off = list(
        NonTeachingDay.objects.filter(
            organisation_id__in=chain, end_date__gte=today - timedelta(days=365)
        )
        .select_related("organisation")
        .order_by("start_date", "name")
    )
    return Calendar(terms, days_off)


def week_lessons(
    *, person_id: UUID | None, actor: Actor, week: date, teacher: bool
) -> list[CalendarEvent]:
    """Return a week's lessons: those the actor teaches, or a pupil's (already checked visible)."""
    monday = calendar.week_start(week)
    qs: QuerySet = (
        lessons_taught_by(actor) if teacher else lessons_of_person(person_id)  # type: ignore[arg-type]
    )
    return list(
        qs.filter(date__range=(monday, monday + timedelta(days=6)))
        .select_related("activity", "substitute__person")
        .order_by("start_time", "id")
    )


@dataclass
class TeacherDay:
    """A teacher's way into the registers: today's lessons and the ones left unregistered."""

    today: list[CalendarEvent]
    # The newest unregistered lessons (at most `shown`), and how many there are in all.
    not_registered: list[CalendarEvent]
    not_registered_count: int = 0


def teacher_day(*, actor: Actor, now: datetime, weeks: int = 2, shown: int = 10) -> TeacherDay:
    """Return the actor's lessons today and their past lessons with no saved register.

    Lessons the actor teaches or substitutes (`schedule.access.lessons_taught_by`); a lesson
    is unregistered when it has ended, is not cancelled and has no `reported_at`, looked for
    over the last `weeks` weeks; the newest `shown` are listed, with the count of all.
    Today's lessons carry `now_on` (it is going on). One query, none for someone who works
    nowhere.
    """
    if actor.person_id is None or not actor.is_staff_member:
        return TeacherDay([], [])
    day = actor.on
    wanted = Q(date__range=(day - timedelta(weeks=weeks), day)) & (
        Q(date=day) | Q(reported_at__isnull=True, cancelled=False, end_time__lte=now)
    )
    # The lessons taught and the lessons substituted as two arms of a UNION: each is a
    # plain semi-join that reads the (activity, date) or the substitute index, where one OR
    # of both would read every lesson of the period at every school.
    taught, substituted = teaching_arms(actor)
    ids = (
        CalendarEvent.objects.filter(wanted, taught)
        .order_by()
        .values("pk")
        .union(CalendarEvent.objects.filter(wanted, substituted).order_by().values("pk"))
    )
    lessons = list(
        CalendarEvent.objects.filter(pk__in=ids)
        .select_related("activity")
        .only(
            "id",
            "date",
            "start_time",
            "end_time",
            "room",
            "cancelled",
            "reported_at",
            "activity",
            "activity__display_name",
        )
        .order_by("date", "start_time", "id")
    )
    today = []
    for lesson in lessons:
        if lesson.date == day:
            lesson.now_on = lesson.start_time <= now < lesson.end_time  # type: ignore[attr-defined]
            today.append(lesson)
    not_registered = [
        lesson
        for lesson in reversed(lessons)
        if lesson.reported_at is None and not lesson.cancelled and lesson.end_time <= now
    ]
    return TeacherDay(today, not_registered[:shown], len(not_registered))
