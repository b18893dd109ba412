"""Attendance's sections of the guardian and pupil portal (`core.portal`)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from skolsam.attendance.models import Notice, NoticeChannel
from skolsam.core.access import Actor
from skolsam.core.portal import PortalSection


def unread_notices(actor: Actor, day: date) -> dict[UUID | None, int]:
    """Count the actor's unread notices from the school (absence, leave decisions) per child."""
    if actor.person_id is None:
        return {}
    rows = (
        Notice.objects.filter(
            guardian_id=actor.person_id, channel=NoticeChannel.INAPP, read_at__isnull=True
        )
        .values("student_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {r["student_id"]: r["n"] for r in rows}


SECTIONS = [
    PortalSection(
        key="absence",
        title=_("Anmäl frånvaro"),
        audiences=frozenset({"guardian", "pupil"}),
        url_name="portal:absence_report",
        order=10,
    ),
    PortalSection(
        key="leave",
        title=_("Ledighet"),
        audiences=frozenset({"guardian"}),
        url_name="portal:leave",
        order=20,
    ),
    PortalSection(
        key="notices",
        title=_("Meddelanden från skolan"),
        audiences=frozenset({"guardian", "pupil"}),
        url_name="portal:notices",
        summary=unread_notices,
        order=30,
    ),
]
