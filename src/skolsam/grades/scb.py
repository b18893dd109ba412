"""Produce and check the file of year 9 final grades for SCB ("Grundskolan: slutbetyg").

SCB collects, for Skolverket, every final grade of grundskolan's year 9, one file per
school unit and year. Its record layout for system suppliers is not public in full; the
layout here follows SCB's public instructions as closely as they go and is defined once,
in `FIELDS` and the code lists below, and documented in docs/scb-slutbetyg.md. The file
is never offered before `scb_file_validate` has parsed it back against that layout.

The file identifies pupils by personnummer and school unit: it says where each pupil
goes to school. A pupil with protected identity is therefore included only when the
person making the export is named for her; otherwise the whole export is refused with a
message that names no one (SCB needs every pupil, so leaving her out is no answer).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import Q

from skolsam.audit.services import audit_record
from skolsam.core.access import Actor, may_see_location
from skolsam.core.choices import SchoolType
from skolsam.core.errors import DomainError
from skolsam.core.policy import Action
from skolsam.grades.access import is_rektor_of
from skolsam.grades.models import Grade, GradeOrigin, Semester
from skolsam.grades.rules import DASH
from skolsam.organisations.access import organisation_policy

ENCODING = "utf-8"
SEPARATOR = ";"
LINE_END = "\r\n"

# Skolverket's subject code (grundskolan) -> SCB's short subject code.
SUBJECT_CODES: dict[str, str] = {
    "GRGRBIL01": "BL",
    "GRGRBIO01": "BI",
    "GRGRENG01": "EN",
    "GRGRFYS01": "FY",
    "GRGRGEO01": "GE",
    "GRGRHIS01": "HI",
    "GRGRHKK01": "HKK",
    "GRGRIDR01": "IDH",
    "GRGRKEM01": "KE",
    "GRGRMAT01": "MA",
    "GRGRMOD01": "ML",
    "GRGRMSP01": "M1",
    "GRGRMUS01": "MU",
    "GRGRREL01": "RE",
    "GRGRSAM01": "SH",
    "GRGRSLJ01": "SL",
    "GRGRSVA01": "SVA",
    "GRGRSVE01": "SV",
    "GRGRTEK01": "TK",
    "GRGRTSP01": "TN",
}
# Subjects whose row must name the language (modersmål, moderna språk).
LANGUAGE_SUBJECTS = frozenset({"ML", "M1"})
GRADES = frozenset({"A", "B", "C", "D", "E", "F"})
# Why a subject has no grade, as SCB's instructions number them.
REASON_NO_BASIS = "9"  # betygsunderlag saknas (the dash, SL 3:15)
REASON_ADAPTED = "3"  # anpassad studiegång (SL 3:12)
REASONS = frozenset({REASON_NO_BASIS, REASON_ADAPTED})


@dataclass(frozen=True)
class Field:
    name: str
    pattern: str  # the whole field must match
    help: str


FIELDS: tuple[Field, ...] = (
    Field("skolenhetskod", r"\d{8}", "skolenhetskoden, 8 siffror"),
    Field("ar", r"\d{4}", "året slutbetyget sattes, 4 siffror"),
    Field("personnummer", r"\d{12}", "elevens personnummer, 12 siffror utan bindestreck"),
    Field("amne", r"[A-Z][A-Z0-9]{1,2}", "SCB:s ämneskod"),
    Field("sprakkod", r"([a-z]{3})?", "språkkod (ISO 639-2), bara för ML och M1"),
    Field("betyg", r"[A-F]?", "A–F, tomt när en orsakskod anges"),
    Field("orsak", r"[39]?", "orsakskod när betyg saknas: 9 eller 3"),
)


class ScbRefused(DomainError):
    """The export cannot be made: the message says why, naming no pupil."""


@dataclass(frozen=True)
class ScbFile:
    content: bytes
    file_name: str
    person_ids: list[UUID]
    rows: int


def _row(unit_code: str, grade: Grade) -> list[str] | None:
    subject = SUBJECT_CODES.get(grade.syllabus.subject_code or "")
    if subject is None:
        return None  # a school's own subject (skolans val) is not collected
    civic = re.sub(r"\D", "", grade.student.civic_no or "")
    language = (grade.syllabus.language_code or "").lower() if subject in LANGUAGE_SUBJECTS else ""
    value, reason = grade.grade_value, ""
    if grade.adapted_study_plan.strip():
        value, reason = "", REASON_ADAPTED
    elif value == DASH:
        value, reason = "", REASON_NO_BASIS
    return [unit_code, str(grade.year), civic, subject, language, value, reason]


def scb_file_validate(content: bytes, *, unit_code: str, year: int) -> int:
    """Parse a produced file back against the layout; return its rows or refuse.

    Every error names the row and field: a file that does not read back exactly as the
    layout says is never offered.
    """
    try:
        text = content.decode(ENCODING)
    except UnicodeDecodeError as exc:
        raise ScbRefused(f"Filen är inte {ENCODING}: byte {exc.start}.") from exc
    if text and not text.endswith(LINE_END):
        raise ScbRefused("Filens sista rad saknar radslut (CRLF).")
    lines = text.split(LINE_END)[:-1] if text else []
    seen: set[tuple[str, str, str]] = set()
    for number, line in enumerate(lines, start=1):
        cells = line.split(SEPARATOR)
        if len(cells) != len(FIELDS):
            raise ScbRefused(f"Rad {number}: {len(cells)} fält, layouten har {len(FIELDS)}.")
        values = dict(zip((field.name for field in FIELDS), cells, strict=True))
        for field, cell in zip(FIELDS, cells, strict=True):
            if not re.fullmatch(field.pattern, cell):
                raise ScbRefused(
                    f"Rad {number}, fält {field.name}: ”{cell[:20]}” är inte {field.help}."
                )
        if values["skolenhetskod"] != unit_code or values["ar"] != str(year):
            raise ScbRefused(f"Rad {number}: skolenhet eller år stämmer inte med filen.")
        if values["amne"] not in SUBJECT_CODES.values():
            raise ScbRefused(f"Rad {number}, fält amne: okänd ämneskod.")
        if (values["amne"] in LANGUAGE_SUBJECTS) != bool(values["sprakkod"]):
            raise ScbRefused(f"Rad {number}, fält sprakkod: anges för ML och M1 och bara där.")
        if bool(values["betyg"]) == bool(values["orsak"]):
            raise ScbRefused(f"Rad {number}, fält betyg: ange antingen betyg eller orsakskod.")
        key = (values["personnummer"], values["amne"], values["sprakkod"])
        if key in seen:
            raise ScbRefused(f"Rad {number}: eleven har redan en rad i ämnet.")
        seen.add(key)
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


def scb_final_grades_file(*, actor: Actor, unit: Any, year: int) -> ScbFile:
    """Build, validate and return the unit's file of year 9 final grades for `year`.

    Refuses (ScbRefused) when the unit has no school unit code, a grade cannot be written
    in the layout (it names the row and field, not the pupil), or a pupil with protected
    identity is at the unit and the actor is not named for her.
    """
    if not may_export(actor, unit):
        raise ScbRefused("Bara skolenhetens rektor eller huvudmannens centrala administratörer.")
    unit_code = unit.school_unit_code or ""
    if not re.fullmatch(r"\d{8}", unit_code):
        raise ScbRefused("Skolenheten saknar en skolenhetskod med 8 siffror.")
    # Every pupil's grades, the protected ones too: the rule below decides about them.
    grades = list(
        Grade.objects.current()
        .filter(
            organisation_id=unit.pk,
            school_type=SchoolType.GR,
            final_grade=True,
            trial=False,
            origin=GradeOrigin.HERE,
            semester=Semester.VT,
            year=year,
        )
        .select_related("student", "syllabus")
        .order_by("student__civic_no", "syllabus__subject_code")
    )
    if any(not may_see_location(actor, grade.student) for grade in grades):
        raise ScbRefused(
            "En elev med skyddad identitet går på skolenheten: exporten måste göras av en "
            "person som är utsedd för eleven."
        )
    rows = [row for grade in grades if (row := _row(unit_code, grade)) is not None]
    content = "".join(SEPARATOR.join(row) + LINE_END for row in rows).encode(ENCODING)
    count = scb_file_validate(content, unit_code=unit_code, year=year)
    person_ids = sorted({grade.student_id for grade in grades}, key=str)
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
