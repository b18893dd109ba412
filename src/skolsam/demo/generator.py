"""Generate a Swedish school register: organisations, staff, pupils, guardians and groups.

One engine, two uses:

- the demo (`manage.py demo_load`): three collaborating municipalities and an independent
  organiser with about 3,000 pupils and named special cases (`scenario.py`);
- the scale generator (`manage.py generate_register`, `bench/register_load.py`): one
  municipality of any size (`municipality_plan`).

The engine is deterministic: the same plan and seed give the same rows. Ids are uuid5
values from a namespace and a key ("person:staff:...", "group:koping/vasterskolan/4A"),
so they come out the same in every run and every database.

Rows leave as plain tuples through a `Sink` (bulk.py) that writes them in batches, so
memory stays bounded: the engine keeps the plan, the groups and staff of the schools,
and a few bytes per pupil seat, never the pupils themselves.

The rows satisfy the register's service rules: a pupil is in one class at a time, a
unit offers every school type it enrols or places in, no period ends before it starts,
enrolments in one school type never overlap, and every organisation's `huvudman` is the
root of its tree.

Civic numbers come only from Skatteverket's test personnummer (testnumbers.py). That
list holds 41,493 numbers, at most about 750 per birth year, while a municipality of
150,000 pupils needs some 390,000. When the list has no number left for a birth year,
a plan that allows it hands out temporary school numbers (YYYYMMDD, two letters, two
digits; civic_no_type "temporary"), as schools do for pupils without a personnummer.
Inventing personnummer instead could hit real people; a number with letters never can.
The demo plan does not allow them and sizes its classes to what the list holds.
"""

from __future__ import annotations

import gc
import math
import random
import time
import uuid
from array import array
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from skolsam.activities.models import Activity, ActivityTeacher
from skolsam.core.choices import (
    ActivityType,
    AssignmentRoleType,
    CivicNoType,
    DutyRole,
    GroupType,
    OrganisationType,
    PlacementReason,
    RelationType,
    SchoolType,
    SecurityMarking,
    Sex,
)
from skolsam.curriculum.loader import ORIENTATIONS
from skolsam.curriculum.models import Programme, SchoolUnitOffering, Syllabus
from skolsam.demo import names
from skolsam.demo.bulk import Sink, Table, through_table
from skolsam.demo.testnumbers import (
    reserved_for_import_example,
    samordningsnummer_from,
    temporary_number,
    test_personnummer,
)
from skolsam.duties.models import AssignmentRole, Duty
from skolsam.enrolment.models import Enrolment, Placement
from skolsam.groups.models import Group, GroupMembership
from skolsam.organisations.models import Organisation
from skolsam.people.folding import search_name
from skolsam.people.models import Person, Responsible

NAMESPACE = uuid.UUID("0b7f3f7e-5d0a-5c55-8f3e-6a1d2c3b4a59")
ADULTS_BORN = (1976, 2000)
ORGANISATIONS_START = date(2011, 7, 1)  # skollagen (2010:800) took effect

# --- tables, in the order they are written (parents before children) ----------------

ORGANISATION = Table(
    Organisation,
    (
        "id",
        "display_name",
        "organisation_type",
        "parent_id",
        "huvudman_id",
        "school_unit_code",
        "school_types",
        "municipality_code",
        "home_municipality_code",
        "address",
        "email",
        "start_date",
    ),
)
PERSON = Table(
    Person,
    (
        "id",
        "given_name",
        "family_name",
        "search_name",
        "civic_no",
        "civic_no_type",
        "birth_date",
        "sex",
        "security_marking",
        "emails",
        "phone_numbers",
        "addresses",
        "home_municipality_code",
    ),
)
GROUP = Table(
    Group,
    (
        "id",
        "display_name",
        "group_type",
        "school_type",
        "organisation_id",
        "start_date",
        "end_date",
    ),
)
OFFERING = Table(SchoolUnitOffering, ("id", "offered_at_id", "start_date"))
OFFERING_SYLLABUS = through_table(SchoolUnitOffering, "offered_syllabuses")
OFFERING_PROGRAMME = through_table(SchoolUnitOffering, "offered_programmes")
DUTY = Table(
    Duty,
    (
        "id",
        "person_id",
        "duty_at_id",
        "duty_role",
        "description",
        "signature",
        "duty_percent",
        "start_date",
    ),
)
ASSIGNMENT_ROLE = Table(
    AssignmentRole,
    ("id", "duty_id", "group_id", "assignment_role_type", "start_date", "end_date"),
)
ACTIVITY = Table(
    Activity,
    (
        "id",
        "display_name",
        "activity_type",
        "organisation_id",
        "syllabus_id",
        "start_date",
        "end_date",
    ),
)
ACTIVITY_GROUP = through_table(Activity, "groups")
ACTIVITY_TEACHER = Table(ActivityTeacher, ("activity_id", "duty_id", "grader"))
RESPONSIBLE = Table(
    Responsible,
    ("id", "person_id", "responsible_id", "relation_type", "start_date", "end_date"),
)
ENROLMENT = Table(
    Enrolment,
    (
        "id",
        "person_id",
        "enroled_at_id",
        "school_type",
        "school_year",
        "programme_id",
        "education_code",
        "start_date",
        "end_date",
    ),
)
PLACEMENT = Table(
    Placement,
    (
        "id",
        "child_id",
        "placed_at_id",
        "group_id",
        "school_type",
        "start_date",
        "end_date",
        "reason",
        "max_weekly_schedule_hours",
    ),
)
PLACEMENT_OWNER = through_table(Placement, "owners")
MEMBERSHIP = Table(GroupMembership, ("id", "group_id", "person_id", "start_date", "end_date"))
TABLES: tuple[Table, ...] = (
    ORGANISATION,
    PERSON,
    GROUP,
    OFFERING,
    OFFERING_SYLLABUS,
    OFFERING_PROGRAMME,
    DUTY,
    ASSIGNMENT_ROLE,
    ACTIVITY,
    ACTIVITY_GROUP,
    ACTIVITY_TEACHER,
    RESPONSIBLE,
    ENROLMENT,
    PLACEMENT,
    PLACEMENT_OWNER,
    MEMBERSHIP,
)


# --- school calendar -------------------------------------------------------------------


def term_start(year: int) -> date:
    """Return the first day of the autumn term: the Monday on or after 15 August."""
    day = date(year, 8, 15)
    return day + timedelta(days=(7 - day.weekday()) % 7)


def term_end(year: int) -> date:
    """Return the last day of the spring term: the Friday on or before 14 June."""
    day = date(year, 6, 14)
    return day - timedelta(days=(day.weekday() - 4) % 7)


# --- the plan --------------------------------------------------------------------------


class Kind(StrEnum):
    PRESCHOOL = "FS"
    PRIMARY = "F6"  # förskoleklass to year 6, with fritidshem
    COMPREHENSIVE = "F9"  # förskoleklass to year 9, with fritidshem
    LOWER_SECONDARY = "79"
    UPPER_SECONDARY = "GY"


SCHOOL_TYPES: dict[Kind, tuple[str, ...]] = {
    Kind.PRESCHOOL: (SchoolType.FS,),
    Kind.PRIMARY: (SchoolType.FKLASS, SchoolType.GR, SchoolType.FTH),
    Kind.COMPREHENSIVE: (SchoolType.FKLASS, SchoolType.GR, SchoolType.FTH),
    Kind.LOWER_SECONDARY: (SchoolType.GR,),
    Kind.UPPER_SECONDARY: (SchoolType.GY,),
}
SCHOOL_YEARS: dict[Kind, range] = {
    Kind.PRESCHOOL: range(0),
    Kind.PRIMARY: range(7),
    Kind.COMPREHENSIVE: range(10),
    Kind.LOWER_SECONDARY: range(7, 10),
    Kind.UPPER_SECONDARY: range(1, 4),
}
FRITIDS_YEARS = range(4)  # förskoleklass to year 3
FRITIDS_SHARE = 0.8


@dataclass(frozen=True)
class Municipality:
    code: str  # SCB kommunkod
    name: str
    slug: str  # for e-mail domains and usernames, ASCII
    postal_prefix: str  # the first three digits of its postal codes


@dataclass(frozen=True)
class UnitPlan:
    """A skolenhet: what it runs and how big it is."""

    key: str
    name: str
    kind: Kind
    municipality: Municipality
    school_unit_code: str
    classes_per_year: int = 1
    class_size: int = 24
    departments: int = 0  # preschool only
    programmes: tuple[tuple[str, int], ...] = ()  # upper-secondary: (code, classes a year)
    # Where the pupils live: (municipality code, weight). Empty: in the unit's own.
    catchment: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class HuvudmanPlan:
    key: str
    name: str
    seat: Municipality
    municipal: bool  # a municipality is hemkommun for its residents; an AB is not
    domain: str  # e-mail domain for staff and pupils
    units: tuple[UnitPlan, ...]
    forvaltning: str = ""  # a förvaltning between the huvudman and its units, if any


@dataclass(frozen=True)
class GuardianSpec:
    key: str
    sex: str
    given_name: str = ""
    municipality: str = ""  # code; empty: the family's
    own_address: bool = False  # joint custody, living apart
    protected: bool = False
    custody_ends: date | None = None


@dataclass(frozen=True)
class ChildSpec:
    key: str
    slot: str  # the class or department the child is in now
    sex: str = ""
    given_name: str = ""
    civic: str = CivicNoType.PERSONNUMMER
    protected: bool = False
    mentor_group: int | None = None  # index of the class's mentor group
    moved_from: str = ""  # slot the child left on `moved_on`
    moved_on: date | None = None
    arrived_on: date | None = None  # newly arrived: no earlier schooling in Sweden


@dataclass(frozen=True)
class FamilySpec:
    """A household the demo needs by name, e.g. a guardian with a login."""

    key: str
    family_name: str
    municipality: str  # code
    guardians: tuple[GuardianSpec, ...]
    children: tuple[ChildSpec, ...]


@dataclass(frozen=True)
class AdultSpec:
    """A person with no duty and no child, e.g. the auditor's login."""

    key: str
    given_name: str
    family_name: str
    sex: str
    municipality: str


@dataclass(frozen=True)
class RegisterPlan:
    huvudman: tuple[HuvudmanPlan, ...]
    seed: int = 2026
    school_year: int = 2026  # the autumn the current school year starts
    total_pupils: int | None = None  # exact number of pupils; None: the planned class sizes
    allow_temporary: bool = False
    families: tuple[FamilySpec, ...] = ()
    adults: tuple[AdultSpec, ...] = ()

    @property
    def municipalities(self) -> dict[str, Municipality]:
        found: dict[str, Municipality] = {}
        for hm in self.huvudman:
            found.setdefault(hm.seat.code, hm.seat)
            for unit in hm.units:
                found.setdefault(unit.municipality.code, unit.municipality)
        return found


class PlanError(ValueError):
    """The plan cannot be generated, e.g. it needs more test personnummer than exist."""


# --- teaching: what is taught where, by whom -------------------------------------------

# Years 1-6: the class teacher takes these ...
PRIMARY_CLASS_TEACHER = (
    ("Svenska", "GRGRSVE01"),
    ("Matematik", "GRGRMAT01"),
    ("Engelska", "GRGRENG01"),
)
# ... and subject teachers these.
PRIMARY_SPECIALISTS = (("Idrott och hälsa", "GRGRIDR01"), ("Musik", "GRGRMUS01"))
SECONDARY_SUBJECTS = (
    ("Svenska", "GRGRSVE01"), ("Matematik", "GRGRMAT01"), ("Engelska", "GRGRENG01"),
    ("Biologi", "GRGRBIO01"), ("Fysik", "GRGRFYS01"), ("Kemi", "GRGRKEM01"),
    ("Geografi", "GRGRGEO01"), ("Historia", "GRGRHIS01"), ("Religionskunskap", "GRGRREL01"),
    ("Samhällskunskap", "GRGRSAM01"), ("Idrott och hälsa", "GRGRIDR01"), ("Musik", "GRGRMUS01"),
    ("Bild", "GRGRBIL01"), ("Slöjd", "GRGRSLJ01"), ("Hem- och konsumentkunskap", "GRGRHKK01"),
    ("Teknik", "GRGRTEK01"),
)  # fmt: skip
LANGUAGES = ("Spanska", "Tyska", "Franska")  # språkval, Moderna språk GRGRMSP01
# (what the duty description says, subjects, weight when adding more teachers)
SECONDARY_TEACHERS: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("Sv/En", ("GRGRSVE01", "GRGRENG01"), 3),
    ("Ma/NO", ("GRGRMAT01", "GRGRBIO01", "GRGRFYS01", "GRGRKEM01"), 3),
    ("Ma/Tk", ("GRGRMAT01", "GRGRTEK01"), 1),
    ("SO", ("GRGRGEO01", "GRGRHIS01", "GRGRREL01", "GRGRSAM01"), 2),
    ("Sv/SO", ("GRGRSVE01", "GRGRHIS01", "GRGRSAM01"), 2),
    ("Idh", ("GRGRIDR01",), 1),
    ("Mu", ("GRGRMUS01",), 1),
    ("Bl/Sl", ("GRGRBIL01", "GRGRSLJ01"), 1),
    ("Hkk", ("GRGRHKK01",), 1),
    ("Moderna språk/En", ("GRGRMSP01", "GRGRENG01"), 1),
)
UPPER_SECONDARY_TEACHERS: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("Ma/Fy", ("MAT", "FYS"), 3),
    ("Sv/En", ("SVE", "ENG"), 2),
    ("Sv/Hi", ("SVE", "HIS"), 2),
    ("Sh/Re/Ps", ("SAM", "REL", "PSK", "HIS"), 2),
    ("Bi/Ke/Nk", ("BIO", "KEM", "NAK"), 2),
    ("En", ("ENG",), 1),
    ("Idh", ("IDR",), 1),
    ("Tk/Prr", ("TEK", "PRR", "CAD", "MAT"), 1),
    ("El", ("ELL", "MEK", "ELE", "ELI"), 1),
    ("Bygg", ("BYG", "HUS", "ANL"), 1),
)
# The autumn's courses per programme and year (Gy11 course codes).
PROGRAMME_COURSES: dict[str, dict[int, tuple[str, ...]]] = {
    "NA": {
        1: ("MATMAT01c", "SVESVE01", "ENGENG05", "BIOBIO01", "IDRIDR01"),
        2: ("MATMAT02c", "SVESVE02", "ENGENG06", "KEMKEM01", "FYSFYS01a"),
        3: ("MATMAT03c", "SVESVE03", "BIOBIO02", "KEMKEM02", "RELREL01"),
    },
    "SA": {
        1: ("MATMAT01b", "SVESVE01", "ENGENG05", "SAMSAM01b", "HISHIS01b"),
        2: ("MATMAT02b", "SVESVE02", "ENGENG06", "PSKPSY01", "NAKNAK01b"),
        3: ("SVESVE03", "SAMSAM02", "SAMSAM03", "RELREL01", "IDRIDR01"),
    },
    "TE": {
        1: ("MATMAT01c", "TEKTEK01", "SVESVE01", "ENGENG05", "FYSFYS01a"),
        2: ("MATMAT02c", "PRRPRR01", "SVESVE02", "ENGENG06", "KEMKEM01"),
        3: ("MATMAT03c", "TEKTEK02", "SVESVE03", "CADCAD01", "RELREL01"),
    },
    "EE": {
        1: ("ELLELL01", "ELLPRA0", "MATMAT01a", "SVESVE01", "ENGENG05"),
        2: ("ELLELL02", "MEKMEK01", "ELEELR0", "SAMSAM01a1", "IDRIDR01"),
        3: ("MEKMEK02", "ELIELD0", "HISHIS01a1", "NAKNAK01a1", "RELREL01"),
    },
    "BA": {
        1: ("BYGBYG01", "MATMAT01a", "SVESVE01", "ENGENG05", "IDRIDR01"),
        2: ("BYGBYG02", "HUSHUS01", "SAMSAM01a1", "NAKNAK01a1", "HISHIS01a1"),
        3: ("HUSHUS02", "ANLANL01", "RELREL01", "SAMSAM01a2", "NAKNAK01a2"),
    },
}
PUPILS_PER_SUBJECT_TEACHER = 13
MENTOR_GROUPS_PER_CLASS = 2


@dataclass
class Catalogue:
    """Syllabus and programme ids from the database, as the generator needs them."""

    subjects: dict[str, uuid.UUID]  # grundskola subject code -> id
    courses: dict[str, tuple[uuid.UUID, str, str]]  # GY course code -> (id, subject, name)
    programmes: dict[str, uuid.UUID]  # GY programme or inriktning code -> id

    @classmethod
    def from_database(cls) -> Catalogue:
        """Read the loaded syllabuses and programmes; complain if any the plan uses is missing."""
        subjects = dict(
            Syllabus.objects.filter(school_type=SchoolType.GR, course_code="").values_list(
                "subject_code", "id"
            )
        )
        courses = {
            code: (pk, subject, name)
            for code, pk, subject, name in Syllabus.objects.filter(
                school_type=SchoolType.GY
            ).values_list("course_code", "id", "subject_code", "course_name")
            if code
        }
        programmes = dict(
            Programme.objects.filter(school_type=SchoolType.GY).values_list("code", "id")
        )
        needed_subjects = {c for _n, c in SECONDARY_SUBJECTS} | {"GRGRMSP01"}
        needed_courses = {
            c for years in PROGRAMME_COURSES.values() for cs in years.values() for c in cs
        }
        missing = sorted(needed_subjects - set(subjects)) + sorted(needed_courses - set(courses))
        missing += sorted(set(PROGRAMME_COURSES) - set(programmes))
        if missing:
            raise PlanError(
                "Kursplanerna saknas i databasen (kör manage.py load_syllabuses): "
                + ", ".join(missing[:10])
            )
        return cls(subjects, courses, programmes)


# --- civic numbers ---------------------------------------------------------------------


def _sex_of(number: str) -> str:
    return Sex.MAN if int(number[10]) % 2 else Sex.KVINNA


def _other(sex: str) -> str:
    return Sex.KVINNA if sex == Sex.MAN else Sex.MAN


class CivicNumbers:
    """Hand out test personnummer by birth year and sex, each once; then temporary numbers."""

    def __init__(self, rng: random.Random, *, allow_temporary: bool) -> None:
        self._rng = rng
        self._allow_temporary = allow_temporary
        self._pools: dict[tuple[int, str], list[str]] = defaultdict(list)
        reserved = set(reserved_for_import_example())
        for number in test_personnummer():
            if number not in reserved:
                self._pools[(int(number[:4]), _sex_of(number))].append(number)
        for key in sorted(self._pools):
            rng.shuffle(self._pools[key])
        self._serials: Counter[date] = Counter()
        self._exhausted: set[tuple[int, int, str]] = set()
        self.temporary = 0

    def available(self, year: int) -> int:
        """Return how many test numbers are left for persons born in `year`."""
        return len(self._pools[(year, Sex.MAN)]) + len(self._pools[(year, Sex.KVINNA)])

    def child(self, year: int, sex: str) -> tuple[str, str, date, str]:
        """Return (number, type, birth date, sex) for a child born in `year`.

        The sex follows the number; `sex` is a wish, given up when only the other is left.
        """
        number = self._take(year, sex) or self._take(year, _other(sex))
        if number is not None:
            return number, CivicNoType.PERSONNUMMER, _born(number), _sex_of(number)
        return self._temporary(year, sex)

    def adult(self, low: int, high: int, sex: str) -> tuple[str, str, date, str]:
        """Return (number, type, birth date, sex) for an adult born in [low, high]."""
        year = self._rng.randint(low, high)
        number = self._take(year, sex)
        if number is None and (low, high, sex) not in self._exhausted:
            years = [y for y in range(low, high + 1) if self._pools.get((y, sex))]
            if years:
                year = min(years, key=lambda y: (abs(y - year), y))
                number = self._take(year, sex)
            else:
                self._exhausted.add((low, high, sex))
        if number is not None:
            return number, CivicNoType.PERSONNUMMER, _born(number), sex
        return self._temporary(year, sex)

    def temporary_for(self, born: date) -> str:
        """Return the next unused temporary number for a birth date."""
        serial = self._serials[born]
        self._serials[born] += 1
        self.temporary += 1
        return temporary_number(born, serial)

    def _take(self, year: int, sex: str) -> str | None:
        pool = self._pools.get((year, sex))
        return pool.pop() if pool else None

    def _temporary(self, year: int, sex: str) -> tuple[str, str, date, str]:
        if not self._allow_temporary:
            raise PlanError(
                f"Skatteverkets testlista har inga fler nummer för födda {year}; "
                "planen tillåter inte tillfälliga nummer."
            )
        born = date(year, 1, 1) + timedelta(days=self._rng.randrange(365))
        return self.temporary_for(born), CivicNoType.TEMPORARY, born, sex


def _born(number: str) -> date:
    return date(int(number[:4]), int(number[4:6]), int(number[6:8]))


def stable_id(seed: int, kind: str, key: object) -> uuid.UUID:
    """Return the id the generator gives the entity of `kind` and `key` under `seed`."""
    return uuid.uuid5(uuid.uuid5(NAMESPACE, f"seed:{seed}"), f"{kind}:{key}")


# --- working state -----------------------------------------------------------------------


@dataclass
class Slot:
    """A class (or a preschool department) and the groups its pupils belong to."""

    index: int
    key: str
    unit: UnitPlan
    unit_id: uuid.UUID
    name: str
    school_year: int | None
    birth_years: tuple[int, ...]
    size: int
    group_id: uuid.UUID
    programme: str = ""
    mentor_groups: list[uuid.UUID] = field(default_factory=list)
    course_groups: list[uuid.UUID] = field(default_factory=list)
    language_groups: list[uuid.UUID] = field(default_factory=list)
    fritids_group: uuid.UUID | None = None


@dataclass
class _Unit:
    plan: UnitPlan
    id: uuid.UUID
    huvudman: HuvudmanPlan
    slots: list[Slot] = field(default_factory=list)


@dataclass
class _Household:
    family_name: str
    municipality: Municipality
    address: dict[str, Any]
    guardians: list[uuid.UUID]
    custody_ends: list[date | None]


@dataclass
class GenerationResult:
    counts: dict[str, int]
    named: dict[str, uuid.UUID]
    pupils: int
    guardians: int
    staff: int
    temporary_numbers: int
    seconds: float


# --- the engine ------------------------------------------------------------------------

_EMPTY: list[Any] = []  # shared by every row without e-mail or address; never mutated
_GAPS = (-6, -5, -4, -3, -2, 2, 3, 4, 5, 6)  # years between siblings
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _slug(text: str) -> str:
    table = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", " ": "-", "–": "-"})
    return text.lower().translate(table)


class RegisterGenerator:
    """Turn a RegisterPlan into rows, written through a Sink.

    `named` collects the ids the demo needs to find again: organisations ("org:<key>"),
    staff by role ("rektor:<unit>", "mentor:<class>/<n>", "teaches:<class>/<subject>"),
    and the special cases ("special:<key>").
    """

    def __init__(self, plan: RegisterPlan, sink: Sink, *, catalogue: Catalogue) -> None:
        self.plan = plan
        self.sink = sink
        self.catalogue = catalogue
        self.rng = random.Random(plan.seed)
        self.numbers = CivicNumbers(
            random.Random(plan.seed + 1), allow_temporary=plan.allow_temporary
        )
        self.named: dict[str, uuid.UUID] = {}
        self.year = plan.school_year
        self.start = term_start(self.year)
        self.end = term_end(self.year + 1)
        self._ns = uuid.uuid5(NAMESPACE, f"seed:{plan.seed}")
        self._municipalities = plan.municipalities
        self._domain = {unit.key: hm.domain for hm in plan.huvudman for unit in hm.units}
        self._units: list[_Unit] = []
        self._slots: list[Slot] = []
        self._slot_by_key: dict[str, Slot] = {}
        self._duty_person: dict[uuid.UUID, uuid.UUID] = {}
        self._names_of: dict[uuid.UUID, tuple[str, str]] = {}
        self._earlier: dict[tuple[str, Kind], list[uuid.UUID]] = {}
        # Rows that have no natural key (pupils, guardians, enrolments, memberships...)
        # are numbered: a uuid5 of the seed with the last 48 bits replaced by the number.
        # Version and variant bits stay those of uuid5; it is several times faster than a
        # uuid5 per row, which counts at a million rows.
        self._seq_base = uuid.uuid5(self._ns, "sequence").int & ~(2**48 - 1)
        self._seq = self._phone_seq = 0
        self._pupils = self._guardians = self._staff = 0

    def _uid(self, kind: str, key: object) -> uuid.UUID:
        return uuid.uuid5(self._ns, f"{kind}:{key}")

    def _next(self) -> uuid.UUID:
        """Return the next numbered id."""
        self._seq += 1
        return uuid.UUID(int=self._seq_base | self._seq)

    # -- the run --------------------------------------------------------------------

    def run(self) -> GenerationResult:
        """Generate the whole register into the sink and flush it."""
        # The rows hold no reference cycles, so the cyclic garbage collector has nothing
        # to find; its passes over millions of new tuples cost a quarter of the CPU time.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._run()
        finally:
            if collecting:
                gc.enable()

    def _run(self) -> GenerationResult:
        started = time.perf_counter()
        self._organisations()
        self._plan_slots()
        self._size_slots()
        for unit in self._units:
            self._central_staff(unit.huvudman)
            self._groups(unit)
            self._unit_staff(unit)
            if unit.plan.kind == Kind.PRESCHOOL:
                self._preschool_staff(unit)
            else:
                self._school_teaching(unit)
        for adult in self.plan.adults:
            self.named[f"special:{adult.key}"] = self._adult(
                sex=adult.sex,
                given_name=adult.given_name,
                family_name=adult.family_name,
                address=self._address(self._municipalities[adult.municipality]),
                key=f"special:{adult.key}",
            )
        self._special_families()
        self._generic_families()
        self.sink.flush()
        return GenerationResult(
            counts=dict(self.sink.counts),
            named=self.named,
            pupils=self._pupils,
            guardians=self._guardians,
            staff=self._staff,
            temporary_numbers=self.numbers.temporary,
            seconds=time.perf_counter() - started,
        )

    # -- organisations --------------------------------------------------------------

    def _organisations(self) -> None:
        add = self.sink.add
        for hm in self.plan.huvudman:
            hm_id = self._uid("org", hm.key)
            self.named[f"org:{hm.key}"] = hm_id
            add(
                ORGANISATION,
                ORGANISATION.row(
                    id=hm_id,
                    display_name=hm.name,
                    organisation_type=OrganisationType.HUVUDMAN,
                    parent_id=None,
                    huvudman_id=hm_id,  # a huvudman is the root of its own tree
                    school_unit_code=None,
                    school_types=_EMPTY,
                    municipality_code=hm.seat.code,
                    home_municipality_code=hm.seat.code if hm.municipal else "",
                    address={},
                    email=f"info@{hm.domain}",
                    start_date=ORGANISATIONS_START,
                ),
            )
            parent = hm_id
            if hm.forvaltning:
                parent = self._uid("org", f"{hm.key}/forvaltning")
                self.named[f"org:{hm.key}/forvaltning"] = parent
                add(
                    ORGANISATION,
                    ORGANISATION.row(
                        id=parent,
                        display_name=hm.forvaltning,
                        organisation_type=OrganisationType.FORVALTNING,
                        parent_id=hm_id,
                        huvudman_id=hm_id,
                        school_unit_code=None,
                        school_types=_EMPTY,
                        municipality_code=hm.seat.code,
                        home_municipality_code="",
                        address={},
                        email=f"utbildning@{hm.domain}",
                        start_date=ORGANISATIONS_START,
                    ),
                )
            for unit in hm.units:
                unit_id = self._uid("org", unit.key)
                self.named[f"org:{unit.key}"] = unit_id
                address = self._address(unit.municipality)
                add(
                    ORGANISATION,
                    ORGANISATION.row(
                        id=unit_id,
                        display_name=unit.name,
                        organisation_type=OrganisationType.SKOLENHET,
                        parent_id=parent,
                        huvudman_id=hm_id,
                        school_unit_code=unit.school_unit_code,
                        school_types=list(SCHOOL_TYPES[unit.kind]),
                        municipality_code=unit.municipality.code,
                        home_municipality_code="",
                        address={
                            k: address[k] for k in ("streetAddress", "postalCode", "locality")
                        },
                        email=f"{_slug(unit.name)}@{hm.domain}",
                        start_date=ORGANISATIONS_START,
                    ),
                )
                self._units.append(_Unit(unit, unit_id, hm))

    # -- classes and departments ----------------------------------------------------

    def _plan_slots(self) -> None:
        for unit in self._units:
            plan = unit.plan
            if plan.kind == Kind.PRESCHOOL:
                count = len(names.DEPARTMENT_NAMES)
                for i in range(plan.departments):
                    name = names.DEPARTMENT_NAMES[i % count]
                    if i >= count:
                        name = f"{name} {i // count + 1}"
                    # Departments alternate: the youngest (born the last two years) and
                    # the oldest (the two years before).
                    if i % 2 == 0:
                        years = (self.year - 3, self.year - 2)
                    else:
                        years = (self.year - 5, self.year - 4)
                    self._slot(unit, name, None, years, plan.class_size)
            elif plan.kind == Kind.UPPER_SECONDARY:
                for code, per_year in plan.programmes:
                    for year in SCHOOL_YEARS[plan.kind]:
                        started = (self.year - year + 1) % 100
                        for letter in _LETTERS[:per_year]:
                            name = f"{code}{started:02d}{letter}"
                            born = (self.year - 15 - year,)
                            self._slot(unit, name, year, born, plan.class_size, programme=code)
            else:
                for year in SCHOOL_YEARS[plan.kind]:
                    for letter in _LETTERS[: plan.classes_per_year]:
                        name = f"{'F' if year == 0 else year}{letter}"
                        self._slot(unit, name, year, (self.year - 6 - year,), plan.class_size)

    def _slot(
        self,
        unit: _Unit,
        name: str,
        school_year: int | None,
        birth_years: tuple[int, ...],
        size: int,
        programme: str = "",
    ) -> None:
        key = f"{unit.plan.key}/{name}"
        slot = Slot(
            index=len(self._slots),
            key=key,
            unit=unit.plan,
            unit_id=unit.id,
            name=name,
            school_year=school_year,
            birth_years=birth_years,
            size=size,
            group_id=self._uid("group", key),
            programme=programme,
        )
        unit.slots.append(slot)
        self._slots.append(slot)
        self._slot_by_key[key] = slot

    def _size_slots(self) -> None:
        """Vary class sizes, or scale them to the plan's exact total; fit the test list."""
        for spec in self.plan.families:
            for child in spec.children:
                if child.slot not in self._slot_by_key:
                    raise PlanError(f"Klassen {child.slot} finns inte i planen.")
        if self.plan.total_pupils is not None:
            planned = sum(s.size for s in self._slots)
            exact = [s.size * self.plan.total_pupils / planned for s in self._slots]
            sizes = [math.floor(x) for x in exact]
            short = self.plan.total_pupils - sum(sizes)
            for i in sorted(range(len(exact)), key=lambda i: (sizes[i] - exact[i], i))[:short]:
                sizes[i] += 1
            for slot, size in zip(self._slots, sizes, strict=True):
                slot.size = size
        else:
            for slot in self._slots:
                slot.size = max(1, slot.size + self.rng.randint(-2, 2))
        if self.plan.allow_temporary:
            return
        # Without temporary numbers a birth year cannot have more children than the test
        # list has numbers for it (2020 has only 150): shrink that year's classes to fit.
        demand: Counter[int] = Counter()
        for slot in self._slots:
            if len(slot.birth_years) == 1:
                demand[slot.birth_years[0]] += slot.size
        for year, wanted in sorted(demand.items()):
            room = self.numbers.available(year) - 5  # a few to spare
            if wanted > room:
                for slot in self._slots:
                    if slot.birth_years == (year,):
                        slot.size = slot.size * room // wanted

    # -- groups ---------------------------------------------------------------------

    def _group(
        self, key: str, name: str, group_type: str, school_type: str, unit: _Unit
    ) -> uuid.UUID:
        gid = self._uid("group", key)
        self.sink.add(
            GROUP,
            GROUP.row(
                id=gid,
                display_name=name,
                group_type=group_type,
                school_type=school_type,
                organisation_id=unit.id,
                start_date=self.start,
                end_date=self.end,
            ),
        )
        return gid

    def _groups(self, unit: _Unit) -> None:
        kind = unit.plan.kind
        for slot in unit.slots:
            if kind == Kind.PRESCHOOL:
                self._group(slot.key, slot.name, GroupType.AVDELNING, SchoolType.FS, unit)
                continue
            if kind == Kind.UPPER_SECONDARY:
                school_type = SchoolType.GY
            elif slot.school_year == 0:
                school_type = SchoolType.FKLASS
            else:
                school_type = SchoolType.GR
            self._group(slot.key, slot.name, GroupType.KLASS, school_type, unit)
            if kind == Kind.UPPER_SECONDARY or (slot.school_year or 0) >= 7:
                for i in range(1, MENTOR_GROUPS_PER_CLASS + 1):
                    slot.mentor_groups.append(
                        self._group(
                            f"{slot.key}/mentor{i}",
                            f"{slot.name} mentorsgrupp {i}",
                            GroupType.MENTOR,
                            school_type,
                            unit,
                        )
                    )
            if kind == Kind.UPPER_SECONDARY:
                for code in PROGRAMME_COURSES[slot.programme][slot.school_year or 1]:
                    course_name = self.catalogue.courses[code][2]
                    slot.course_groups.append(
                        self._group(
                            f"{slot.key}/{code}",
                            f"{slot.name} {course_name}",
                            GroupType.UNDERVISNING,
                            SchoolType.GY,
                            unit,
                        )
                    )
        if kind in (Kind.PRIMARY, Kind.COMPREHENSIVE):
            for year in FRITIDS_YEARS:
                label = "F" if year == 0 else f"åk {year}"
                gid = self._group(
                    f"{unit.plan.key}/fritids{year}",
                    f"Fritids {label}",
                    GroupType.AVDELNING,
                    SchoolType.FTH,
                    unit,
                )
                for slot in unit.slots:
                    if slot.school_year == year:
                        slot.fritids_group = gid
        if kind in (Kind.LOWER_SECONDARY, Kind.COMPREHENSIVE):
            for year in range(7, 10):
                languages = [
                    self._group(
                        f"{unit.plan.key}/{language}{year}",
                        f"{language} åk {year}",
                        GroupType.UNDERVISNING,
                        SchoolType.GR,
                        unit,
                    )
                    for language in LANGUAGES
                ]
                for slot in unit.slots:
                    if slot.school_year == year:
                        slot.language_groups = languages

    # -- staff ----------------------------------------------------------------------

    def _central_staff(self, hm: HuvudmanPlan) -> None:
        """Give the huvudman a central administrator and a head of education, once."""
        if f"central:{hm.key}" in self.named:
            return
        at = self.named.get(f"org:{hm.key}/forvaltning") or self.named[f"org:{hm.key}"]
        for role, name in (
            (DutyRole.SKOLADMINISTRATOR, "central"),
            (DutyRole.OVRIG_ARBETSLEDNING, "chef"),
        ):
            key = f"{name}:{hm.key}"
            person = self._staff_person(hm.seat, hm.domain, key)
            self._duty(person, at, role, key)
            self.named[key] = person

    def _unit_staff(self, unit: _Unit) -> None:
        kind = unit.plan.kind
        roles: list[tuple[str, str]] = [
            (DutyRole.REKTOR, "rektor"),
            (DutyRole.SKOLADMINISTRATOR, "admin"),
        ]
        if kind != Kind.PRESCHOOL:
            roles += [(DutyRole.KURATOR, "kurator"), (DutyRole.SKOLSKOTERSKA, "skolskoterska")]
        if kind in (Kind.PRIMARY, Kind.COMPREHENSIVE):
            roles.append((DutyRole.SPECIALPEDAGOG, "specialpedagog"))
        if kind in (Kind.LOWER_SECONDARY, Kind.COMPREHENSIVE, Kind.UPPER_SECONDARY):
            roles.append((DutyRole.SYV, "syv"))
        for role, name in roles:
            key = f"{name}:{unit.plan.key}"
            person = self._staff_person(unit.plan.municipality, unit.huvudman.domain, key)
            self._duty(person, unit.id, role, key)
            self.named[key] = person

    def _preschool_staff(self, unit: _Unit) -> None:
        for slot in unit.slots:
            for role, assignment, name in (
                (DutyRole.FORSKOLLARARE, AssignmentRoleType.FORSKOLLARARE, "forskollarare"),
                (DutyRole.BARNSKOTARE, AssignmentRoleType.BARNSKOTARE, "barnskotare"),
            ):
                key = f"{name}:{slot.key}"
                person = self._staff_person(unit.plan.municipality, unit.huvudman.domain, key)
                self._assign(self._duty(person, unit.id, role, key), slot.group_id, assignment)
                self.named[key] = person

    def _school_teaching(self, unit: _Unit) -> None:
        """Hire a school's teachers and write its teaching: activities and mentor roles."""
        plan, hm = unit.plan, unit.huvudman
        signatures: set[str] = set()
        lower = [
            s
            for s in unit.slots
            if plan.kind in (Kind.PRIMARY, Kind.COMPREHENSIVE) and (s.school_year or 0) <= 6
        ]
        upper = [s for s in unit.slots if s not in lower]

        def hire(key: str, role: str = DutyRole.LARARE, description: str = "") -> uuid.UUID:
            person = self._staff_person(plan.municipality, hm.domain, key)
            return self._duty(person, unit.id, role, key, signatures, description)

        # Förskoleklass to year 6: a class teacher per class, who mentors it, and subject
        # teachers for sport and music; fritidspedagoger for the fritidshem groups.
        class_teacher: dict[str, uuid.UUID] = {}
        specialists: dict[str, list[uuid.UUID]] = defaultdict(list)
        for slot in lower:
            duty = hire(f"klasslarare:{slot.key}", description="Klasslärare")
            self._assign(duty, slot.group_id, AssignmentRoleType.MENTOR)
            class_teacher[slot.key] = duty
            self.named[f"mentor:{slot.key}"] = self._duty_person[duty]
        if lower:
            per_subject = max(1, math.ceil(len(lower) / 8))
            for subject_name, code in PRIMARY_SPECIALISTS:
                for i in range(per_subject):
                    specialists[code].append(
                        hire(f"larare:{plan.key}:{code}:{i}", description=subject_name)
                    )
            for year in FRITIDS_YEARS:
                duty = hire(f"fritidspedagog:{plan.key}:{year}", DutyRole.FRITIDSPEDAGOG)
                group = self._uid("group", f"{plan.key}/fritids{year}")
                self._assign(duty, group, AssignmentRoleType.FRITIDSPEDAGOG)

        # Years 7-9 and upper secondary: subject teachers, about one per 13 pupils, each
        # with a subject combination; they are also the mentors.
        by_subject: dict[str, list[uuid.UUID]] = defaultdict(list)
        mentors: list[uuid.UUID] = []
        if upper:
            combos = (
                UPPER_SECONDARY_TEACHERS
                if plan.kind == Kind.UPPER_SECONDARY
                else SECONDARY_TEACHERS
            )
            pupils = sum(s.size for s in upper)
            wanted = max(len(combos), math.ceil(pupils / PUPILS_PER_SUBJECT_TEACHER))
            weighted = [c for c in combos for _ in range(c[2])]
            # Every combination once, so every subject has a teacher; then by weight.
            chosen = [*combos, *(weighted[i % len(weighted)] for i in range(wanted - len(combos)))]
            for i, (label, taught, _weight) in enumerate(chosen):
                duty = hire(f"amneslarare:{plan.key}:{i}", description=label)
                for subject in taught:
                    by_subject[subject].append(duty)
                mentors.append(duty)

        turn: Counter[str] = Counter()

        def teacher_for(subject: str, pool: dict[str, list[uuid.UUID]]) -> uuid.UUID:
            duties = pool[subject]
            turn[subject] += 1
            return duties[(turn[subject] - 1) % len(duties)]

        subjects = self.catalogue.subjects
        offered: set[uuid.UUID] = set()
        for slot in lower:
            teacher = class_teacher[slot.key]
            if slot.school_year == 0:
                self._activity(
                    unit,
                    slot.key,
                    "FKLASS",
                    f"{slot.name} Förskoleklass",
                    None,
                    slot.group_id,
                    teacher,
                )
                continue
            for subject_name, code in PRIMARY_CLASS_TEACHER:
                self._activity(
                    unit,
                    slot.key,
                    code,
                    f"{slot.name} {subject_name}",
                    subjects[code],
                    slot.group_id,
                    teacher,
                )
                offered.add(subjects[code])
            for subject_name, code in PRIMARY_SPECIALISTS:
                specialist = teacher_for(code, specialists)
                self._activity(
                    unit,
                    slot.key,
                    code,
                    f"{slot.name} {subject_name}",
                    subjects[code],
                    slot.group_id,
                    specialist,
                )
                offered.add(subjects[code])
        for n, slot in enumerate(upper):
            for i, gid in enumerate(slot.mentor_groups, start=1):
                duty = mentors[(n * MENTOR_GROUPS_PER_CLASS + i) % len(mentors)]
                self._assign(duty, gid, AssignmentRoleType.MENTOR)
                self.named[f"mentor:{slot.key}/{i}"] = self._duty_person[duty]
            if plan.kind == Kind.UPPER_SECONDARY:
                courses = PROGRAMME_COURSES[slot.programme][slot.school_year or 1]
                for code, gid in zip(courses, slot.course_groups, strict=True):
                    syllabus, subject, course_name = self.catalogue.courses[code]
                    teacher = teacher_for(subject, by_subject)
                    self._activity(
                        unit, slot.key, code, f"{slot.name} {course_name}", syllabus, gid, teacher
                    )
                    offered.add(syllabus)
            else:
                for subject_name, code in SECONDARY_SUBJECTS:
                    teacher = teacher_for(code, by_subject)
                    self._activity(
                        unit,
                        slot.key,
                        code,
                        f"{slot.name} {subject_name}",
                        subjects[code],
                        slot.group_id,
                        teacher,
                    )
                    offered.add(subjects[code])
        if upper and plan.kind != Kind.UPPER_SECONDARY:
            languages = subjects["GRGRMSP01"]
            for year in range(7, 10):
                for language in LANGUAGES:
                    key = f"{language}{year}"
                    gid = self._uid("group", f"{plan.key}/{key}")
                    teacher = teacher_for("GRGRMSP01", by_subject)
                    self._activity(
                        unit, plan.key, key, f"{language} åk {year}", languages, gid, teacher
                    )
            offered.add(languages)
        self._offering(unit, offered)

    def _activity(
        self,
        unit: _Unit,
        owner: str,
        what: str,
        name: str,
        syllabus: uuid.UUID | None,
        group: uuid.UUID,
        teacher: uuid.UUID,
    ) -> None:
        key = f"{owner}/{what}"
        aid = self._uid("activity", key)
        self.sink.add(
            ACTIVITY,
            ACTIVITY.row(
                id=aid,
                display_name=name,
                activity_type=ActivityType.UNDERVISNING,
                organisation_id=unit.id,
                syllabus_id=syllabus,
                start_date=self.start,
                end_date=self.end,
            ),
        )
        self.sink.add(ACTIVITY_GROUP, ACTIVITY_GROUP.row(aid, group))
        self.sink.add(ACTIVITY_TEACHER, ACTIVITY_TEACHER.row(aid, teacher, True))
        self.named[f"teaches:{key}"] = self._duty_person[teacher]

    def _offering(self, unit: _Unit, syllabuses: set[uuid.UUID]) -> None:
        oid = self._uid("offering", unit.plan.key)
        self.sink.add(OFFERING, OFFERING.row(id=oid, offered_at_id=unit.id, start_date=None))
        for syllabus in sorted(syllabuses):
            self.sink.add(OFFERING_SYLLABUS, OFFERING_SYLLABUS.row(oid, syllabus))
        for code, _per_year in unit.plan.programmes:
            programme = self.catalogue.programmes[code]
            self.sink.add(OFFERING_PROGRAMME, OFFERING_PROGRAMME.row(oid, programme))

    def _staff_person(self, municipality: Municipality, domain: str, key: str) -> uuid.UUID:
        sex = Sex.KVINNA if self.rng.random() < 0.7 else Sex.MAN
        given = self.rng.choice(names.WOMEN if sex == Sex.KVINNA else names.MEN)
        family = self.rng.choice(names.FAMILY_NAMES)
        self._staff += 1
        person = self._adult(
            sex=sex,
            given_name=given,
            family_name=family,
            address=self._address(municipality),
            emails=[
                {"type": "Skola personal", "value": f"{_slug(given)}.{_slug(family)}@{domain}"}
            ],
            phone_type="Arbete",
            key=f"staff:{key}",
        )
        self._names_of[person] = (given, family)
        return person

    def _duty(
        self,
        person: uuid.UUID,
        at: uuid.UUID,
        role: str,
        key: str,
        signatures: set[str] | None = None,
        description: str = "",
    ) -> uuid.UUID:
        did = self._uid("duty", key)
        self.sink.add(
            DUTY,
            DUTY.row(
                id=did,
                person_id=person,
                duty_at_id=at,
                duty_role=role,
                description=description,
                signature="" if signatures is None else self._signature(person, signatures),
                duty_percent=100 if self.rng.random() < 0.8 else 80,
                start_date=term_start(self.rng.randint(2008, self.year)),
            ),
        )
        self._duty_person[did] = person
        return did

    def _signature(self, person: uuid.UUID, taken: set[str]) -> str:
        """Return a teacher's signature, unique in the school: ANKA for Anna Karlsson."""
        given, family = self._names_of[person]
        base = (given[:2] + family[:2]).upper()
        signature, n = base, 1
        while signature in taken:
            n += 1
            signature = f"{base}{n}"
        taken.add(signature)
        return signature

    def _assign(self, duty: uuid.UUID, group: uuid.UUID, role: str) -> None:
        self.sink.add(
            ASSIGNMENT_ROLE,
            ASSIGNMENT_ROLE.row(
                id=self._next(),
                duty_id=duty,
                group_id=group,
                assignment_role_type=role,
                start_date=self.start,
                end_date=self.end,
            ),
        )

    # -- persons --------------------------------------------------------------------

    def _address(self, municipality: Municipality) -> dict[str, Any]:
        rng = self.rng
        return {
            "type": "Folkbokföring",
            "streetAddress": f"{rng.choice(names.STREETS)} {rng.randint(1, 60)}",
            "postalCode": f"{municipality.postal_prefix}{rng.randint(30, 49)}",
            "locality": municipality.name,
            "country": "Sverige",
            "municipalityCode": int(municipality.code),
        }

    def _phone(self) -> str:
        # PTS keeps 070-174 06 05 to 070-174 06 99 for fiction: never a real subscriber.
        self._phone_seq += 1
        return f"070-174 06 {5 + self._phone_seq % 95:02d}"

    def _adult(
        self,
        *,
        sex: str,
        given_name: str,
        family_name: str,
        address: dict[str, Any] | None,
        born: tuple[int, int] = ADULTS_BORN,
        emails: list[dict[str, Any]] | None = None,
        phone_type: str = "Hem",
        protected: bool = False,
        key: str | None = None,
    ) -> uuid.UUID:
        number, kind, birth, sex = self.numbers.adult(born[0], born[1], sex)
        pid = self._next() if key is None else self._uid("person", key)
        if emails is None:
            emails = [
                {
                    "type": "Privat",
                    "value": f"{_slug(given_name)}.{_slug(family_name)}{birth:%y}@example.com",
                }
            ]
        self.sink.add(
            PERSON,
            PERSON.row(
                id=pid,
                given_name=given_name,
                family_name=family_name,
                search_name=search_name(given_name, "", family_name),
                civic_no=number,
                civic_no_type=kind,
                birth_date=birth,
                sex=sex,
                security_marking=(
                    SecurityMarking.SKYDDAD_FOLKBOKFORING if protected else SecurityMarking.INGEN
                ),
                emails=emails,
                phone_numbers=[{"type": phone_type, "value": self._phone(), "mobile": True}],
                # A protected person's address is not given out: none is stored.
                addresses=[address] if address else _EMPTY,
                home_municipality_code=f"{address['municipalityCode']:04d}" if address else "",
            ),
        )
        return pid

    # -- families -------------------------------------------------------------------

    def _special_families(self) -> None:
        for spec in self.plan.families:
            municipality = self._municipalities[spec.municipality]
            slots = [self._slot_by_key[c.slot] for c in spec.children]
            years = [s.birth_years[-1] for s in slots]
            address = self._address(municipality)
            guardians, ends = [], []
            for g in spec.guardians:
                home = self._municipalities[g.municipality or spec.municipality]
                if g.protected:
                    g_address = None
                elif g.own_address or home is not municipality:
                    g_address = self._address(home)
                else:
                    g_address = address
                pid = self._adult(
                    sex=g.sex,
                    given_name=g.given_name
                    or self.rng.choice(names.WOMEN if g.sex == Sex.KVINNA else names.MEN),
                    family_name=spec.family_name,
                    address=g_address,
                    born=_parent_years(years),
                    protected=g.protected,
                    key=f"special:{g.key}",
                )
                self.named[f"special:{g.key}"] = pid
                guardians.append(pid)
                ends.append(g.custody_ends)
            self._guardians += len(guardians)
            household = _Household(spec.family_name, municipality, address, guardians, ends)
            seats: Counter[str] = Counter()
            for child, slot in zip(spec.children, slots, strict=True):
                seats[slot.key] += 1
                self.named[f"special:{child.key}"] = self._child(
                    household, slot, seats[slot.key] - 1, slot.birth_years[-1], child
                )

    def _generic_families(self) -> None:
        """Seat every remaining pupil, grouping siblings into households, and write them.

        Seats are a few bytes each (class, seat number, birth year, home municipality);
        a household is drawn from them and written at once, so no pupil stays in memory.
        """
        rng = self.rng
        codes = sorted(self._municipalities)
        index_of = {code: i for i, code in enumerate(codes)}
        specials = Counter(c.slot for f in self.plan.families for c in f.children)
        seat_slot, seat_no = array("i"), array("i")
        seat_year, seat_home = array("h"), array("b")
        for slot in self._slots:
            catchment = slot.unit.catchment or ((slot.unit.municipality.code, 1.0),)
            homes = [index_of[c] for c, _w in catchment]
            weights = [w for _c, w in catchment]
            for seat in range(specials[slot.key], slot.size):
                seat_slot.append(slot.index)
                seat_no.append(seat)
                seat_year.append(rng.choice(slot.birth_years))
                seat_home.append(homes[0] if len(homes) == 1 else rng.choices(homes, weights)[0])
        total = len(seat_slot)
        # Free seats by (home municipality, birth year), to find siblings quickly.
        free: dict[tuple[int, int], list[int]] = defaultdict(list)
        for seat in range(total):
            free[(seat_home[seat], seat_year[seat])].append(seat)
        for key in sorted(free):
            rng.shuffle(free[key])
        order = list(range(total))
        rng.shuffle(order)
        taken = bytearray(total)
        for seat in order:
            if taken[seat]:
                continue
            taken[seat] = 1
            members = [seat]
            draw = rng.random()
            for _ in range(0 if draw < 0.78 else 1 if draw < 0.96 else 2):
                pool = free.get((seat_home[seat], seat_year[seat] + rng.choice(_GAPS)))
                while pool and taken[pool[-1]]:
                    pool.pop()
                if pool:
                    sibling = pool.pop()
                    taken[sibling] = 1
                    members.append(sibling)
            household = self._household(
                self._municipalities[codes[seat_home[seat]]], [seat_year[s] for s in members]
            )
            for s in members:
                self._child(household, self._slots[seat_slot[s]], seat_no[s], seat_year[s])

    def _household(self, municipality: Municipality, years: Sequence[int]) -> _Household:
        """Write the guardians of a new household: mostly two, some one; some living apart."""
        rng = self.rng
        draw = rng.random()
        if draw < 0.80:
            sexes: tuple[str, ...] = (Sex.KVINNA, Sex.MAN)
        elif draw < 0.825:
            sexes = (Sex.KVINNA, Sex.KVINNA)
        elif draw < 0.85:
            sexes = (Sex.MAN, Sex.MAN)
        elif draw < 0.96:
            sexes = (Sex.KVINNA,)
        else:
            sexes = (Sex.MAN,)
        family_name = rng.choice(names.FAMILY_NAMES)
        address = self._address(municipality)
        apart = len(sexes) == 2 and rng.random() < 0.12
        guardians = []
        for i, sex in enumerate(sexes):
            own_name = family_name
            if i and rng.random() < 0.3:
                own_name = rng.choice(names.FAMILY_NAMES)
            g_address = address
            if i and apart:
                elsewhere = municipality
                if len(codes := sorted(self._municipalities)) > 1 and rng.random() < 0.25:
                    elsewhere = self._municipalities[rng.choice(codes)]
                g_address = self._address(elsewhere)
            guardians.append(
                self._adult(
                    sex=sex,
                    given_name=rng.choice(names.WOMEN if sex == Sex.KVINNA else names.MEN),
                    family_name=own_name,
                    address=g_address,
                    born=_parent_years(years),
                )
            )
        self._guardians += len(guardians)
        return _Household(family_name, municipality, address, guardians, [None] * len(guardians))

    def _child(
        self,
        household: _Household,
        slot: Slot,
        seat: int,
        year: int,
        spec: ChildSpec | None = None,
    ) -> uuid.UUID:
        """Write a pupil: the person, the guardians' custody, and the time at school."""
        rng = self.rng
        wish = spec.sex if spec and spec.sex else (Sex.KVINNA if rng.random() < 0.5 else Sex.MAN)
        kind: str
        if spec and spec.civic == CivicNoType.TEMPORARY:
            born = date(year, 1, 1) + timedelta(days=rng.randrange(365))
            number, kind, sex = self.numbers.temporary_for(born), CivicNoType.TEMPORARY, wish
        else:
            number, kind, born, sex = self.numbers.child(year, wish)
            if spec and spec.civic == CivicNoType.SAMORDNINGSNUMMER:
                number, kind = samordningsnummer_from(number), CivicNoType.SAMORDNINGSNUMMER
        if spec and spec.given_name:
            given = spec.given_name
        else:
            given = rng.choice(names.GIRLS if sex == Sex.KVINNA else names.BOYS)
        emails = _EMPTY
        if slot.unit.kind == Kind.UPPER_SECONDARY or (slot.school_year or 0) >= 7:
            login = f"{_slug(given)}.{_slug(household.family_name)}{born:%y}"
            emails = [
                {"type": "Skola elev", "value": f"{login}@elev.{self._domain[slot.unit.key]}"}
            ]
        pid = self._uid("person", f"special:{spec.key}") if spec is not None else self._next()
        protected = bool(spec and spec.protected)
        addresses: list[dict[str, Any]] = [household.address]
        home = household.municipality.code
        if protected:
            addresses, home = _EMPTY, ""
        elif spec and spec.civic != CivicNoType.PERSONNUMMER:
            # Not folkbokförd in Sweden (yet): a postal address, no home municipality.
            addresses, home = [{**household.address, "type": "Postadress"}], ""
        self.sink.add(
            PERSON,
            PERSON.row(
                id=pid,
                given_name=given,
                family_name=household.family_name,
                search_name=search_name(given, "", household.family_name),
                civic_no=number,
                civic_no_type=kind,
                birth_date=born,
                sex=sex,
                security_marking=(
                    SecurityMarking.SKYDDAD_FOLKBOKFORING if protected else SecurityMarking.INGEN
                ),
                emails=emails,
                phone_numbers=_EMPTY,
                addresses=addresses,
                home_municipality_code=home,
            ),
        )
        self._pupils += 1
        for guardian, ends in zip(household.guardians, household.custody_ends, strict=True):
            self.sink.add(
                RESPONSIBLE,
                RESPONSIBLE.row(
                    id=self._next(),
                    person_id=pid,
                    responsible_id=guardian,
                    relation_type=RelationType.VARDNADSHAVARE,
                    start_date=born,
                    end_date=ends,
                ),
            )

        mentor = spec.mentor_group if spec and spec.mentor_group is not None else seat
        if spec and spec.moved_from and spec.moved_on:
            old, day = self._slot_by_key[spec.moved_from], spec.moved_on
            if old.unit is slot.unit:
                # Moved class within the school: the enrolment goes on, the class changes.
                self._member(pid, old.group_id, self.start, day - timedelta(days=1))
                self._stint(pid, household, slot, seat, born, mentor, member_from=day)
            else:
                # Moved school: the old enrolment ends the day before the new one starts.
                self._stint(pid, household, old, seat, born, mentor, until=day - timedelta(days=1))
                self._stint(pid, household, slot, seat, born, mentor, since=day, history=False)
        elif spec and spec.arrived_on:
            self._stint(
                pid, household, slot, seat, born, mentor, since=spec.arrived_on, history=False
            )
        else:
            self._stint(pid, household, slot, seat, born, mentor)
        return pid

    def _stint(
        self,
        pid: uuid.UUID,
        household: _Household,
        slot: Slot,
        seat: int,
        born: date,
        mentor: int,
        *,
        since: date | None = None,
        until: date | None = None,
        member_from: date | None = None,
        history: bool = True,
    ) -> None:
        """Write a pupil's time at one unit: enrolment or placement, the stage before, groups.

        `since` and `until` bound the stint (a move between schools); `history` adds the
        enrolment or placement of the stage before (förskola, förskoleklass, F-6, 7-9),
        ended, so "as of" questions about earlier years have answers.
        """
        kind, year, unit, sy = slot.unit.kind, slot.school_year, slot.unit_id, self.year
        owners = household.guardians
        if kind == Kind.PRESCHOOL:
            # From the autumn a child turns three, 15 hours a week are offered free.
            offered = born.year <= sy - 3 and self.rng.random() < 0.15
            self._placement(
                pid,
                unit,
                slot.group_id,
                SchoolType.FS,
                since or _preschool_start(born),
                until,
                PlacementReason.ERBJUDEN_TID if offered else PlacementReason.OMSORGSBEHOV,
                15 if offered else 40,
                owners,
            )
            return
        assert year is not None
        if kind == Kind.UPPER_SECONDARY:
            code = slot.programme
            orientations = [c for parent, c, _name in ORIENTATIONS if parent == code] or [code]
            self._enrol(
                pid,
                unit,
                SchoolType.GY,
                year,
                since or term_start(sy - year + 1),
                until,
                programme=self.catalogue.programmes[code],
                education_code=orientations[seat % len(orientations)],
            )
            before = self._earlier_unit(household.municipality, Kind.LOWER_SECONDARY)
            if history and before:
                self._enrol(
                    pid,
                    before,
                    SchoolType.GR,
                    9,
                    term_start(sy - year - 2),
                    term_end(sy - year + 1),
                )
        elif kind == Kind.LOWER_SECONDARY:
            self._enrol(pid, unit, SchoolType.GR, year, since or term_start(sy - year + 7), until)
            before = self._earlier_unit(household.municipality, Kind.PRIMARY)
            if history and before:
                self._enrol(
                    pid,
                    before,
                    SchoolType.GR,
                    6,
                    term_start(sy - year + 1),
                    term_end(sy - year + 7),
                )
        elif year == 0:
            self._enrol(pid, unit, SchoolType.FKLASS, 0, since or self.start, until)
            before = self._earlier_unit(household.municipality, Kind.PRESCHOOL)
            if history and before:
                last_day = self.start - timedelta(days=3)
                self._placement(
                    pid,
                    before,
                    None,
                    SchoolType.FS,
                    _preschool_start(born),
                    last_day,
                    PlacementReason.OMSORGSBEHOV,
                    40,
                    owners,
                )
        else:
            self._enrol(pid, unit, SchoolType.GR, year, since or term_start(sy - year + 1), until)
            if history:
                self._enrol(
                    pid, unit, SchoolType.FKLASS, 0, term_start(sy - year), term_end(sy - year + 1)
                )
        if slot.fritids_group is not None and self.rng.random() < FRITIDS_SHARE:
            start = since or term_start(sy - year)
            self._placement(
                pid,
                unit,
                slot.fritids_group,
                SchoolType.FTH,
                start,
                until,
                PlacementReason.OMSORGSBEHOV,
                None,
                owners,
            )

        first = max(self.start, member_from or since or self.start)
        last = min(self.end, until) if until else self.end
        self._member(pid, slot.group_id, first, last)
        if slot.mentor_groups:
            self._member(pid, slot.mentor_groups[mentor % len(slot.mentor_groups)], first, last)
        if slot.language_groups:
            self._member(pid, slot.language_groups[seat % len(slot.language_groups)], first, last)
        for group in slot.course_groups:
            self._member(pid, group, first, last)

    def _earlier_unit(self, municipality: Municipality, kind: Kind) -> uuid.UUID | None:
        """Pick a municipal unit of the given kind in the pupil's home municipality."""
        key = (municipality.code, kind)
        if key not in self._earlier:
            self._earlier[key] = [
                u.id
                for u in self._units
                if u.plan.kind == kind
                and u.plan.municipality is municipality
                and u.huvudman.municipal
            ]
        units = self._earlier[key]
        return self.rng.choice(units) if units else None

    def _enrol(
        self,
        pid: uuid.UUID,
        unit: uuid.UUID,
        school_type: str,
        year: int,
        start: date,
        end: date | None,
        *,
        programme: uuid.UUID | None = None,
        education_code: str = "",
    ) -> None:
        self.sink.add(
            ENROLMENT,
            ENROLMENT.row(
                id=self._next(),
                person_id=pid,
                enroled_at_id=unit,
                school_type=school_type,
                school_year=year,
                programme_id=programme,
                education_code=education_code,
                start_date=start,
                end_date=end,
            ),
        )

    def _placement(
        self,
        pid: uuid.UUID,
        unit: uuid.UUID,
        group: uuid.UUID | None,
        school_type: str,
        start: date,
        end: date | None,
        reason: str,
        hours: int | None,
        owners: list[uuid.UUID],
    ) -> None:
        placement = self._next()
        self.sink.add(
            PLACEMENT,
            PLACEMENT.row(
                id=placement,
                child_id=pid,
                placed_at_id=unit,
                group_id=group,
                school_type=school_type,
                start_date=start,
                end_date=end,
                reason=reason,
                max_weekly_schedule_hours=hours,
            ),
        )
        for owner in owners:
            self.sink.add(PLACEMENT_OWNER, PLACEMENT_OWNER.row(placement, owner))

    def _member(self, pid: uuid.UUID, group: uuid.UUID, start: date, end: date) -> None:
        self.sink.add(
            MEMBERSHIP,
            MEMBERSHIP.row(
                id=self._next(), group_id=group, person_id=pid, start_date=start, end_date=end
            ),
        )


def _parent_years(child_years: Sequence[int]) -> tuple[int, int]:
    """Return the birth years a parent of these children may have: 20 to 45 at each birth."""
    low = max(ADULTS_BORN[0], max(child_years) - 45)
    high = min(ADULTS_BORN[1], min(child_years) - 20)
    return (low, high) if low <= high else ADULTS_BORN


def _preschool_start(born: date) -> date:
    """Return when a child starts preschool: the August or January after turning one."""
    if born.month <= 6:
        return term_start(born.year + 1)
    return date(born.year + 2, 1, 8)


# --- the scale plan --------------------------------------------------------------------

# A made-up municipality: SCB uses neither kommunkod 9999 nor postal codes 999 xx.
EXEMPELSTAD = Municipality("9999", "Exempelstad", "exempelstad", "999")


def municipality_plan(pupils: int, *, seed: int = 1, school_year: int = 2026) -> RegisterPlan:
    """Plan one municipality with exactly `pupils` pupils from preschool to upper secondary.

    Schools scale with the size: preschools of six departments, F-6 schools with up to
    three classes a year, 7-9 schools with up to four, upper-secondary schools with up to
    twelve classes a year over five programmes; about 25 pupils a class (30 in upper
    secondary). Staff come to about one per twelve pupils, guardians to about 1.5.
    """
    if pupils < 20:
        raise PlanError("Ange minst 20 elever.")
    rng = random.Random(seed)
    cohort = pupils / 17  # 4 preschool ages, förskoleklass to year 9, 3 upper-secondary years
    codes: set[str] = set()
    words = iter(_unit_words())

    def school_unit_code() -> str:
        while (code := str(rng.randrange(10_000_000, 100_000_000))) in codes:
            pass
        codes.add(code)
        return code

    def unit(key: str, name: str, kind: Kind, **sizes: Any) -> UnitPlan:
        return UnitPlan(key, name, kind, EXEMPELSTAD, school_unit_code(), **sizes)

    units: list[UnitPlan] = []
    words_fs = len(names.PRESCHOOL_WORDS)
    for i in range(max(1, round(4 * cohort / 108))):
        suffix = f" {i // words_fs + 1}" if i >= words_fs else ""
        name = f"Förskolan {names.PRESCHOOL_WORDS[i % words_fs]}{suffix}"
        units.append(unit(f"fs{i}", name, Kind.PRESCHOOL, class_size=18, departments=6))
    for i, classes in enumerate(_chunks(max(1, round(cohort / 25)), 3)):
        name = f"{next(words)}skolan"
        units.append(unit(f"f6-{i}", name, Kind.PRIMARY, classes_per_year=classes))
    for i, classes in enumerate(_chunks(max(1, round(cohort / 25)), 4)):
        name = f"{next(words)}skolan 7–9"
        units.append(unit(f"79-{i}", name, Kind.LOWER_SECONDARY, classes_per_year=classes))
    weights = {"NA": 3, "SA": 3, "TE": 2, "EE": 2, "BA": 2}
    for i, classes in enumerate(_chunks(max(1, round(cohort / 30)), 12)):
        programmes = tuple((p, n) for p, n in _apportion(classes, weights).items() if n)
        name = f"{next(words)}gymnasiet"
        units.append(
            unit(f"gy{i}", name, Kind.UPPER_SECONDARY, class_size=30, programmes=programmes)
        )
    huvudman = HuvudmanPlan(
        key="exempelstad",
        name="Exempelstads kommun",
        seat=EXEMPELSTAD,
        municipal=True,
        domain="exempelstad.example",
        units=tuple(units),
        forvaltning="Utbildningsförvaltningen",
    )
    return RegisterPlan(
        huvudman=(huvudman,),
        seed=seed,
        school_year=school_year,
        total_pupils=pupils,
        allow_temporary=True,
    )


def _unit_words() -> list[str]:
    """Return school name stems: Björk, Ek, ..., then Norra björk, ..., then Björk2, ..."""
    words = list(names.SCHOOL_WORDS)
    words += [f"{d} {w.lower()}" for d in names.DISTRICTS for w in names.SCHOOL_WORDS]
    words += [f"{w}{n}" for n in range(2, 10_000) for w in names.SCHOOL_WORDS]
    return words


def _chunks(total: int, size: int) -> list[int]:
    """Split `total` classes a year into units of at most `size`, as evenly as possible."""
    units = math.ceil(total / size)
    return [total // units + (1 if i < total % units else 0) for i in range(units)]


def _apportion(total: int, weights: dict[str, int]) -> dict[str, int]:
    """Share `total` out by `weights` with the largest-remainder method."""
    whole = sum(weights.values())
    exact = {k: total * w / whole for k, w in weights.items()}
    shares = {k: math.floor(v) for k, v in exact.items()}
    for k in sorted(exact, key=lambda k: shares[k] - exact[k])[: total - sum(shares.values())]:
        shares[k] += 1
    return shares
