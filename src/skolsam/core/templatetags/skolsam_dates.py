"""Template filters for dates as people write them (`core.humandates`)."""

from __future__ import annotations

from datetime import date, datetime

from django import template

from skolsam.core import humandates

register = template.Library()


@register.filter
def human_day(value: date | None) -> str:
    """{{ lesson.date|human_day }} → "i dag", "tisdag 2 december"."""
    return "" if value is None else humandates.human_day(value)


@register.simple_tag
def human_period(start: datetime, end: datetime) -> str:
    """{% human_period a.start_time a.end_time %} → "tisdag 2 december, hela dagen"."""
    return humandates.human_period(start, end)


@register.simple_tag
def human_dates(first: date, last: date) -> str:
    """{% human_dates l.start_date l.end_date %} → "måndag 7 – onsdag 9 december"."""
    return humandates.human_dates(first, last)
