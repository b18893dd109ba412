"""Hold register imports: the parsed rows between upload and confirmation, then the outcome."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def _new_token() -> str:
    return secrets.token_urlsafe(32)


class RegisterImport(models.Model):
    """One import of a file into a school unit's register.

    While `status` is pending, `data` holds the rows parsed from the uploaded file, so the
    confirm step works on what the server read and checked, never on data posted back. The
    rows are personal data: they are emptied when the import is committed and pending
    imports are deleted once they expire. The committed record stays, without rows, as
    the import the audit log points to ("which import created this pupil").
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Väntar på bekräftelse")
        COMMITTED = "committed", _("Genomförd")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    token = models.CharField(max_length=64, unique=True, default=_new_token, editable=False)
    school_unit = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    # The account that uploaded the file; empty for the management command.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True)
    file_name = models.CharField(max_length=255)
    create_classes = models.BooleanField(default=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    data = models.JSONField(default=dict, blank=True)
    row_count = models.PositiveIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(default=timezone.now, editable=False)
    expires = models.DateTimeField()
    committed = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["status", "expires"])]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def is_expired(self) -> bool:
        return self.status == self.Status.PENDING and self.expires <= timezone.now()
