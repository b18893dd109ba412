"""Read the school calendar for the pages: terms and days without teaching per level."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from skolsam.schedule.calendar import ancestors_and_self
from skolsam.schedule.models import NonTeachingDay, Term


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
