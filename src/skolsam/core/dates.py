"""Answer "what day is it" in Swedish school time, and read the dates people type.

Every date a page reads from its address or a form goes through `date_parse` (or
`date_param` / `month_param` for the address): an impossible date ("2026-02-30", "abc")
or one outside the years Skolsam handles (EARLIEST–LATEST) is refused with a Swedish
message. From a request parameter that refusal is a `BadParameter`, which
`core.middleware` answers with 400 and the message; never a 5xx from date arithmetic
on year 1 or 9999.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import TypeVar

from django.utils import timezone
from django.utils.translation import gettext as _

# Wide enough for every birth date and school year in the register, narrow enough that a
# page can step a year either way without leaving Python's calendar.
EARLIEST = date(1900, 1, 1)
LATEST = date(2199, 12, 31)

D = TypeVar("D", date, None)

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_MONTH = re.compile(r"\d{4}-\d{2}")


def today() -> date:
    """Return today's date in Europe/Stockholm (the configured time zone)."""
    return timezone.localdate()


def date_validate(day: date, *, field: str = "date", label: str | None = None) -> None:
    """Refuse a date outside the years Skolsam handles (EARLIEST–LATEST)."""
    from skolsam.core.errors import DomainError

    if not EARLIEST <= day <= LATEST:
        raise DomainError(
            {
                field: _(
                    "%(label)s %(day)s ligger utanför de datum Skolsam hanterar "
                    "(%(earliest)s–%(latest)s)."
                )
                % {
                    "label": label or _("Datumet"),
                    "day": day.isoformat(),
                    "earliest": EARLIEST.isoformat(),
                    "latest": LATEST.isoformat(),
                }
            }
        )


def date_field_validate(day: date) -> None:
    """Refuse an out-of-range date in a form field (a form validator: one message)."""
    from django.core.exceptions import ValidationError

    try:
        date_validate(day)
    except ValidationError as exc:
        raise ValidationError(exc.messages) from None


def date_parse(text: str, *, label: str | None = None) -> date:
    """Read a date written ÅÅÅÅ-MM-DD; BadParameter, in Swedish, if it is not a real day."""
    from django.core.exceptions import ValidationError

    from skolsam.core.errors import BadParameter

    text = text.strip()
    try:
        if not _DAY.fullmatch(text):
            raise ValueError(text)
        day = date.fromisoformat(text)
    except ValueError:
        raise BadParameter(
            _(
                "%(label)s ”%(text)s” är inget giltigt datum. Skriv det som ÅÅÅÅ-MM-DD, "
                "till exempel 2026-09-07."
            )
            % {"label": label or _("Datumet"), "text": text[:40]}
        ) from None
    try:
        date_validate(day, label=label)
    except ValidationError as exc:
        raise BadParameter(exc.messages) from None
    return day


def date_param(params: Mapping[str, str], name: str, *, default: D, label: str) -> date | D:
    """Return the date in request parameter `name` (ÅÅÅÅ-MM-DD), or `default` if empty."""
    text = (params.get(name) or "").strip()
    return date_parse(text, label=label) if text else default


def month_param(params: Mapping[str, str], name: str, *, default: date, label: str) -> date:
    """Return the first day of the month in parameter `name` (ÅÅÅÅ-MM), or `default`."""
    from skolsam.core.errors import BadParameter

    text = (params.get(name) or "").strip()
    if not text:
        return default
    if not _MONTH.fullmatch(text):
        raise BadParameter(
            _(
                "%(label)s ”%(text)s” är ingen giltig månad. Skriv den som ÅÅÅÅ-MM, "
                "till exempel 2026-09."
            )
            % {"label": label, "text": text[:40]}
        )
    return date_parse(f"{text}-01", label=label)
