"""Name the errors services raise, so views and imports can report them precisely."""

from datetime import date

from django.core.exceptions import ValidationError


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

    date_validate(start, field="start_date", label="Startdatumet")
    if end is not None:
        date_validate(end, field="end_date", label="Slutdatumet")
    if end is not None and end < start:
        raise DomainError({"end_date": "Slutdatum kan inte ligga före startdatum."})
