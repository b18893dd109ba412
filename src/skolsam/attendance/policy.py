"""Find the attendance settings that apply to a school unit: its own, else its huvudman's."""

from __future__ import annotations

import time
from uuid import UUID

from skolsam.attendance.models import AttendancePolicy
from skolsam.schedule.calendar import ancestors_and_self

# The register's save asks for the notice cut-off on every save with invalid absence; the
# settings change seldom, so that path may use an answer up to this many seconds old.
CACHE_SECONDS = 60
_cache: dict[UUID, tuple[float, AttendancePolicy]] = {}


def policy_for(organisation_id: UUID, *, cached: bool = False) -> AttendancePolicy:
    """Return the nearest policy up the tree, or an unsaved one with the defaults."""
    now = time.monotonic()
    if cached:
        hit = _cache.get(organisation_id)
        if hit is not None and hit[0] > now:
            return hit[1]
    chain = ancestors_and_self(organisation_id)
    found = {
        p.organisation_id: p for p in AttendancePolicy.objects.filter(organisation_id__in=chain)
    }
    policy = next(
        (found[org] for org in chain if org in found),
        AttendancePolicy(organisation_id=organisation_id),
    )
    if len(_cache) > 10_000:
        _cache.clear()
    _cache[organisation_id] = (now + CACHE_SECONDS, policy)
    return policy
