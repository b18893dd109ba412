"""Grade statistics and the warnings of F, as the actor may see them.

Everything is read through the grade policy (`grade_policy.objects(actor, VIEW)`): the
unit's school-wide staff see the unit's grades, a teacher the grades they set. A pupil
with protected identity is left out of every count for someone not named for her
(`core.access.located` in the policy's scope), so no count reveals where she goes to
school. One query per page: the grades as they stand are read once and counted here.

Sex is read from the personnummer (the second-to-last digit: odd man, even woman;
`people.civicno`); a pupil without a number counts as unknown.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from skolsam.attendance.access import mentor_group_ids
from skolsam.core.access import Actor, located
from skolsam.core.models import valid_on
from skolsam.core.policy import Action
from skolsam.curriculum.models import Syllabus
from skolsam.grades.access import grade_policy
from skolsam.grades.merit import MeritGrade, meritvarde
from skolsam.grades.models import GradeWarning, NationalTestResult
from skolsam.grades.rules import DASH, GRADE_POINTS
from skolsam.grades.services.documents import merit_kind
from skolsam.groups.models import GroupMembership

# The order of the values in a distribution; other values (Godkänt ...) follow by name.
VALUE_ORDER = ["A", "B", "C", "D", "E", "F", DASH]
NOT_PASSING = frozenset({"F", DASH, "IG", "Icke godkänt"})

DIMENSIONS = {
    "subject": gettext_lazy("Ämne"),
    "teacher": gettext_lazy("Lärare"),
    "group": gettext_lazy("Grupp"),
    "school": gettext_lazy("Skolenhet"),
    "sex": gettext_lazy("Kön"),
    "year": gettext_lazy("År"),
}

# The bars' colours per value (A dark … F red); other values grey. Text beside each bar
# and the table below carry the numbers, so colour is never the only cue.
COLOURS = {
    "A": "#1b5e20",
    "B": "#2e7d32",
    "C": "#558b2f",
    "D": "#9e9d24",
    "E": "#f9a825",
    "F": "#c62828",
    DASH: "#6d4c41",
}


def sex_of(civic_no: str | None) -> str:
    """Man or Kvinna from the second-to-last digit of a personnummer, else Okänt."""
    if civic_no and len(civic_no) >= 2 and civic_no[-2].isdigit():
        return "Man" if int(civic_no[-2]) % 2 else "Kvinna"
    return "Okänt"


def _sex_label(value: str) -> str:
    return {"Man": _("Pojkar"), "Kvinna": _("Flickor")}.get(value, _("Okänt kön"))


@dataclass
class Row:
    key: str
    label: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def share(self, value: str) -> float:
        return 100.0 * self.counts.get(value, 0) / self.total if self.total else 0.0

    def segments(self, values: list[str]) -> list[dict[str, Any]]:
        """The stacked bar: per value its start and width in percent, and its colour."""
        out, x = [], 0.0
        for value in values:
            width = self.share(value)
            if width:
                out.append(
                    {
                        "value": value,
                        "x": round(x, 2),
                        "width": round(width, 2),
                        "colour": COLOURS.get(value, "#757575"),
                        "count": self.counts[value],
                    }
                )
            x += width
        return out


@dataclass
class YearRow:
    year: int
    pupils: int = 0
    passing: int = 0
    merit_pupils: int = 0
    merit_sum: Decimal = Decimal(0)

    @property
    def passing_percent(self) -> float:
        return 100.0 * self.passing / self.pupils if self.pupils else 0.0

    @property
    def merit_average(self) -> Decimal | None:
        if not self.merit_pupils:
            return None
        return (self.merit_sum / self.merit_pupils).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass
class Statistics:
    dimension: str
    values: list[str]
    rows: list[Row]
    years: list[YearRow]
    available_years: list[int]

    @property
    def bars(self) -> list[tuple[Row, list[dict[str, Any]]]]:
        return [(row, row.segments(self.values)) for row in self.rows]

    @property
    def table(self) -> list[tuple[Row, list[int]]]:
        return [(row, [row.counts.get(v, 0) for v in self.values]) for row in self.rows]

    @property
    def legend(self) -> list[tuple[str, str]]:
        return [(v, COLOURS.get(v, "#757575")) for v in self.values]


FIELDS = (
    "student_id",
    "student__civic_no",
    "year",
    "semester",
    "grade_value",
    "final_grade",
    "school_type",
    "syllabus_id",
    "syllabus__subject_code",
    "syllabus__subject_name",
    "syllabus__course_name",
    "grading_teacher_id",
    "grading_teacher__given_name",
    "grading_teacher__family_name",
    "group_id",
    "group__display_name",
    "organisation_id",
    "organisation__display_name",
    "decided_at",
)


def grades_seen(actor: Actor) -> QuerySet:
    # The decisions no later decision replaces: the grades as they stand.
    return grade_policy.objects(actor, Action.VIEW).filter(superseded_by__isnull=True)


def _key(dimension: str, g: dict[str, Any]) -> tuple[str, str]:
    if dimension == "subject":
        code = g["syllabus__subject_code"] or ""
        return code, f"{g['syllabus__subject_name']} ({code})" if code else g[
            "syllabus__subject_name"
        ]
    if dimension == "teacher":
        if g["grading_teacher_id"] is None:
            return "", _("Ingen lärare (tidigare skola)")
        name = f"{g['grading_teacher__given_name']} {g['grading_teacher__family_name']}"
        return str(g["grading_teacher_id"]), name
    if dimension == "group":
        if g["group_id"] is None:
            return "", _("Ingen grupp")
        return str(g["group_id"]), g["group__display_name"]
    if dimension == "school":
        return str(g["organisation_id"]), g["organisation__display_name"]
    if dimension == "sex":
        sex = sex_of(g["student__civic_no"])
        return sex, _sex_label(sex)
    return str(g["year"]), str(g["year"])


def _value_order(values: set[str]) -> list[str]:
    known = [v for v in VALUE_ORDER if v in values]
    return known + sorted(values - set(VALUE_ORDER))


def grade_statistics(actor: Actor, dimension: str, year: int | None = None) -> Statistics:
    """Count the grades as they stand by `dimension`, and per year the share of pupils
    passing every subject and the average meritvärde of year 9's final grades. One query."""
    if dimension not in DIMENSIONS:
        dimension = "subject"
    grades = list(grades_seen(actor).values(*FIELDS))
    available = sorted({g["year"] for g in grades}, reverse=True)
    rows: dict[str, Row] = {}
    values: set[str] = set()
    for g in grades:
        if year is not None and g["year"] != year:
            continue
        key, label = _key(dimension, g)
        row = rows.setdefault(key, Row(key=key, label=label))
        row.counts[g["grade_value"]] = row.counts.get(g["grade_value"], 0) + 1
        values.add(g["grade_value"])
    # Per year: a pupil passes when no grade of theirs that year is F, a dash or IG.
    failing: dict[int, dict[Any, bool]] = defaultdict(dict)
    finals: dict[tuple[int, Any], dict[Any, dict[str, Any]]] = defaultdict(dict)
    for g in grades:
        pupils = failing[g["year"]]
        pupils[g["student_id"]] = pupils.get(g["student_id"], False) or (
            g["grade_value"] in NOT_PASSING
        )
        if g["final_grade"] and g["school_type"] == "GR" and g["grade_value"] in (VALUE_ORDER):
            mine = finals[(g["year"], g["student_id"])]
            earlier = mine.get(g["syllabus_id"])
            if earlier is None or earlier["decided_at"] < g["decided_at"]:
                mine[g["syllabus_id"]] = g
    years = {y: YearRow(year=y) for y in failing}
    for y, pupils in failing.items():
        years[y].pupils = len(pupils)
        years[y].passing = sum(1 for failed in pupils.values() if not failed)
    for (y, _student), subjects in finals.items():
        merit = meritvarde(
            MeritGrade(
                s["grade_value"], merit_kind(Syllabus(subject_code=s["syllabus__subject_code"]))
            )
            for s in subjects.values()
        )
        years[y].merit_pupils += 1
        years[y].merit_sum += merit
    return Statistics(
        dimension=dimension,
        values=_value_order(values),
        rows=sorted(rows.values(), key=lambda r: r.label),
        years=sorted(years.values(), key=lambda r: r.year, reverse=True),
        available_years=available,
    )


def warnings_visible(actor: Actor) -> QuerySet[GradeWarning]:
    """The warnings of F the actor sees: the unit's school-wide staff (the rektor), the
    pupil's mentor and the teacher who wrote it; a protected pupil only for those named."""
    where = Q(organisation_id__in=actor.school_wide_org_ids)
    groups = mentor_group_ids(actor)
    if groups:
        mentored = GroupMembership.objects.filter(valid_on(actor.on), group_id__in=groups).values(
            "person_id"
        )
        where |= Q(student_id__in=mentored)
    if actor.person_id is not None:
        where |= Q(created_by_id=actor.person_id)
    if not (actor.school_wide_org_ids or actor.person_id):
        return GradeWarning.objects.none()
    return GradeWarning.objects.filter(where).filter(located(actor, "student__"))


@dataclass
class ComparisonRow:
    subject: str
    teacher: str
    higher: int = 0
    equal: int = 0
    lower: int = 0

    @property
    def total(self) -> int:
        return self.higher + self.equal + self.lower

    def _percent(self, n: int) -> float:
        return 100.0 * n / self.total if self.total else 0.0

    @property
    def higher_percent(self) -> float:
        return self._percent(self.higher)

    @property
    def equal_percent(self) -> float:
        return self._percent(self.equal)

    @property
    def lower_percent(self) -> float:
        return self._percent(self.lower)


def national_tests_visible(actor: Actor) -> QuerySet[NationalTestResult]:
    """The unit's school-wide staff and the teacher who recorded them; a protected pupil
    only for those named for her."""
    where = Q(organisation_id__in=actor.school_wide_org_ids)
    if actor.person_id is not None:
        where |= Q(recorded_by_id=actor.person_id)
    elif not actor.school_wide_org_ids:
        return NationalTestResult.objects.none()
    return NationalTestResult.objects.filter(where).filter(located(actor, "student__"))


def national_test_comparison(actor: Actor, year: int | None = None) -> list[ComparisonRow]:
    """Per subject and grading teacher: how many pupils' grades are higher than, equal to
    or lower than their result on the whole national test the same year. Two queries."""
    tests = national_tests_visible(actor).filter(part="")
    if year is not None:
        tests = tests.filter(year=year)
    results = {
        (t["student_id"], t["syllabus_id"], t["year"]): t["result"]
        for t in tests.values("student_id", "syllabus_id", "year", "result")
    }
    if not results:
        return []
    grades = grades_seen(actor).filter(
        syllabus_id__in={k[1] for k in results},
        student_id__in={k[0] for k in results},
        grade_value__in=VALUE_ORDER[:6],  # A–F: a dash has no basis to compare
    )
    latest: dict[tuple[Any, Any, int], dict[str, Any]] = {}
    for g in grades.values(
        "student_id",
        "syllabus_id",
        "year",
        "grade_value",
        "decided_at",
        "syllabus__subject_name",
        "grading_teacher__given_name",
        "grading_teacher__family_name",
    ):
        key = (g["student_id"], g["syllabus_id"], g["year"])
        if key in results and (key not in latest or latest[key]["decided_at"] < g["decided_at"]):
            latest[key] = g
    rows: dict[tuple[str, str], ComparisonRow] = {}
    for key, g in latest.items():
        teacher = " ".join(
            n for n in (g["grading_teacher__given_name"], g["grading_teacher__family_name"]) if n
        ) or _("Ingen lärare (tidigare skola)")
        row = rows.setdefault(
            (g["syllabus__subject_name"], teacher),
            ComparisonRow(subject=g["syllabus__subject_name"], teacher=teacher),
        )
        grade, test = GRADE_POINTS[g["grade_value"]], GRADE_POINTS[results[key]]
        if grade > test:
            row.higher += 1
        elif grade < test:
            row.lower += 1
        else:
            row.equal += 1
    return sorted(rows.values(), key=lambda r: (r.subject, r.teacher))
