"""Mail the huvudman about a new accessibility report, once."""

from __future__ import annotations

from uuid import UUID

from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone

from skolsam.accessibility.models import AccessibilityReport


def report_notify(*, report_id: UUID) -> bool:
    """Send the notice unless it was sent; claim it first, so a retry sends nothing twice."""
    claimed = AccessibilityReport.objects.filter(pk=report_id, notified_at=None).update(
        notified_at=timezone.now()
    )
    if not claimed:
        return False
    report = AccessibilityReport.objects.select_related("huvudman").get(pk=report_id)
    address = report.huvudman.email
    if not address:
        return False
    send_mail(
        "Ny rapport om tillgänglighet i Skolsam",
        "En ny rapport om ett tillgänglighetsproblem har kommit in till "
        f"{report.huvudman.display_name}.\n\nLäs och besvara den i Skolsam: "
        f"{reverse('accessibility:cases')}\n\nEnligt lagen om tillgänglighet till digital "
        "offentlig service ska ni svara den som rapporterade.",
        None,
        [address],
    )
    return True
