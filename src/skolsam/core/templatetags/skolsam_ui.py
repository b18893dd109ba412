"""Format register values the way Swedish schools write them."""

from __future__ import annotations

from datetime import date

from django import template

register = template.Library()


@register.filter
def civic_no(value: object) -> str:
    """Write a stored 12-character civic number as `YYYYMMDD-NNNN`.

    The 12-character form keeps the century, so the separator is always a hyphen.
    """
    if not value:
        return "–"
    text = str(value)
    return f"{text[:8]}-{text[8:]}" if len(text) == 12 else text


@register.filter
def is_past(end: date | None, today: date) -> bool:
    """Tell whether a period that ends on `end` (inclusive) has ended before `today`."""
    return end is not None and end < today


@register.filter
def is_future(start: date | None, today: date) -> bool:
    """Tell whether a period that starts on `start` has not begun by `today`."""
    return start is not None and start > today
