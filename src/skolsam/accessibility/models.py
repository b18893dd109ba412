"""An accessibility problem someone reported: a case for the huvudman it concerns."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportStatus(models.TextChoices):
    NEW = "Ny", _("Ny")
    HANDLED = "Hanterad", _("Hanterad")


class AccessibilityReport(models.Model):
    """A report under the DOS law (2018:1937): the huvudman must answer it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    huvudman = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    page_url = models.CharField(max_length=500, blank=True)
    description = models.TextField()
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    # The logged-in person who reported it, if anyone was logged in.
    reporter = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=16, choices=ReportStatus.choices, default=ReportStatus.NEW)
    handled_by = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    response = models.TextField(blank=True)
    # When the huvudman was told by e-mail (accessibility.notify): claimed before sending.
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["huvudman", "status", "created"])]

    def __str__(self) -> str:
        return f"Tillgänglighetsrapport {self.created:%Y-%m-%d} ({self.status})"
