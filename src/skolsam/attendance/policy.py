"""Find the attendance settings that apply to a school unit, field by field.

Each field comes from the nearest level that sets it: the unit's own settings, then the
organisations above it up to the huvudman, then `AttendancePolicy.DEFAULTS`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import time as clock
from uuid import UUID

from skolsam.attendance.models import AttendancePolicy
from skolsam.schedule.calendar import ancestors_and_self

# The register's save asks for the notice cut-off on every save with invalid absence; the
# settings change seldom, so that path may use an answer up to this many seconds old.
# A change clears this process's cache at once; other web processes see it within this time.
CACHE_SECONDS = 60


@dataclass(frozen=True)
class Policy:
    """The settings in force at one organisation, every field decided."""

    leave_requires_all_guardians: bool
    notice_cutoff: clock
    notice_morning: clock
    csn_threshold_minutes: int
    alert_absence_percent: int
    alert_invalid_occasions: int
    register_margin_minutes: int
    absence_report_days_ahead: int


_cache: dict[UUID, tuple[float, Policy]] = {}


def merge(chain: list[UUID], found: dict[UUID, AttendancePolicy]) -> Policy:
    """Return the settings for `chain[0]`: each field from the nearest level that sets it."""
    values = {}
    for name, default in AttendancePolicy.DEFAULTS.items():
        values[name] = next(
            (
                getattr(found[org], name)
                for org in chain
                if org in found and getattr(found[org], name) is not None
            ),
            default,
        )
    return Policy(**values)


def policy_for(organisation_id: UUID, *, cached: bool = False) -> Policy:
    """Return the settings that apply at `organisation_id`."""
    now = time.monotonic()
    if cached:
        hit = _cache.get(organisation_id)
        if hit is not None and hit[0] > now:
            return hit[1]
    chain = ancestors_and_self(organisation_id)
    found = {
        p.organisation_id: p for p in AttendancePolicy.objects.filter(organisation_id__in=chain)
    }
    policy = merge(chain, found)
    if len(_cache) > 10_000:
        _cache.clear()
    _cache[organisation_id] = (now + CACHE_SECONDS, policy)
    return policy


def forget() -> None:
    """Drop the cached settings (after a change), so this process reads them anew."""
    _cache.clear()
