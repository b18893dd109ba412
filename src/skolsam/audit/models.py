"""Hold the append-only audit log.

Rows are only ever inserted. Triggers reject UPDATE and DELETE in the database (migration
0002 on PostgreSQL, 0004 on SQLite); the model refuses them in Python too.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone


class AppendOnlyError(RuntimeError):
    """The audit log cannot be changed or deleted."""


class AuditEntryQuerySet(models.QuerySet):
    """Refuse bulk changes too, so no code path on any database edits the log."""

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
