"""Name the errors services raise, so views and imports can report them precisely."""

import re
import unicodedata
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class DomainError(ValidationError):
    """A domain rule refused a change. The message says which rule and why, in Swedish."""


class BadParameter(DomainError):
    """A request parameter cannot be read (an impossible date in the address, ...).

    Raised from a view, `core.middleware` answers it with 400 and the Swedish message.
    """


def period_validate(start: date, end: date | None) -> None:
    """Refuse a period whose end date lies before its start date (both inclusive), or that
    reaches outside the years Skolsam handles."""
    # Imported here: core.dates reads dates into these errors.
    from skolsam.core.dates import date_validate

    date_validate(start, field="start_date", label=_("Startdatumet"))
    if end is not None:
        date_validate(end, field="end_date", label=_("Slutdatumet"))
    if end is not None and end < start:
        raise DomainError({"end_date": _("Slutdatum kan inte ligga före startdatum.")})


# Characters no stored text may hold: the C0 controls (NUL among them; PostgreSQL refuses
# it outright and Excel files cannot hold it), DEL and the C1 controls, and the Unicode
# bidirectional embeddings, overrides and isolates, which make a name display in another
# order than it is stored ("Trojan Source", CVE-2021-42574). Tab and line breaks are
# allowed only where a value may span lines.
_FORBIDDEN = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
_FORBIDDEN_LINE = re.compile(f"[{_FORBIDDEN}\t\n\r]")
_FORBIDDEN_TEXT = re.compile(f"[{_FORBIDDEN}]")


def text_problem(value: str, *, max_length: int | None, multiline: bool = False) -> str | None:
    """Return why `value` may not be stored as text (in Swedish), or None when it may.

    One rule for every path that takes text from outside (imports, forms, the API), so a
    value accepted anywhere can be shown, exported and stored on both databases.
    """
    found = (_FORBIDDEN_TEXT if multiline else _FORBIDDEN_LINE).search(value)
    if found:
        char = found.group()
        kind = "ett styrtecken" if unicodedata.category(char) == "Cc" else "ett riktningstecken"
        return (
            f"Värdet innehåller ett otillåtet tecken (U+{ord(char):04X}, {kind}) "
            f"på plats {found.start() + 1}. Ta bort det och försök igen."
        )
    if max_length is not None and len(value) > max_length:
        count = f"{len(value):,}".replace(",", "\u00a0")  # 100 000, as Swedish writes it
        return f"Värdet är för långt: {count} tecken, högst {max_length}."
    return None
