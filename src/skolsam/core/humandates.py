"""Write dates and periods the way people write them: "tisdag 2 december, hela dagen".

For the guardian and pupil portal, where "2026-12-02 00:00–2026-12-03 00:00" says less than
"tisdag 2 december, hela dagen". Day and month names come from Django's date formats in the
active language (Swedish today), and every word of our own is marked for translation, so
the other languages read their own names when their catalogues arrive.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import dateformat, timezone
from django.utils.translation import gettext as _

from skolsam.core.dates import today as local_today

MIDNIGHT = time(0, 0)


def human_day(day: date, *, today: date | None = None) -> str:
    """Return "i dag", "i morgon", "i går" or "tisdag 2 december" (with the year if another)."""
    today = today or local_today()
    if day == today:
        return _("i dag")
    if day == today + timedelta(days=1):
        return _("i morgon")
    if day == today - timedelta(days=1):
        return _("i går")
    if day.year == today.year:
        return dateformat.format(day, "l j F")
    return dateformat.format(day, "l j F Y")


def written_day(day: date, *, today: date | None = None) -> str:
    """Return "onsdag 2 december" (with the year if another): for text read later, such as
    a notice by e-mail or SMS, where "i dag" would no longer be true."""
    today = today or local_today()
    return dateformat.format(day, "l j F" if day.year == today.year else "l j F Y")


def _clock(moment: datetime) -> str:
    return dateformat.format(moment, "H:i")


def human_period(start: datetime, end: datetime, *, today: date | None = None) -> str:
    """Return an aware period as words: whole days, one day's hours, or from–to.

    "i dag, hela dagen"; "tisdag 2 december 08:30–09:30"; "tisdag 2 – fredag 5 december,
    hela dagarna"; "tisdag 2 december 13:00 – onsdag 3 december 10:00".
    """
    start = timezone.localtime(start)
    end = timezone.localtime(end)
    first = start.date()
    whole = start.time() == MIDNIGHT and end.time() == MIDNIGHT and end > start
    if whole:
        last = end.date() - timedelta(days=1)
        if last == first:
            return _("%(day)s, hela dagen") % {"day": human_day(first, today=today)}
        return _("%(first)s – %(last)s, hela dagarna") % {
            "first": human_day(first, today=today),
            "last": human_day(last, today=today),
        }
    if end.date() == first or (end.time() == MIDNIGHT and end.date() == first + timedelta(days=1)):
        until = "24:00" if end.date() != first else _clock(end)
        return f"{human_day(first, today=today)} {_clock(start)}–{until}"
    return (
        f"{human_day(first, today=today)} {_clock(start)} – "
        f"{human_day(end.date(), today=today)} {_clock(end)}"
    )


def human_dates(first: date, last: date, *, today: date | None = None) -> str:
    """Return a period of whole days: "i dag" or "måndag 7 – onsdag 9 december"."""
    if first == last:
        return human_day(first, today=today)
    return f"{human_day(first, today=today)} – {human_day(last, today=today)}"
