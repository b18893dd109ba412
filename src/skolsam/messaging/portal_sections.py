"""Declare the messages section of the guardian and pupil portal (core.portal)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from django.utils.translation import gettext_lazy as _

from skolsam.core.access import Actor
from skolsam.core.portal import PortalSection


def _unread(actor: Actor, day: date) -> dict[UUID | None, int]:
    from skolsam.messaging.selectors import unread_by_child

    return unread_by_child(actor, day)


SECTIONS = [
    PortalSection(
        key="messages",
        title=str(_("Meddelanden")),
        audiences=frozenset({"guardian", "pupil"}),
        url_name="messaging:inbox",
        child_url_name="messaging:child_inbox",
        summary=_unread,
        order=20,
    )
]
