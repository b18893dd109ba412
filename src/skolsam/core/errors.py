"""Name the errors services raise, so views and imports can report them precisely."""

from datetime import date

from django.core.exceptions import ValidationError


class DomainError(ValidationError):
    """A domain rule refused a change. The message says which rule and why, in Swedish."""


def period_validate(start: date, end: date | None) -> None:
    """Refuse a period whose end date lies before its start date (both inclusive)."""
    if end is not None and end < start:
        raise DomainError({"end_date": "Slutdatum kan inte ligga före startdatum."})
