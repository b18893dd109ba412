"""Answer calendar questions: which days are school days, when a lesson starts and ends."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from django.utils import timezone

from skolsam.organisations.models import Organisation
from skolsam.schedule.models import NonTeachingDay

WEEKDAYS = ("Måndag", "Tisdag", "Onsdag", "Torsdag", "Fredag", "Lördag", "Söndag")
_WEEKDAY_WORDS = {
    **{name.lower(): i for i, name in enumerate(WEEKDAYS, start=1)},
    **{name.lower()[:3]: i for i, name in enumerate(WEEKDAYS, start=1)},
    **{str(i): i for i in range(1, 8)},
    **{
        name: i
        for i, name in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
            start=1,
        )
    },
}


def weekday_number(text: str) -> int | None:
    """Read a day of the week: "Måndag", "mån", "1" or "Monday" give 1; None if unknown."""
    return _WEEKDAY_WORDS.get(text.strip().lower())


def at(day: date, clock: time) -> datetime:
    """Return the aware datetime of `clock` on `day` in Stockholm time."""
    return timezone.make_aware(datetime.combine(day, clock), timezone.get_default_timezone())


def local(moment: datetime) -> datetime:
    return timezone.localtime(moment, timezone.get_default_timezone())


def days(start: date, end: date) -> Iterator[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def ancestors_and_self(organisation_id: UUID) -> list[UUID]:
    """Return the organisation and every organisation above it (trees are shallow)."""
    chain: list[UUID] = []
    current: UUID | None = organisation_id
    parents = dict(
        Organisation.objects.filter(
            huvudman_id=Organisation.objects.filter(pk=organisation_id).values("huvudman_id")[:1]
        ).values_list("id", "parent_id")
    )
    while current is not None and current not in chain:
        chain.append(current)
        current = parents.get(current)
    return chain


def non_teaching_dates(organisation_ids: Iterable[UUID], start: date, end: date) -> set[date]:
    """Return the lov, studiedag and helgdag dates between `start` and `end` (inclusive)."""
    out: set[date] = set()
    for first, last in NonTeachingDay.objects.filter(
        organisation_id__in=list(organisation_ids), start_date__lte=end, end_date__gte=start
    ).values_list("start_date", "end_date"):
        out.update(days(max(first, start), min(last, end)))
    return out


def overlapping(lessons: Iterable[Any]) -> dict[Any, list[Any]]:
    """Return, per lesson, the other lessons of the list that overlap it in time.

    For one person's week (a teacher's, or a pupil's), an overlap is a double booking.
    Cancelled lessons book nobody.
    """
    live = sorted((x for x in lessons if not x.cancelled), key=lambda x: (x.start_time, x.pk))
    found: dict[Any, list[Any]] = {}
    for i, a in enumerate(live):
        for b in live[i + 1 :]:
            if b.start_time >= a.end_time:
                break
            found.setdefault(a.pk, []).append(b)
            found.setdefault(b.pk, []).append(a)
    return found
