"""Find the attendance settings that apply to a school unit: its own, else its huvudman's."""

from __future__ import annotations

from uuid import UUID

from skolsam.attendance.models import AttendancePolicy
from skolsam.schedule.calendar import ancestors_and_self


def policy_for(organisation_id: UUID) -> AttendancePolicy:
    """Return the nearest policy up the tree, or an unsaved one with the defaults."""
    chain = ancestors_and_self(organisation_id)
    found = {
        p.organisation_id: p for p in AttendancePolicy.objects.filter(organisation_id__in=chain)
    }
    for org in chain:
        if org in found:
            return found[org]
    return AttendancePolicy(organisation_id=organisation_id)
