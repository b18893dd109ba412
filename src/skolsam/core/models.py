"""Hold the abstract bases every SS 12000 entity shares."""

import uuid
from datetime import date

from django.db import models
from django.db.models import Q
from django.utils import timezone


class SS12000Entity(models.Model):
    """An entity with a stable SS 12000 id and the spec's meta timestamps.

    `modified` is set by services when the entity's own attributes change, never by
    `auto_now`, because SS 12000 says embedded or expanded data must not move it.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    modified = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        abstract = True


def valid_on(day: date, prefix: str = "") -> Q:
    """Return a filter for rows whose [start_date, end_date] period covers `day`.

    Both ends are inclusive, as in SS 12000; an open end date means "until further notice".
    """
    return Q(**{f"{prefix}start_date__lte": day}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": day})
    )


def periods_overlap(a_start: date, a_end: date | None, b_start: date, b_end: date | None) -> bool:
    """Tell whether two inclusive periods share a day; None is an open end."""
    return (b_end is None or a_start <= b_end) and (a_end is None or b_start <= a_end)
