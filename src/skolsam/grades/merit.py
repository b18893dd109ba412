"""Compute the merit values admission uses: meritvärde (year 9) and jämförelsetal (upper
secondary). Pure functions over grade values, so the certificate, the what-if calculator
and the statistics (later) all compute them the same way; the points and limits are in
`grades.rules`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from skolsam.grades.rules import (
    COMPARISON_QUANTUM,
    COMPARISON_ROUNDING,
    GRADE_POINTS,
    MERIT_SUBJECTS,
)


class MeritKind(StrEnum):
    """How a year-9 grade may count in the meritvärde."""

    # Any subject grade: it may be one of the 16.
    SUBJECT = "subject"
    # Moderna språk studied as språkval: one of the 16, or the optional 17th.
    MODERN_LANGUAGE_CHOICE = "modern_language_choice"
    # Modersmål: it may be one of the 16 but never the 17th.
    MOTHER_TONGUE = "mother_tongue"


@dataclass(frozen=True)
class MeritGrade:
    """One final grade in year 9: its value (A-F or the dash) and how it may count."""

    value: str
    kind: MeritKind = MeritKind.SUBJECT


@dataclass(frozen=True)
class CourseGrade:
    """One upper-secondary course (or subject) grade with its points."""

    value: str
    points: int
    diploma_project: bool = False


def _points(value: str) -> Decimal:
    try:
        return GRADE_POINTS[value]
    except KeyError:
        raise ValueError(f"{value!r} har inget meritvärde (bara A–F och streck).") from None


def meritvarde(grades: Iterable[MeritGrade]) -> Decimal:
    """Return the meritvärde: the 16 best grades plus moderna språk (språkval) as a 17th.

    The 17th place takes only a moderna språk grade from språkval, and only one: the best
    of them; any other språkval grade competes for the 16 like every subject. Moving the
    best språkval grade out of the 16 into the 17th never lowers the sum (the 16 are then
    filled by the next best, which adds something or nothing), so that choice is always
    taken. Modersmål competes for the 16 and never takes the 17th. F and the dash count 0.
    Fewer than 16 grades give the sum of those there are. The result is between 0 and 340.
    """
    grades = list(grades)
    points = [(_points(g.value), g.kind) for g in grades]
    choices = sorted(
        (p for p, kind in points if kind == MeritKind.MODERN_LANGUAGE_CHOICE), reverse=True
    )
    seventeenth = choices[0] if choices else Decimal("0")
    rest = [p for p, kind in points if kind != MeritKind.MODERN_LANGUAGE_CHOICE]
    rest += choices[1:]
    best = sorted(rest, reverse=True)[:MERIT_SUBJECTS]
    return sum(best, Decimal("0")) + seventeenth


def jamforelsetal(grades: Iterable[CourseGrade]) -> Decimal | None:
    """Return the jämförelsetal: Σ(grade value × points) ÷ Σ points, to two decimals.

    The gymnasiearbete is left out. F and the dash count 0 with their points in the
    denominator. None when no graded points remain (nothing to compare). At most 20.00;
    the meritpoäng that admission may add (up to 2.5) are not part of it.
    """
    total_points = 0
    weighted = Decimal("0")
    for grade in grades:
        if grade.diploma_project:
            continue
        if grade.points <= 0:
            raise ValueError("En kurs måste ha fler än 0 poäng.")
        weighted += _points(grade.value) * grade.points
        total_points += grade.points
    if total_points == 0:
        return None
    return (weighted / total_points).quantize(COMPARISON_QUANTUM, rounding=COMPARISON_ROUNDING)
