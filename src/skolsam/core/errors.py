"""Name the errors services raise, so views and imports can report them precisely."""

from django.core.exceptions import ValidationError


class DomainError(ValidationError):
    """A domain rule refused a change. The message says which rule and why, in Swedish."""
