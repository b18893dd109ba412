"""Turn what a teacher marks (present, absent, late, left early) into SS 12000's minutes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

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


# --- overlapping lessons ---------------------------------------------------------------------
#
# A pupil can be booked into two lessons at once (a timetable conflict, or a course beside
# the class's lesson). Counting each lesson's minutes on their own would make 09:00–10:00
# and 09:30–10:30 120 minutes of absence where the pupil was away 90. So a pupil's time is
# counted as the union of intervals on the clock, with one rule for a minute marked twice:
# present beats valid absence, which beats invalid absence (a pupil who was in one of the
# two lessons was at school; a reported absence covers the minute whatever else says).
# Intervals are whole minutes since the epoch, half-open: [start, end).

Span = tuple[int, int]


def clock_minute(moment: datetime) -> int:
    """Return a moment as whole minutes since the epoch (lessons start on whole minutes)."""
    return int(moment.timestamp()) // 60


def merged(spans: Iterable[Span]) -> list[Span]:
    """Return the union of `spans` as sorted, disjoint intervals (empty ones dropped)."""
    out: list[Span] = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def length(spans: Iterable[Span]) -> int:
    """Return how many minutes the union of `spans` covers."""
    return sum(end - start for start, end in merged(spans))


def _overlap(a: list[Span], b: list[Span]) -> int:
    """Return the minutes two merged interval lists have in common."""
    i = j = shared = 0
    while i < len(a) and j < len(b):
        low, high = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        shared += max(0, high - low)
        if a[i][1] <= b[j][1]:
            i += 1
        else:
            j += 1
    return shared


def without(spans: Iterable[Span], taken: Iterable[Span]) -> int:
    """Return the minutes of the union of `spans` that lie outside the union of `taken`."""
    mine = merged(spans)
    return sum(e - s for s, e in mine) - _overlap(mine, merged(taken))


@dataclass(frozen=True)
class Marked:
    """One attendance row on the clock: the lesson's interval and its minutes."""

    start: int
    length: int
    kind: str
    valid_absence: int
    invalid_absence: int

    def spans(self) -> tuple[Span, Span, Span]:
        """Return (present, valid absence, invalid absence) as intervals within the lesson.

        Absence sits at the start of the lesson (absent, late), or at its end for a pupil
        who left early; valid minutes come before invalid ones when a row has both (only
        other systems send such rows).
        """
        end = self.start + self.length
        away = min(self.valid_absence + self.invalid_absence, self.length)
        first = end - away if self.kind == AttendanceKind.LEFT_EARLY else self.start
        valid = (first, first + min(self.valid_absence, away))
        invalid = (valid[1], first + away)
        present = (self.start, first) if first > self.start else (first + away, end)
        return present, valid, invalid


@dataclass(frozen=True)
class Absent:
    valid: int
    invalid: int
    invalid_occasions: int


def absent(rows: Iterable[Marked]) -> Absent:
    """Return one pupil's valid and invalid absence over `rows`, each minute counted once.

    An occasion of invalid absence is a lesson with invalid minutes left after the rule
    above; lessons whose invalid intervals overlap are one occasion.
    """
    present: list[Span] = []
    valid: list[Span] = []
    invalid: list[Span] = []
    for row in rows:
        p, v, i = row.spans()
        present.append(p)
        valid.append(v)
        invalid.append(i)
    beaten = present + valid
    valid_minutes = without(valid, present)
    invalid_minutes = without(invalid, beaten)
    left = [s for s in invalid if s[1] > s[0] and without([s], beaten)]
    occasions = 0
    reach = None
    for start, end in sorted(left):
        if reach is None or start >= reach:
            occasions += 1
            reach = end
        else:
            reach = max(reach, end)
    return Absent(valid_minutes, invalid_minutes, occasions)
