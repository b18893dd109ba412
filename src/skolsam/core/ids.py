"""Read an id from a form, query string or address without trusting it."""

from __future__ import annotations

from typing import Any
from uuid import UUID


def uuid_or_none(value: Any) -> UUID | None:
    """Return `value` as a UUID, or None when it is empty or not one (never an error)."""
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value)) if value else None
    except (TypeError, ValueError, AttributeError):
        return None
