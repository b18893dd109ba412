"""Hold the append-only audit log.

Rows are only ever inserted. Triggers reject UPDATE and DELETE in the database (migrations
0002 and 0004_audit_entry_persons on PostgreSQL, 0005 on SQLite); the models refuse them in
Python on every database.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone


class AppendOnlyError(RuntimeError):
    """The audit log cannot be changed or deleted."""


class AuditEntryQuerySet(models.QuerySet):
    """Refuse bulk changes too, so no code path on any database edits the log.

    Every table of the log uses it (entries and the persons they are about).
    """

    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("Loggposter kan inte ändras.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Loggposter kan inte tas bort.")

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> int:
        raise AppendOnlyError("Loggposter kan inte ändras.")


class AuditEntry(models.Model):
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    # Kept as text too, so the entry still says who it was if the account goes.
    actor_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64, blank=True)
    # The person the entry is about, for "who has looked at this pupil".
    person_id = models.UUIDField(null=True, blank=True, db_index=True)
    changes = models.JSONField(default=dict, blank=True)  # {field: [old, new]}
    detail = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    client_address = models.GenericIPAddressField(null=True, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["actor", "at"])]
        permissions = [("search_auditentry", "Can search the audit log")]
        # Related-object access and Django internals use the base manager: make it ours.
        base_manager_name = "objects"
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("Loggposter kan inte ändras.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Loggposter kan inte tas bort.")


class AuditEntryPerson(models.Model):
    """One of the persons an entry is about, when it is about more than one.

    An API page of 1,000 persons is one entry and 1,000 of these rows, written with one
    INSERT, so the auditor's search by person finds the page as it finds a person card
    (`AuditEntry.person_id`, still used for entries about one person).
    """

    # The entry's own index is not needed: the log is searched by person, and the
    # (person_id, entry) index covers that search alone.
    entry = models.ForeignKey(
        AuditEntry, on_delete=models.DO_NOTHING, related_name="+", db_index=False
    )
    person_id = models.UUIDField()

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["person_id", "entry"], name="audit_person_entry")]
        base_manager_name = "objects"

    def __str__(self) -> str:
        return f"{self.entry.pk} {self.person_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("Loggposter kan inte ändras.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Loggposter kan inte tas bort.")
