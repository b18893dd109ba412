"""Read the school calendar for the pages: terms and days without teaching per level."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from django.db.models import QuerySet

from skolsam.core.access import Actor
from skolsam.schedule import calendar
from skolsam.schedule.access import lessons_of_person, lessons_taught_by
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
