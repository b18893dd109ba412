"""Load Skolverket's subject and course codes and the national upper-secondary programmes.

Both loads are idempotent: a row is found by its natural key (school type, subject code,
course code for a syllabus; school type and code for a programme), updated when the
source says something else, created when missing and never duplicated. New rows get
ids derived from that key (uuid5), so every database has the same ids for them.
Rows the source no longer has are left alone, because enrolments and activities may
still point at them.
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from skolsam.audit.services import audit_record
from skolsam.core.access import Actor
from skolsam.core.changes import change_record
from skolsam.core.choices import ProgrammeType, SchoolType
from skolsam.curriculum.models import Programme, Syllabus

DATA_DIR = Path(__file__).resolve().parent / "data"
SUBJECTS_CSV = DATA_DIR / "subjects_index_2018-07-02.csv"
COURSES_CSV = DATA_DIR / "courses_index_2018-07-02.csv"
SOURCE = "Skolverket, ämnes- och kursplaner 2018-07-02 (ist-group/curriculum-parser)"

NAMESPACE = uuid.UUID("6f1d2a4e-8c0b-5e39-9a57-2b1c4d6e8f10")

# The parser's folder per school type -> (SS 12000 school type, SS 12000 Code_Curriculum).
SOURCE_FOLDERS: dict[str, tuple[str, str]] = {
    "GR": (SchoolType.GR, "GR2011"),
    "GRS": (SchoolType.GRS, "GRSÄR2011"),
    "GRSAM": (SchoolType.SAM, "SAM2011"),
    "GRSPEC": (SchoolType.SP, "SPEC2011"),
    "GY": (SchoolType.GY, "GY2011"),
    "GYS": (SchoolType.GYS, "GYSÄR2013"),
    "VUXGR": (SchoolType.VUXGR, "Lvux12"),
}

_HF = ProgrammeType.HOGSKOLEFORBEREDANDE
_YP = ProgrammeType.YRKESPROGRAM

# The 18 national programmes of Gy11, with Skolverket's programme codes.
NATIONAL_PROGRAMMES: tuple[tuple[str, str, str], ...] = (
    ("BA", "Bygg- och anläggningsprogrammet", _YP),
    ("BF", "Barn- och fritidsprogrammet", _YP),
    ("EE", "El- och energiprogrammet", _YP),
    ("EK", "Ekonomiprogrammet", _HF),
    ("ES", "Estetiska programmet", _HF),
    ("FT", "Fordons- och transportprogrammet", _YP),
    ("HA", "Handels- och administrationsprogrammet", _YP),
    ("HT", "Hotell- och turismprogrammet", _YP),
    ("HU", "Humanistiska programmet", _HF),
    ("HV", "Hantverksprogrammet", _YP),
    ("IN", "Industritekniska programmet", _YP),
    ("NA", "Naturvetenskapsprogrammet", _HF),
    ("NB", "Naturbruksprogrammet", _YP),
    ("RL", "Restaurang- och livsmedelsprogrammet", _YP),
    ("SA", "Samhällsvetenskapsprogrammet", _HF),
    ("TE", "Teknikprogrammet", _HF),
    ("VF", "VVS- och fastighetsprogrammet", _YP),
    ("VO", "Vård- och omsorgsprogrammet", _YP),
)

# Inriktningar (studievägskoder) of the programmes the demo's upper-secondary school runs.
ORIENTATIONS: tuple[tuple[str, str, str], ...] = (
    ("NA", "NANAT", "Naturvetenskap"),
    ("NA", "NANAS", "Naturvetenskap och samhälle"),
    ("SA", "SABET", "Beteendevetenskap"),
    ("SA", "SAMED", "Medier, information och kommunikation"),
    ("SA", "SASAM", "Samhällsvetenskap"),
    ("TE", "TEDES", "Design och produktutveckling"),
    ("TE", "TEINF", "Informations- och medieteknik"),
    ("TE", "TEPRD", "Produktionsteknik"),
    ("TE", "TESAM", "Samhällsbyggande och miljö"),
    ("TE", "TETEK", "Teknikvetenskap"),
    ("EE", "EEAUT", "Automation"),
    ("EE", "EEDAT", "Dator- och kommunikationsteknik"),
    ("EE", "EEELT", "Elteknik"),
    ("EE", "EEENE", "Energiteknik"),
    ("BA", "BAANL", "Anläggningsfordon"),
    ("BA", "BAHUS", "Husbyggnad"),
    ("BA", "BAMAL", "Måleri"),
    ("BA", "BAMAR", "Mark och anläggning"),
    ("BA", "BAPLT", "Plåtslageri"),
)

_SYLLABUS_FIELDS = (
    "subject_name",
    "subject_designation",
    "course_name",
    "points",
    "curriculum",
    "official",
)
_PROGRAMME_FIELDS = ("name", "type", "parent_programme_id")


@dataclass(frozen=True)
class LoadResult:
    created: int
    updated: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def syllabus_id(school_type: str, subject_code: str, course_code: str = "") -> uuid.UUID:
    """Return the id a syllabus gets when this loader creates it."""
    return uuid.uuid5(NAMESPACE, f"syllabus/{school_type}/{subject_code}/{course_code}")


def programme_id(code: str, school_type: str = SchoolType.GY) -> uuid.UUID:
    """Return the id a programme gets when this loader creates it."""
    return uuid.uuid5(NAMESPACE, f"programme/{school_type}/{code}")


def _read(path: Path) -> Iterator[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        yield from csv.DictReader(fh)


def official_syllabuses() -> list[dict[str, Any]]:
    """Return every subject and course in the shipped CSVs as Syllabus field values.

    A subject gives one row with an empty course code; each gymnasium, gymnasiesärskola
    and komvux course gives one more, with its points.
    """
    rows: list[dict[str, Any]] = []
    designations: dict[tuple[str, str], str] = {}
    for subject in _read(SUBJECTS_CSV):
        school_type, curriculum = SOURCE_FOLDERS[subject["source_folder"]]
        designations[(subject["source_folder"], subject["subject_code"])] = subject[
            "subject_designation"
        ]
        rows.append(
            {
                "school_type": school_type,
                "subject_code": subject["subject_code"],
                "subject_designation": subject["subject_designation"],
                "subject_name": subject["subject_name"],
                "course_code": "",
                "course_name": "",
                "points": None,
                "curriculum": curriculum,
                "official": True,
            }
        )
    for course in _read(COURSES_CSV):
        school_type, curriculum = SOURCE_FOLDERS[course["source_folder"]]
        rows.append(
            {
                "school_type": school_type,
                "subject_code": course["subject_code"],
                "subject_designation": designations.get(
                    (course["source_folder"], course["subject_code"]), ""
                ),
                "subject_name": course["subject_name"],
                "course_code": course["course_code"],
                "course_name": course["course_name"],
                "points": int(course["points"]) if course["points"] else None,
                "curriculum": curriculum,
                "official": True,
            }
        )
    return rows


@transaction.atomic
def syllabus_load_official(*, actor: Actor, audit: bool = True) -> LoadResult:
    """Create or update Skolverket's subjects and courses from the shipped CSV files.

    Writes one audit entry when anything changed, unless `audit` is off because the
    caller records the load in its own entry.
    """
    existing = {
        (s.school_type, s.subject_code, s.course_code): s
        for s in Syllabus.objects.select_for_update()
    }
    now = timezone.now()
    created: list[Syllabus] = []
    updated: list[Syllabus] = []
    unchanged = 0
    for values in official_syllabuses():
        key = (values["school_type"], values["subject_code"], values["course_code"])
        current = existing.get(key)
        if current is None:
            created.append(Syllabus(id=syllabus_id(*key), created=now, modified=now, **values))
        elif _assign(current, values, _SYLLABUS_FIELDS):
            current.modified = now
            updated.append(current)
        else:
            unchanged += 1
    Syllabus.objects.bulk_create(created, batch_size=500)
    Syllabus.objects.bulk_update(updated, [*_SYLLABUS_FIELDS, "modified"], batch_size=500)
    if created or updated:
        # Reference data: it belongs to no organisation and concerns every client.
        change_record(
            entity_type="Syllabus",
            ids=[s.pk for s in [*created, *updated]],
            organisation_ids=[],
            public=True,
        )
    result = LoadResult(len(created), len(updated), unchanged)
    if audit and (created or updated):
        audit_record(
            actor=actor,
            action="syllabus.load",
            object_type="Syllabus",
            detail={"source": SOURCE, "created": result.created, "updated": result.updated},
        )
    return result


@transaction.atomic
def programme_load_national(*, actor: Actor, audit: bool = True) -> LoadResult:
    """Create or update the national upper-secondary programmes and the known inriktningar.

    Audited like `syllabus_load_official`.
    """
    existing = {
        p.code: p for p in Programme.objects.select_for_update().filter(school_type=SchoolType.GY)
    }
    now = timezone.now()
    wanted: list[tuple[str, dict[str, Any]]] = [
        (code, {"name": name, "type": kind, "parent_programme_id": None})
        for code, name, kind in NATIONAL_PROGRAMMES
    ]
    for parent, code, name in ORIENTATIONS:
        parent_obj = existing.get(parent)
        parent_pk = parent_obj.pk if parent_obj is not None else programme_id(parent)
        wanted.append(
            (
                code,
                {
                    "name": name,
                    "type": ProgrammeType.PROGRAMINRIKTNING,
                    "parent_programme_id": parent_pk,
                },
            )
        )
    created: list[Programme] = []
    updated: list[Programme] = []
    for code, values in wanted:
        current = existing.get(code)
        if current is None:
            created.append(
                Programme(
                    id=programme_id(code),
                    code=code,
                    school_type=SchoolType.GY,
                    created=now,
                    modified=now,
                    **values,
                )
            )
        elif _assign(current, values, _PROGRAMME_FIELDS):
            current.modified = now
            updated.append(current)
    # Parents first: the inriktningar point at them.
    Programme.objects.bulk_create(created)
    Programme.objects.bulk_update(updated, [*_PROGRAMME_FIELDS, "modified"])
    if created or updated:
        change_record(
            entity_type="Programme",
            ids=[p.pk for p in [*created, *updated]],
            organisation_ids=[],
            public=True,
        )
    result = LoadResult(len(created), len(updated), len(wanted) - len(created) - len(updated))
    if audit and (created or updated):
        audit_record(
            actor=actor,
            action="programme.load",
            object_type="Programme",
            detail={"created": result.created, "updated": result.updated},
        )
    return result


def _assign(obj: Any, values: dict[str, Any], fields: tuple[str, ...]) -> bool:
    """Copy `fields` from `values` onto `obj`; tell whether anything changed."""
    changed = False
    for name in fields:
        if getattr(obj, name) != values[name]:
            setattr(obj, name, values[name])
            changed = True
    return changed
