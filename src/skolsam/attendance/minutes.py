"""Turn what a teacher marks (present, absent, late, left early) into SS 12000's minutes."""

from __future__ import annotations

from dataclasses import dataclass

from skolsam.attendance.models import AttendanceKind


@dataclass(frozen=True)
class Minutes:
    attendance: int
    valid_absence: int
    invalid_absence: int


def split(kind: str, valid: bool, minutes: int, length: int) -> Minutes:
    """Return the minutes present and absent (valid or invalid) for one pupil and lesson."""
    if kind == AttendanceKind.PRESENT:
        return Minutes(length, 0, 0)
    away = length if kind == AttendanceKind.ABSENT else min(max(minutes, 0), length)
    return Minutes(length - away, away if valid else 0, 0 if valid else away)
