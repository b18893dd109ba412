"""Hold the grade rules that law and guidance can change: value sets, points, rounding.

One module, as data, so that a change in the regulations is a change here and nowhere
else: the services, the merit functions and (later) the grade sheet read these tables,
and no other module spells a grade value. Each entry names the rule it comes from.
Checked against Skolverket's pages in December 2026; the places where the source was
less certain say so.

School forms are SS 12000's `SchoolType` codes. The codes keep their old names after the
2023 renaming: GRS (grundsärskola) is today's anpassade grundskola, GYS (gymnasiesärskola)
the anpassade gymnasieskolan, VUXSAR* komvux som anpassad utbildning.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from skolsam.core.choices import SchoolType

# "Streck": no grade could be set because absence left no basis for assessment (SL 3:15,
# grundskolan and gymnasieskolan; Skolverket: "Strecket används om det inte finns underlag
# att bedöma elevens kunskaper på grund av elevens frånvaro"). Stored as an en dash.
DASH = "–"

_A_TO_F = ("A", "B", "C", "D", "E", "F")
_A_TO_E = ("A", "B", "C", "D", "E")


@dataclass(frozen=True)
class ValueSet:
    """The grades one may give in a school form, best first; `source` names the rule."""

    name: str
    values: tuple[str, ...]
    source: str

    def rank(self, value: str) -> int:
        """Return how high `value` stands in this set: higher is better, the dash lowest."""
        if value == DASH:
            return -1
        return len(self.values) - self.values.index(value)


# The six-step scale A-F (SL 3:14: A-E pass, F fail) and the dash (SL 3:15).
SIX_STEP = ValueSet(
    name="A–F och streck",
    values=(*_A_TO_F, DASH),
    source="SL 3 kap. 14 § (A–F), 3 kap. 15 § (streck vid frånvaro)",
)
# The anpassade school forms: A-E only. A pupil who does not reach E gets no grade (and
# so no F), and there is no dash; in anpassade grundskolan grades are given only on
# request (SL 11 kap.; DOMAIN.md "Grades"). Anpassade gymnasieskolan likewise (SL 19 kap.).
ADAPTED = ValueSet(
    name="A–E (anpassad skolform)",
    values=_A_TO_E,
    source="SL 11 kap. (anpassade grundskolan), 19 kap. (anpassade gymnasieskolan)",
)
# The gymnasiearbete is graded E or F only (gymnasieförordningen 8 kap.), with the dash
# when absence left no basis.
DIPLOMA_PROJECT = ValueSet(
    name="Gymnasiearbete: E, F och streck",
    values=("E", "F", DASH),
    source="Gymnasieförordningen (2010:2039) 8 kap.; SL 3 kap. 15 §",
)
# Since 1 January 2022 komvux på grundläggande nivå and sfi use a simplified scale,
# Godkänt and Icke godkänt (prop. 2019/20:105; Skolverket, "Förenklad betygsskala i tre
# skolformsdelar i komvux"). Municipal adult schools also record a dash for no basis;
# Skolverket's page does not say so, so that line is the one to re-check first.
SIMPLIFIED = ValueSet(
    name="Godkänt, Icke godkänt och streck",
    values=("G", "IG", DASH),
    source="Prop. 2019/20:105; Skolverket, förenklad betygsskala i komvux (från 2022-01-01)",
)
# Komvux som anpassad utbildning på grundläggande nivå: Godkänt only (same source).
ADAPTED_ADULT_BASIC = ValueSet(
    name="Godkänt",
    values=("G",),
    source="Prop. 2019/20:105; Skolverket, förenklad betygsskala i komvux (från 2022-01-01)",
)

# School form -> its value set. A school form missing here gives no grades at all
# (preschool, fritidshem, förskoleklass; träningsskolan and komvux at träningsskolans
# level, whose pupils get a written statement, intyg, instead).
VALUE_SETS: dict[str, ValueSet] = {
    SchoolType.GR: SIX_STEP,
    SchoolType.SAM: SIX_STEP,
    SchoolType.SP: SIX_STEP,
    SchoolType.GY: SIX_STEP,
    # Komvux på gymnasial nivå grades courses A-F like the gymnasieskola (SL 20 kap.).
    SchoolType.VUX: SIX_STEP,
    SchoolType.VUXGY: SIX_STEP,
    SchoolType.GRS: ADAPTED,
    SchoolType.GYS: ADAPTED,
    SchoolType.VUXSARGY: ADAPTED,
    SchoolType.SARVUXGY: ADAPTED,
    SchoolType.VUXGR: SIMPLIFIED,
    SchoolType.VUXSFI: SIMPLIFIED,
    SchoolType.SFI: SIMPLIFIED,
    SchoolType.VUXSARGR: ADAPTED_ADULT_BASIC,
    SchoolType.SARVUXGR: ADAPTED_ADULT_BASIC,
}

# Term grades (terminsbetyg) are set from this school year on (grundskola: from year 6,
# SL 10 kap.; sameskola likewise; specialskola, ten years long, from year 7). In
# grundskolan the rektor may decide on term grades from an earlier year, down to year 4
# (DOMAIN.md "Grades"); the grading period records that decision.
TERM_GRADES_FROM_YEAR: dict[str, int] = {
    SchoolType.GR: 6,
    SchoolType.SAM: 6,
    SchoolType.SP: 7,
}
TERM_GRADES_EARLIEST_YEAR: dict[str, int] = {SchoolType.GR: 4}

# Skolverket's subject code of the gymnasiearbete (GY2011: GYAR; its courses GYARxx).
DIPLOMA_PROJECT_SUBJECT_CODES = frozenset({"GYAR"})


def value_set_for(school_type: str, *, diploma_project: bool = False) -> ValueSet | None:
    """Return the grades one may give in `school_type`, or None where no grades are given."""
    if diploma_project:
        return DIPLOMA_PROJECT
    return VALUE_SETS.get(school_type)


def is_diploma_project(subject_code: str, course_code: str = "") -> bool:
    """Tell whether a syllabus is the gymnasiearbete, by Skolverket's code."""
    return subject_code.upper() in DIPLOMA_PROJECT_SUBJECT_CODES or any(
        course_code.upper().startswith(code) for code in DIPLOMA_PROJECT_SUBJECT_CODES
    )


# Grade points for meritvärde (grundskola, SKOLFS/gymnasieförordningen 7 kap.) and for the
# upper-secondary jämförelsetal (UHR): A 20, B 17.5, C 15, D 12.5, E 10, F 0. The dash is
# no grade and counts as nothing, like F.
GRADE_POINTS: dict[str, Decimal] = {
    "A": Decimal("20"),
    "B": Decimal("17.5"),
    "C": Decimal("15"),
    "D": Decimal("12.5"),
    "E": Decimal("10"),
    "F": Decimal("0"),
    DASH: Decimal("0"),
}

# Meritvärde: the 16 best subject grades, plus moderna språk as språkval as an optional
# 17th (so at most 16 x 20 = 320, or 340 with the 17th).
MERIT_SUBJECTS = 16
MERIT_MAX = MERIT_SUBJECTS * GRADE_POINTS["A"]
MERIT_MAX_WITH_17TH = (MERIT_SUBJECTS + 1) * GRADE_POINTS["A"]

# Jämförelsetal: two decimals, at most 20.00. Rounded half up: the rule gives two
# decimals, not the rounding; this is the one line to change if UHR says otherwise.
COMPARISON_QUANTUM = Decimal("0.01")
COMPARISON_ROUNDING = ROUND_HALF_UP


# --- Gymnasieexamen --------------------------------------------------------------------
#
# Gymnasieförordningen (2010:2039) 8 kap. 5–7 §§ with skollagen 16 kap. 26–28 §§, as
# Skolverket's utbildningsinfo.se ("Gymnasieexamen") and the schools' study guidance
# restate them (checked in December 2026):
# - both kinds: grades on an education of 2 500 gymnasiepoäng, of which passing grades (E
#   or better) on at least 2 250, and a passed gymnasiearbete;
# - yrkesexamen (8 kap. 6 §, the yrkesprogram): passing grades in Svenska 1 or Svenska som
#   andraspråk 1, Engelska 5 and Matematik 1, and in at least 400 points of the
#   programme's programgemensamma ämnen;
# - högskoleförberedande examen (8 kap. 7 §, the högskoleförberedande programmes):
#   passing grades in Svenska 1, 2 and 3 or Svenska som andraspråk 1, 2 and 3, Engelska 5
#   and 6, and Matematik 1.
# A pupil who does not meet them gets a studiebevis (8 kap. 12 §); an introduktionsprogram
# leads to no examen, so its pupils always do. Courses of an utökat program (marked U) do
# not count towards the examen's points.
#
# Two readings to re-check first: the dash counts as no grade (so its points are not
# "graded", `grades.examen`), and Svenska and Svenska som andraspråk are taken literally as
# two alternatives (all Sv or all SvA), though schools often combine them across levels.
#
# GY25 (from 1 July 2025) grades subjects at levels (ämnesbetyg) instead of courses, with
# courses graded until 30 June 2030; the examen keeps the 2 500/2 250 points and names
# the same subjects at their levels (Svenska nivå 1–3, Engelska nivå 1–2, Matematik nivå
# 1). So a requirement is a list of alternatives, each a set of syllabus codes all passed:
# a GY25 level's code is one more alternative beside the Gy11 course's. The catalogue
# loaded today (`curriculum/data`, the 2018 Gy11 snapshot) holds course codes only; the
# GY25 codes are to be added here when Skolverket's catalogue for them is loaded.


@dataclass(frozen=True)
class SubjectRequirement:
    """Passing grades in every code of at least one alternative, e.g. Sv 1 or SvA 1."""

    label: str
    alternatives: tuple[frozenset[str], ...]


@dataclass(frozen=True)
class ExamenRequirements:
    """What one kind of gymnasieexamen requires; `source` names the rule."""

    name: str
    total_points: int
    passed_points: int
    subjects: tuple[SubjectRequirement, ...]
    # Passing grades on at least these points of the programgemensamma ämnen (0: none).
    programme_common_points: int
    source: str


def _all_of(*codes: str) -> frozenset[str]:
    return frozenset(code.upper() for code in codes)


SWEDISH_1 = SubjectRequirement(
    label="Svenska 1 eller Svenska som andraspråk 1",
    alternatives=(_all_of("SVESVE01"), _all_of("SVASVA01")),
)
SWEDISH_1_3 = SubjectRequirement(
    label="Svenska 1, 2 och 3 eller Svenska som andraspråk 1, 2 och 3",
    alternatives=(
        _all_of("SVESVE01", "SVESVE02", "SVESVE03"),
        _all_of("SVASVA01", "SVASVA02", "SVASVA03"),
    ),
)
ENGLISH_5 = SubjectRequirement(label="Engelska 5", alternatives=(_all_of("ENGENG05"),))
ENGLISH_5_6 = SubjectRequirement(
    label="Engelska 5 och 6", alternatives=(_all_of("ENGENG05", "ENGENG06"),)
)
MATHEMATICS_1 = SubjectRequirement(
    label="Matematik 1",
    alternatives=(_all_of("MATMAT01a"), _all_of("MATMAT01b"), _all_of("MATMAT01c")),
)

EXAMEN_TOTAL_POINTS = 2500
EXAMEN_PASSED_POINTS = 2250

YRKESEXAMEN = ExamenRequirements(
    name="Yrkesexamen",
    total_points=EXAMEN_TOTAL_POINTS,
    passed_points=EXAMEN_PASSED_POINTS,
    subjects=(SWEDISH_1, ENGLISH_5, MATHEMATICS_1),
    programme_common_points=400,
    source="Gymnasieförordningen (2010:2039) 8 kap. 5–6 §§; skollagen 16 kap. 26–27 §§",
)
HOGSKOLEFORBEREDANDE_EXAMEN = ExamenRequirements(
    name="Högskoleförberedande examen",
    total_points=EXAMEN_TOTAL_POINTS,
    passed_points=EXAMEN_PASSED_POINTS,
    subjects=(SWEDISH_1_3, ENGLISH_5_6, MATHEMATICS_1),
    programme_common_points=0,
    source="Gymnasieförordningen (2010:2039) 8 kap. 5 och 7 §§; skollagen 16 kap. 26 och 28 §§",
)

# Skolverket's codes of the national programmes (Gy11, and GY25's same programmes) by the
# examen they lead to; the introduktionsprogram (IM*) lead to none. The programme's SS
# 12000 `type` decides first; these codes are for a programme recorded without one, and
# an inriktning's code starts with its programme's (NANAT is NA).
HOGSKOLEFORBEREDANDE_PROGRAMMES = frozenset({"EK", "ES", "HU", "NA", "SA", "TE"})
YRKES_PROGRAMMES = frozenset(
    {"BA", "BF", "EE", "FT", "HA", "HT", "HV", "IN", "NB", "RL", "VF", "VO"}
)
INTRODUCTORY_PROGRAMME_PREFIX = "IM"
# Passing grades: A-E on the six-step and adapted scales (SL 3:14), Godkänt on the
# simplified one. F, IG and the dash give no points towards a study plan.
PASSING_VALUES = frozenset({*_A_TO_E, "G"})


def is_passing(value: str) -> bool:
    """Tell whether a grade value passes (its course or subject points count as done)."""
    return value in PASSING_VALUES


# GY25 (from 1 July 2025): upper-secondary grades are per subject (ämne), read in subject
# levels (ämnesnivåer), beside GY11's course grades until the transition ends (2030).
# SS 12000 2.1's Code_Curriculum has no GY25 code; a syllabus loaded for GY25 names
# one of these. A subject row with no course code is graded as a whole only under GY25.
GY25_CURRICULA = frozenset({"GY2025", "GYSÄR2025"})
# GY11's subject rows (a subject plan; grades are given per course, never per subject).
GY11_CURRICULA = frozenset({"GY2011", "GYSÄR2013"})
GY25 = "GY25"
GY11 = "GY11"


def upper_secondary_generation(curriculum: str, course_code: str) -> str:
    """Return GY25 for a subject or subject level (ämnesbetyg), GY11 for a course."""
    if curriculum in GY25_CURRICULA or not course_code:
        return GY25
    return GY11


def plannable_in_study_plan(curriculum: str, course_code: str) -> bool:
    """Tell whether a syllabus can stand in a study plan: not a GY11 subject plan, whose
    grades are the courses'."""
    return bool(course_code) or curriculum not in GY11_CURRICULA
