"""Read a pupil's published grades for the portal: the table per subject and term, and the
rows of the what-if merit calculator (`grades.merit`).

Everything is read through `grades.access.published_grades_of`, so a guardian whose
custody ended, an adult who is not a custody holder and anyone else get a 404 like a
missing pupil, and nothing of a period the rektor has not published is here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from skolsam.core.access import Actor
from skolsam.grades.access import published_grades_of
from skolsam.grades.merit import MeritGrade, MeritKind, meritvarde
from skolsam.grades.models import Semester
from skolsam.grades.rules import GRADE_POINTS, MERIT_MAX, MERIT_MAX_WITH_17TH

# School forms whose year-9 grades make a meritvärde (A–F and the dash).
MERIT_SCHOOL_TYPES = frozenset({"GR", "SP", "SAM"})
# Rows the calculator adds for subjects the pupil has no grade in yet.
EXTRA_ROWS = 3
# The calculator never takes more rows than this (a posted form is cut off here).
MAX_ROWS = 40
# The values one may choose in the calculator: no grade, A–F and the dash.
MERIT_VALUES = tuple(GRADE_POINTS)


@dataclass(frozen=True)
class Term:
    semester: str
    year: int

    @property
    def key(self) -> tuple[int, int]:
        # The autumn term comes after the spring term of the same year.
        return (self.year, 1 if self.semester == Semester.HT else 0)

    @property
    def label(self) -> str:
        return f"{self.semester} {self.year}"


@dataclass
class Cell:
    value: str
    final: bool
    trial: bool
    earlier: bool


@dataclass
class SubjectRow:
    name: str
    cells: dict[Term, Cell] = field(default_factory=dict)
    # The cells in the table's term order, None where the term has no grade.
    line: list[Cell | None] = field(default_factory=list)


@dataclass
class GradeTable:
    terms: list[Term]
    rows: list[SubjectRow]


def _syllabus_name(row: dict[str, Any]) -> str:
    name = row["grade__syllabus__course_name"] or row["grade__syllabus__subject_name"]
    return name or row["grade__syllabus__subject_code"]


_VALUES = (
    "grade__grade_value",
    "grade__semester",
    "grade__year",
    "grade__final_grade",
    "grade__trial",
    "grade__origin",
    "grade__school_type",
    "grade__syllabus_id",
    "grade__syllabus__subject_name",
    "grade__syllabus__course_name",
    "grade__syllabus__subject_code",
)


def _published(actor: Actor, student: Any) -> list[dict[str, Any]]:
    return list(published_grades_of(actor, student).values(*_VALUES))


def grade_table(rows: list[dict[str, Any]]) -> GradeTable:
    """Lay out published grades: one row per subject or course, one column per term."""
    by_syllabus: dict[Any, SubjectRow] = {}
    terms: set[Term] = set()
    for r in rows:
        term = Term(r["grade__semester"], r["grade__year"])
        terms.add(term)
        row = by_syllabus.setdefault(r["grade__syllabus_id"], SubjectRow(_syllabus_name(r)))
        row.cells[term] = Cell(
            value=r["grade__grade_value"],
            final=r["grade__final_grade"],
            trial=r["grade__trial"],
            earlier=r["grade__origin"] in ("Tidigare skola", "Tidigare skolform"),
        )
    ordered = sorted(terms, key=lambda t: t.key)
    for subject in by_syllabus.values():
        subject.line = [subject.cells.get(t) for t in ordered]
    return GradeTable(
        terms=ordered, rows=sorted(by_syllabus.values(), key=lambda s: s.name.casefold())
    )


@dataclass
class MeritRow:
    name: str
    value: str
    kind: str


def _kind_of(name: str) -> str:
    # Which grade is språkval or modersmål comes with the study plan (not yet in Skolsam);
    # until then the subject's name suggests it, and the pupil may change it.
    folded = name.casefold()
    if folded.startswith("moderna språk"):
        return MeritKind.MODERN_LANGUAGE_CHOICE
    if folded.startswith("modersmål"):
        return MeritKind.MOTHER_TONGUE
    return MeritKind.SUBJECT


def merit_rows(rows: list[dict[str, Any]]) -> list[MeritRow]:
    """Return the calculator's rows: the latest published grundskola grade in each subject
    (a final grade before a term grade of the same term), then empty rows to add more."""
    latest: dict[Any, tuple[tuple[int, int, bool], MeritRow]] = {}
    for r in rows:
        if r["grade__school_type"] not in MERIT_SCHOOL_TYPES:
            continue
        if r["grade__grade_value"] not in GRADE_POINTS:
            continue
        key = (*Term(r["grade__semester"], r["grade__year"]).key, r["grade__final_grade"])
        name = _syllabus_name(r)
        found = latest.get(r["grade__syllabus_id"])
        if found is None or key > found[0]:
            latest[r["grade__syllabus_id"]] = (
                key,
                MeritRow(name=name, value=r["grade__grade_value"], kind=_kind_of(name)),
            )
    out = sorted((row for _key, row in latest.values()), key=lambda m: m.name.casefold())
    for n in range(1, EXTRA_ROWS + 1):
        out.append(
            MeritRow(name=_("Ytterligare ämne %(n)s") % {"n": n}, value="", kind=MeritKind.SUBJECT)
        )
    return out[:MAX_ROWS]


@dataclass
class MeritResult:
    value: Decimal
    maximum: int
    counted: int


class MeritInputError(ValueError):
    """A posted calculator row that is not a grade or a kind the calculator knows."""


def merit_from_post(rows: list[MeritRow], data: Any) -> tuple[list[MeritRow], MeritResult]:
    """Read the calculator's posted values over its rows and compute the meritvärde.

    A value must be empty (no grade), A–F or the dash; a kind one of the three. Anything
    else raises MeritInputError naming the row, and nothing is computed.
    """
    chosen: list[MeritRow] = []
    for i, row in enumerate(rows):
        value = str(data.get(f"v{i}", "")).strip()
        kind = str(data.get(f"k{i}", MeritKind.SUBJECT)).strip()
        if value and value not in GRADE_POINTS:
            raise MeritInputError(
                _("Välj ett betyg A–F, streck eller inget betyg för %(name)s.") % {"name": row.name}
            )
        if kind not in {k.value for k in MeritKind}:
            raise MeritInputError(_("Välj hur betyget i %(name)s räknas.") % {"name": row.name})
        chosen.append(MeritRow(name=row.name, value=value, kind=kind))
    return chosen, merit_of(chosen)


def merit_of(rows: list[MeritRow]) -> MeritResult:
    """Compute the meritvärde of the rows that have a grade."""
    grades = [MeritGrade(value=r.value, kind=MeritKind(r.kind)) for r in rows if r.value]
    has_17th = any(g.kind == MeritKind.MODERN_LANGUAGE_CHOICE for g in grades)
    return MeritResult(
        value=meritvarde(grades),
        maximum=int(MERIT_MAX_WITH_17TH if has_17th else MERIT_MAX),
        counted=len(grades),
    )


def grades_page(actor: Actor, student: Any) -> tuple[GradeTable, list[MeritRow]]:
    """Return one pupil's published grades as a table and as the calculator's rows (one
    query); Http404 when the actor may not see them."""
    rows = _published(actor, student)
    return grade_table(rows), merit_rows(rows)
