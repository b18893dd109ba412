"""Produce and check the file of year 9 final grades for SCB ("Grundskolan: slutbetyg").

SCB collects, for Skolverket, the slutbetyg of every pupil who finished grundskolan's
year 9, one complete file per school unit. The layout is SCB's "Datafilsbeskrivning" for
system suppliers (Grundskolan, slutbetyg vt2026, dated 2025-12-10): a semicolon-separated
text file, one line per pupil, 33 fields, every subject its own field holding the grade
or a code for why there is none (2 not graded in a subject that is not compulsory, 3 not
read because of anpassad studiegång, 9 the dash). It is defined once, in `FIELDS` and
`SUBJECTS` below, and documented in docs/scb-slutbetyg.md. The file is never offered
before `scb_file_validate` has parsed it back against that layout.

The file identifies pupils by personnummer, name and class at the school unit: it says
where each pupil goes to school. A pupil with protected identity is therefore included
only when the person making the export is named for her; otherwise the whole export is
refused with a message that names no one (SCB needs every pupil, so leaving her out is no
answer).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from importlib.metadata import PackageNotFoundError, version
from typing import Any
from uuid import UUID

from django.db.models import Q

from skolsam.audit.services import audit_record
from skolsam.core.access import Actor, may_see_location
from skolsam.core.choices import GroupType, SchoolType
from skolsam.core.errors import DomainError
from skolsam.core.policy import Action
from skolsam.grades.access import is_rektor_of
from skolsam.grades.models import Grade, GradeOrigin, Semester
from skolsam.grades.rules import DASH
from skolsam.groups.models import GroupMembership
from skolsam.organisations.access import organisation_policy

ENCODING = "utf-8"
SEPARATOR = ";"
LINE_END = "\r\n"
SYSTEM = "Skolsam"

GRADES = frozenset({"A", "B", "C", "D", "E", "F"})
# Why a subject has no grade, as SCB's datafilsbeskrivning codes it, in the grade's field.
NOT_COMPULSORY = "2"  # ej betygssatt i ej obligatoriskt ämne
ADAPTED = "3"  # ämnet inte läst på grund av anpassad studiegång/timplan (SL 3:12)
NO_BASIS = "9"  # streck i betygskatalogen: underlag saknas på grund av frånvaro (SL 3:15)


@dataclass(frozen=True)
class Subject:
    """One subject's field: which values it takes, and its language field, if any."""

    field: str
    name: str
    values: frozenset[str]
    language: str = ""  # the field of its language code (M1, M2, ML)

    @property
    def compulsory(self) -> bool:
        """Whether every pupil has a grade or a reason here: 2 is not allowed."""
        return NOT_COMPULSORY not in self.values


_COMPULSORY = GRADES | {ADAPTED, NO_BASIS}
_OPTIONAL = _COMPULSORY | {NOT_COMPULSORY}

# In SCB's order. Teckenspråk för hörande takes no 3; svenska and svenska som andraspråk
# take 2 only beside a grade in the other (checked by the validator).
SUBJECTS: tuple[Subject, ...] = (
    Subject("Bl", "Bild", _COMPULSORY),
    Subject("En", "Engelska", _COMPULSORY),
    Subject("Hkk", "Hem- och konsumentkunskap", _COMPULSORY),
    Subject("Idh", "Idrott och hälsa", _COMPULSORY),
    Subject("Ma", "Matematik", _COMPULSORY),
    Subject("M1 (betyg)", "Moderna språk inom skolans val", _OPTIONAL, "M1 (språk)"),
    Subject("M2 (betyg)", "Moderna språk som språkval", _OPTIONAL, "M2 (språk)"),
    Subject("ML (betyg)", "Modersmål", _OPTIONAL, "ML (språk)"),
    Subject("Mu", "Musik", _COMPULSORY),
    Subject("Bi", "Biologi", _COMPULSORY),
    Subject("Fy", "Fysik", _COMPULSORY),
    Subject("Ke", "Kemi", _COMPULSORY),
    Subject("Ge", "Geografi", _COMPULSORY),
    Subject("Hi", "Historia", _COMPULSORY),
    Subject("Re", "Religionskunskap", _COMPULSORY),
    Subject("Sh", "Samhällskunskap", _COMPULSORY),
    Subject("Sl", "Slöjd", _COMPULSORY),
    Subject("Sv", "Svenska", _OPTIONAL),
    Subject("Sva", "Svenska som andraspråk", _OPTIONAL),
    Subject("Tn", "Teckenspråk för hörande", _OPTIONAL - {ADAPTED}),
    Subject("Tk", "Teknik", _COMPULSORY),
    Subject("OVR", "Annat ämne", _OPTIONAL),
)
SUBJECT_BY_FIELD = {s.field: s for s in SUBJECTS}

# Skolverket's subject code (grundskolan) -> the field of SCB's file.
SUBJECT_FIELDS: dict[str, str] = {
    "GRGRBIL01": "Bl",
    "GRGRENG01": "En",
    "GRGRHKK01": "Hkk",
    "GRGRIDR01": "Idh",
    "GRGRMAT01": "Ma",
    # Skolsam does not record whether moderna språk is read as språkval or within the
    # school's own choice; it is the språkval, as the meritvärde counts it (M1 gets 2).
    "GRGRMSP01": "M2 (betyg)",
    "GRGRMUS01": "Mu",
    "GRGRBIO01": "Bi",
    "GRGRFYS01": "Fy",
    "GRGRKEM01": "Ke",
    "GRGRGEO01": "Ge",
    "GRGRHIS01": "Hi",
    "GRGRREL01": "Re",
    "GRGRSAM01": "Sh",
    "GRGRSLJ01": "Sl",
    "GRGRSVE01": "Sv",
    "GRGRSVA01": "Sva",
    "GRGRTSP01": "Tn",
    "GRGRTEK01": "Tk",
}
MOTHER_TONGUE_PREFIX = "GRGRMO"  # GRGRMOD01 and the national minority languages
# The national minority languages' modersmål name their language in the subject code.
MINORITY_LANGUAGES = {
    "GRGRMOE01": "FIN",
    "GRGRMOM01": "ROM",
    "GRGRMOR01": "YID",
    "GRGRMOS01": "FIT",
}
OTHER_SUBJECT = "OVR"

_CELL = r"[^;\r\n]"
_NAME = r"[^\W\d_](?:[^\W\d_]|[ '-]){0,19}"


@dataclass(frozen=True)
class Field:
    name: str
    pattern: str  # the whole field must match
    help: str


def _fields() -> tuple[Field, ...]:
    head = (
        Field("System", _CELL + "{1,15}", "systemets namn, högst 15 tecken"),
        Field("Datum", r"\d{4}-\d{2}-\d{2}", "uttagsdatum åååå-mm-dd"),
        Field("Version", _CELL + "{1,15}", "systemets version, högst 15 tecken"),
        Field("PersonNr", r"\d{8}(?:\d{4}|TF\d{2})", "12 tecken: ååååmmddxxxx eller ååååmmddTFxx"),
        Field("Skolenhetskod", r"\d{8}", "skolenhetskoden, 8 siffror"),
        Field("Klass", _CELL + "{0,25}", "klassbeteckning, högst 25 tecken"),
        Field("Fornamn", _NAME, "förnamn med bokstäver, högst 20 tecken"),
        Field("Efternamn", _NAME, "efternamn med bokstäver, högst 20 tecken"),
    )
    subjects: list[Field] = []
    for subject in SUBJECTS:
        if subject.language:
            subjects.append(Field(subject.language, r"([A-Z]{3})?", "språkkod, 3 versaler"))
        values = "".join(sorted(subject.values))
        subjects.append(
            Field(subject.field, f"[{values}]", f"ett av {', '.join(sorted(subject.values))}")
        )
    return head + tuple(subjects)


FIELDS: tuple[Field, ...] = _fields()
FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in FIELDS)


class ScbRefused(DomainError):
    """The export cannot be made: the message says why."""


@dataclass(frozen=True)
class ScbFile:
    content: bytes
    file_name: str
    person_ids: list[UUID]
    rows: int


def _system_version() -> str:
    try:
        return version("skolsam")[:15]
    except PackageNotFoundError:
        return "okänd"


def _name(text: str) -> str:
    """Keep a name's letters, spaces, hyphens and apostrophes, cut at SCB's 20 characters."""
    kept = "".join(ch for ch in text if ch.isalpha() or ch in " '-").strip(" '-")
    return kept[:20].rstrip(" '-")


def _value(grade: Grade) -> str:
    if grade.grade_value in GRADES:
        return grade.grade_value
    if grade.grade_value == DASH:
        # A subject not read because of anpassad studiegång has no grade and says why.
        return ADAPTED if grade.adapted_study_plan.strip() else NO_BASIS
    return grade.grade_value  # not a grundskola value: the validator refuses the file


def _language(grade: Grade) -> str:
    code = (grade.syllabus.language_code or "").strip().upper()
    return code or MINORITY_LANGUAGES.get(grade.syllabus.subject_code or "", "")


def _field_of(grade: Grade) -> str:
    code = grade.syllabus.subject_code or ""
    if code in SUBJECT_FIELDS:
        return SUBJECT_FIELDS[code]
    if code.startswith(MOTHER_TONGUE_PREFIX):
        return "ML (betyg)"
    return OTHER_SUBJECT


def _latest_first(grade: Grade) -> tuple[int, bool, Any]:
    return (grade.year, grade.semester == Semester.VT, grade.decided_at)


@dataclass
class _Pupil:
    person: Any
    klass: str = ""
    grades: dict[str, Grade] | None = None
    missing: tuple[str, ...] = ()
    doubled: tuple[str, ...] = ()


def _pupil_line(pupil: _Pupil, *, unit_code: str, day: date, system_version: str) -> list[str]:
    person, grades = pupil.person, pupil.grades or {}
    cells = {
        "System": SYSTEM,
        "Datum": day.isoformat(),
        "Version": system_version,
        "PersonNr": person.civic_no or "",
        "Skolenhetskod": unit_code,
        "Klass": pupil.klass.replace(SEPARATOR, " ")[:25],
        "Fornamn": _name(person.given_name or ""),
        "Efternamn": _name(person.family_name or ""),
    }
    for subject in SUBJECTS:
        grade = grades.get(subject.field)
        value = _value(grade) if grade is not None else NOT_COMPULSORY
        if subject.field == "Tn" and value == ADAPTED:
            value = NOT_COMPULSORY  # not compulsory: not read is "not graded"
        cells[subject.field] = value
        if subject.language:
            read = value in GRADES or value in (NO_BASIS, ADAPTED)
            cells[subject.language] = _language(grade) if grade is not None and read else ""
    return [cells[name] for name in FIELD_NAMES]


def scb_file_validate(content: bytes, *, unit_code: str) -> int:
    """Parse a produced file back against SCB's layout; return its lines or refuse.

    Every error names the line and the field: a file that does not read back exactly as
    the layout says is never offered.
    """
    try:
        text = content.decode(ENCODING)
    except UnicodeDecodeError as exc:
        raise ScbRefused(f"Filen är inte {ENCODING}: byte {exc.start}.") from exc
    if text and not text.endswith(LINE_END):
        raise ScbRefused("Filens sista rad saknar radslut (CRLF).")
    lines = text.split(LINE_END)[:-1] if text else []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        cells = line.split(SEPARATOR)
        if len(cells) != len(FIELDS):
            raise ScbRefused(f"Rad {number}: {len(cells)} fält, layouten har {len(FIELDS)}.")
        values = dict(zip(FIELD_NAMES, cells, strict=True))
        for field, cell in zip(FIELDS, cells, strict=True):
            if not re.fullmatch(field.pattern, cell):
                raise ScbRefused(
                    f"Rad {number}, fält {field.name}: ”{cell[:25]}” är inte {field.help}."
                )
        try:
            date.fromisoformat(values["Datum"])
        except ValueError:
            raise ScbRefused(f"Rad {number}, fält Datum: inget giltigt datum.") from None
        if values["Skolenhetskod"] != unit_code:
            raise ScbRefused(f"Rad {number}, fält Skolenhetskod: en annan skolenhet än filens.")
        for subject in SUBJECTS:
            if not subject.language:
                continue
            value, language = values[subject.field], values[subject.language]
            if value == NOT_COMPULSORY and language:
                raise ScbRefused(
                    f"Rad {number}, fält {subject.language}: språkkod utan betyg i ämnet."
                )
            if (value in GRADES or value == NO_BASIS) and not language:
                raise ScbRefused(f"Rad {number}, fält {subject.language}: språkkod saknas.")
        if values["Sv"] == NOT_COMPULSORY and values["Sva"] == NOT_COMPULSORY:
            raise ScbRefused(
                f"Rad {number}, fält Sv: 2 anges bara när eleven har betyg i Sva, och tvärtom."
            )
        if values["PersonNr"] in seen:
            raise ScbRefused(f"Rad {number}, fält PersonNr: eleven har redan en rad.")
        seen.add(values["PersonNr"])
    return len(lines)


def scb_units(actor: Actor) -> list[Any]:
    """Return the school units the actor may export: the rektor's, the central admin's.

    Two queries however many units: the units the actor decides for come as a subquery.
    """
    deciding = organisation_policy.objects(actor, Action.DECIDE).values("pk")
    units = (
        organisation_policy.objects(actor, Action.VIEW)
        .exclude(school_unit_code=None)
        .filter(Q(pk__in=actor.central_org_ids) | Q(pk__in=deciding))
        .order_by("display_name")
    )
    return [unit for unit in units if SchoolType.GR in (unit.school_types or [])]


def may_export(actor: Actor, unit: Any) -> bool:
    """Tell whether the actor makes the unit's SCB file: its rektor or a central admin."""
    return unit.pk in actor.central_org_ids or is_rektor_of(actor, unit)


def _pupils(unit: Any, year: int) -> dict[UUID, _Pupil]:
    """Return the pupils who got year 9 final grades at the unit in the spring of `year`,
    each with their slutbetyg's grades by SCB field: the latest final grade of each
    grundskola subject, also of subjects ended before year 9 (two queries in all)."""
    finished = Grade.objects.current().filter(
        organisation_id=unit.pk,
        school_type=SchoolType.GR,
        final_grade=True,
        trial=False,
        origin=GradeOrigin.HERE,
        semester=Semester.VT,
        year=year,
    )
    grades = (
        Grade.objects.current()
        .filter(
            student_id__in=finished.values("student_id"),
            school_type=SchoolType.GR,
            final_grade=True,
            # Prövning after the slutbetyg ("upplästa betyg") is not reported.
            trial=False,
            year__lte=year,
        )
        .select_related("student", "syllabus")
    )
    pupils: dict[UUID, _Pupil] = {}
    by_pupil: dict[UUID, dict[str, dict[Any, Grade]]] = defaultdict(lambda: defaultdict(dict))
    for grade in sorted(grades, key=_latest_first):
        pupils.setdefault(grade.student_id, _Pupil(person=grade.student))
        by_pupil[grade.student_id][_field_of(grade)][grade.syllabus_id] = grade
    classes = (
        GroupMembership.objects.filter(
            person_id__in=list(pupils),
            group__group_type=GroupType.KLASS,
            group__organisation_id=unit.pk,
            start_date__lte=date(year, 6, 30),
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=date(year, 1, 1)))
        .order_by("start_date")
        .values_list("person_id", "group__display_name")
    )
    for person_id, name in classes:
        pupils[person_id].klass = name or ""  # the latest class of the spring wins
    for person_id, pupil in pupils.items():
        fields = by_pupil[person_id]
        pupil.grades = {f: list(s.values())[-1] for f, s in fields.items()}
        pupil.doubled = tuple(f for f, s in fields.items() if len(s) > 1)
        missing = [s.field for s in SUBJECTS if s.compulsory and s.field not in fields]
        if "Sv" not in fields and "Sva" not in fields:
            missing.append("Sv eller Sva")
        pupil.missing = tuple(missing)
    return pupils


def _listed(pupils: list[_Pupil], what: str) -> str:
    shown = [
        f"{p.person.full_name} ({', '.join(getattr(p, what))})"
        for p in sorted(pupils, key=lambda p: p.person.full_name)[:5]
    ]
    more = len(pupils) - len(shown)
    return "; ".join(shown) + (f" och {more} till" if more > 0 else "")


def scb_final_grades_file(*, actor: Actor, unit: Any, year: int) -> ScbFile:
    """Build, validate and return the unit's file of year 9 final grades for `year`.

    Refuses (ScbRefused) when the unit has no school unit code; a pupil with protected
    identity is at the unit and the actor is not named for her; a pupil lacks a final
    grade (or the reason for none) in a subject SCB requires, or has two grades for one
    field of the file (both named, as the rektor must set or correct them); or the file
    does not read back as the layout says (the line and field are named).
    """
    if not may_export(actor, unit):
        raise ScbRefused("Bara skolenhetens rektor eller huvudmannens centrala administratörer.")
    unit_code = unit.school_unit_code or ""
    if not re.fullmatch(r"\d{8}", unit_code):
        raise ScbRefused("Skolenheten saknar en skolenhetskod med 8 siffror.")
    # Every pupil, the protected ones too: the rule below decides about them.
    pupils = _pupils(unit, year)
    if any(not may_see_location(actor, p.person) for p in pupils.values()):
        raise ScbRefused(
            "En elev med skyddad identitet går på skolenheten: exporten måste göras av en "
            "person som är utsedd för eleven."
        )
    # From here the actor may see every pupil of the file: the messages may name them.
    lacking = [p for p in pupils.values() if p.missing]
    if lacking:
        raise ScbRefused(
            "SCB vill ha betyg eller orsak i varje obligatoriskt ämne. Slutbetyg saknas för: "
            + _listed(lacking, "missing")
            + ". Sätt betyget (ett streck om underlag saknas, anpassad studiegång där den "
            "gäller) innan filen görs."
        )
    doubled = [p for p in pupils.values() if p.doubled]
    if doubled:
        raise ScbRefused(
            "SCB:s fil har plats för ett betyg per fält, men eleven har flera: "
            + _listed(doubled, "doubled")
            + "."
        )
    ordered = sorted(pupils.values(), key=lambda p: p.person.civic_no or "")
    system_version = _system_version()
    lines = [
        _pupil_line(p, unit_code=unit_code, day=actor.on, system_version=system_version)
        for p in ordered
    ]
    content = "".join(SEPARATOR.join(line) + LINE_END for line in lines).encode(ENCODING)
    count = scb_file_validate(content, unit_code=unit_code)
    person_ids = [p.person.pk for p in ordered]
    audit_record(
        actor=actor,
        action="grades.scb_export",
        object_type="Organisation",
        object_id=unit.pk,
        person_ids=person_ids,
        detail={"year": year, "rows": count},
    )
    return ScbFile(
        content=content,
        file_name=f"slutbetyg_ak9_{unit_code}_{year}.txt",
        person_ids=person_ids,
        rows=count,
    )
