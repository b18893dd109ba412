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


class ChangeRecord(models.Model):
    """An outbox row: a service changed (or deleted) entities of one SS 12000 type.

    Written by `skolsam.core.changes.change_record` in the service's own transaction, so
    it exists exactly when the change does. The SS 12000 API's dispatcher reads the rows
    not yet dispatched and calls the subscriptions they concern; deleted rows also carry
    tombstones, which /deletedEntities lists.
    """

    entity_type = models.CharField(max_length=32)
    # The ids (as strings) of the entities; empty when a bulk write records "some rows".
    entity_ids = models.JSONField(default=list)
    organisation_ids = models.JSONField(default=list)
    deleted = models.BooleanField(default=False)
    # Reference data (syllabuses, programmes) belongs to nobody and concerns every client.
    public = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["id"],
                condition=Q(dispatched_at__isnull=True),
                name="core_change_undispatched",
            ),
            models.Index(fields=["dispatched_at"], name="core_change_dispatched"),
        ]

    def __str__(self) -> str:
        verb = "borttagen" if self.deleted else "ändrad"
        return f"{self.entity_type} {verb} {self.created_at:%Y-%m-%d %H:%M}"


class Tombstone(models.Model):
    """One entity gone from a ChangeRecord's organisations: what /deletedEntities lists.

    Either deleted (`left` false), or a candidate for having left some clients' view
    without being deleted (`left` true): a pupil whose only enrolment there ended, a duty
    that ended. A candidate is listed to a client only while the entity is not visible
    to it (`api/ss12000/selectors.py`), so a rename of a person still in view lists nothing.
    """

    record = models.ForeignKey(ChangeRecord, on_delete=models.CASCADE, related_name="tombstones")
    entity_type = models.CharField(max_length=32)
    entity_id = models.UUIDField()
    deleted_at = models.DateTimeField(default=timezone.now)
    is_public = models.BooleanField(default=False)
    left = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["deleted_at", "id"], name="core_tombstone_page")]

    def __str__(self) -> str:
        return f"{self.entity_type} {self.entity_id} (borttagen {self.deleted_at:%Y-%m-%d})"


class TombstoneOrganisation(models.Model):
    """An organisation a deletion concerns, kept as a plain id: it may be gone too."""

    record = models.ForeignKey(
        ChangeRecord, on_delete=models.CASCADE, related_name="tombstone_organisations"
    )
    organisation_id = models.UUIDField(db_index=True)

    def __str__(self) -> str:
        return str(self.organisation_id)


class EndedRelationsRecorded(models.Model):
    """How far relations that ended by the calendar have been recorded as changes.

    A relation with an end date (an enrolment, a membership, a duty) drops out of the SS
    12000 API's answers the day after it ends, with no write to record it. The first API
    request of a day records those that ended since `through` (and moves `modified`), so
    incremental syncs see them (`api/ss12000/services.py`, `ended_relations_record`).
    One row.
    """

    through = models.DateField()

    def __str__(self) -> str:
        return f"Avslutade relationer registrerade t.o.m. {self.through}"
