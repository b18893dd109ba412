"""Import grades from an earlier school or school form from a CSV or Excel file.

The same approach as the register import (`imports.parser`, which sits above grades in
the layers and so is not imported here): read the file into rows of text, check every
row, and report every error with its row (as a spreadsheet numbers it: the header is row
1), its column and why. All or nothing: `history_import_check` changes nothing, and
`history_import_run` saves only a file without a single error, every grade through
`grade_record_earlier`, in one transaction.

An unknown personnummer gets the same answer as a pupil the importer may not touch (not
enrolled at the unit, or protected and the importer not named for her): the import never
confirms that a person exists.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import Q

from skolsam.audit.services import audit_record
from skolsam.core.access import Actor, may_see_location
from skolsam.core.errors import DomainError, text_problem
from skolsam.core.policy import Action
from skolsam.curriculum.models import Syllabus
from skolsam.grades.models import Grade, GradeOrigin, Semester
from skolsam.grades.rules import DASH, value_set_for
from skolsam.grades.services.decisions import grade_record_earlier
from skolsam.organisations.access import organisation_policy
from skolsam.organisations.models import Organisation
from skolsam.people import civicno
from skolsam.people.access import persons_visible_to

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
MAX_SCANNED_ROWS = 20_000
MAX_COLUMNS = 50
MAX_XLSX_UNPACKED = 50 * 1024 * 1024
MAX_CELL = 200
EARLIEST_YEAR = 1950


@dataclass(frozen=True)
class HistoryColumn:
    key: str
    header: str
    aliases: tuple[str, ...]
    help: str


COLUMNS: tuple[HistoryColumn, ...] = (
    HistoryColumn(
        "civic_no",
        "personnummer",
        ("pnr", "personnr", "civic_no"),
        "Elevens personnummer, 10 eller 12 siffror, med eller utan bindestreck.",
    ),
    HistoryColumn(
        "code",
        "kod",
        ("ämneskod", "kurskod", "ämne", "kurs", "code"),
        "Skolverkets ämneskod (t.ex. GRGRMAT01) eller kurskod (t.ex. MATMAT01a).",
    ),
    HistoryColumn(
        "grade_value",
        "betyg",
        ("grade", "grade_value"),
        "Betyget i skolformens betygsskala, t.ex. A–F eller streck (–) i grundskolan.",
    ),
    HistoryColumn("semester", "termin", ("semester",), "HT eller VT."),
    HistoryColumn("year", "år", ("ar", "year"), f"Året betyget sattes, från {EARLIEST_YEAR}."),
    HistoryColumn(
        "origin_school",
        "skola",
        ("tidigare skola", "origin_school", "school"),
        "Skolan (eller skolformen) som satte betyget.",
    ),
    HistoryColumn(
        "final_grade",
        "slutbetyg",
        ("final_grade", "final"),
        "Ja eller Nej: om betyget är ett slutbetyg.",
    ),
)
_HEADERS = {
    name.casefold(): column.key for column in COLUMNS for name in (column.header, *column.aliases)
}
_YES = {"ja", "j", "yes", "y", "1", "x", "sant", "true"}
_NO = {"nej", "n", "no", "0", "", "falskt", "false"}


@dataclass(frozen=True)
class RowError:
    row: int | None  # None: the file as a whole
    column: str
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        where = f"Rad {self.row}" + (f", kolumn {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass
class PlannedGrade:
    row: int
    student: Any
    syllabus: Syllabus
    grade_value: str
    semester: str
    year: int
    origin_school: str
    final_grade: bool


@dataclass
class HistoryPlan:
    errors: list[RowError] = field(default_factory=list)
    grades: list[PlannedGrade] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.grades)


# --- reading the file ---------------------------------------------------------------


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "Ja" if value else "Nej"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _csv_table(data: bytes) -> Iterator[list[Any]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in (";", ",", "\t")}
    delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ";"
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _xlsx_table(data: bytes, errors: list[RowError]) -> Iterator[list[Any]] | None:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > MAX_XLSX_UNPACKED:
            errors.append(RowError(None, "", "Arbetsboken är för stor uppackad."))
            return None
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # zipfile, openpyxl and its XML parser raise many kinds on a bad file
        errors.append(
            RowError(None, "", "Filen kunde inte läsas som Excel-arbetsbok (.xlsx): den är skadad.")
        )
        return None
    sheet = workbook.worksheets[0]
    sheet.reset_dimensions()

    def rows() -> Iterator[list[Any]]:
        try:
            for values in sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True):
                yield list(values)
        except Exception:  # a broken sheet fails while it is read
            errors.append(
                RowError(None, "", "Kalkylbladet är skadat och kunde inte läsas till slut.")
            )
        finally:
            workbook.close()

    return rows()


def history_file_read(
    data: bytes, file_name: str
) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
    """Read the file into (row number, {column key: text}) and the errors met on the way."""
    errors: list[RowError] = []
    if not data:
        return [], [RowError(None, "", "Filen är tom.")]
    if len(data) > MAX_BYTES:
        return [], [RowError(None, "", f"Filen är större än {MAX_BYTES // (1024 * 1024)} MB.")]
    name = file_name.lower()
    if name.endswith(".xlsx"):
        table = _xlsx_table(data, errors)
    elif name.endswith((".csv", ".txt")):
        table = _csv_table(data)
    else:
        return [], [RowError(None, "", "Välj en CSV-fil (.csv) eller en Excel-arbetsbok (.xlsx).")]
    if table is None:
        return [], errors
    rows: list[tuple[int, dict[str, str]]] = []
    keys: list[str | None] | None = None
    try:
        for number, raw in enumerate(table, start=1):
            if number > MAX_SCANNED_ROWS:
                break
            cells = [_cell_text(v) for v in raw[:MAX_COLUMNS]]
            if not any(cells):
                continue
            if keys is None:
                keys = [_HEADERS.get(c.strip().casefold()) for c in cells]
                missing = [c.header for c in COLUMNS if c.key not in keys]
                if missing:
                    errors.append(
                        RowError(
                            number, "", "Kolumner saknas i rubrikraden: " + ", ".join(missing) + "."
                        )
                    )
                    return [], errors
                continue
            if len(rows) >= MAX_ROWS:
                errors.append(RowError(number, "", f"Filen har fler än {MAX_ROWS} betygsrader."))
                return [], errors
            rows.append((number, {k: c for k, c in zip(keys, cells, strict=False) if k}))
    except csv.Error:
        errors.append(
            RowError(
                None, "", "Filen går inte att läsa som CSV (ett citattecken saknar sitt slut)."
            )
        )
        return [], errors
    if keys is None:
        errors.append(RowError(None, "", "Filen har ingen rubrikrad."))
    elif not rows and not errors:
        errors.append(RowError(None, "", "Filen har inga betygsrader."))
    return rows, errors


# --- checking the rows ----------------------------------------------------------------

_NOT_FOUND = "ingen elev med det personnumret som du kan registrera betyg för på skolenheten."


def _header(key: str) -> str:
    return next(c.header for c in COLUMNS if c.key == key)


def _syllabi(codes: set[str], organisation: Organisation) -> dict[str, list[Syllabus]]:
    found: dict[str, list[Syllabus]] = {}
    query = Syllabus.objects.filter(
        Q(subject_code__in=codes, course_code="") | Q(course_code__in=codes)
    )
    for syllabus in query:
        key = (syllabus.course_code or syllabus.subject_code).upper()
        found.setdefault(key, []).append(syllabus)
    return found


def history_import_check(
    *, actor: Actor, organisation: Organisation, data: bytes, file_name: str
) -> HistoryPlan:
    """Check the file, row by row; change nothing. Every error names row, column and why."""
    plan = HistoryPlan()
    if not organisation_policy.can(actor, Action.CHANGE, organisation):
        raise DomainError("Bara skolenhetens administratörer kan läsa in tidigare betyg.")
    rows, plan.errors = history_file_read(data, file_name)
    if plan.errors:
        return plan
    parsed: list[tuple[int, dict[str, str], str | None]] = []
    for number, cells in rows:
        bad = False
        for key, text in cells.items():
            problem = text_problem(text, max_length=MAX_CELL)
            if problem:
                plan.errors.append(RowError(number, _header(key), problem))
                bad = True
        civic: str | None = None
        try:
            civic = civicno.parse(cells.get("civic_no", ""), today=actor.on).value
        except civicno.CivicNoError as exc:
            if not bad:
                plan.errors.append(RowError(number, "personnummer", str(exc)))
        parsed.append((number, cells, civic))
    civics = {c for _, _, c in parsed if c}
    pupils = {
        p.civic_no: p
        for p in persons_visible_to(actor)
        .filter(civic_no__in=civics, enrolments__enroled_at=organisation)
        .distinct()
    }
    codes = {cells.get("code", "").strip().upper() for _, cells, _ in parsed} - {""}
    syllabi = _syllabi(codes, organisation)
    school_types = set(organisation.school_types or [])
    seen: dict[tuple[Any, Any, str, int], int] = {}
    # A grade already recorded for the same pupil, subject and term: a second import of
    # the same file must not record it twice.
    recorded = set(
        Grade.objects.current()
        .filter(student__in=list(pupils.values()))
        .values_list("student_id", "syllabus_id", "semester", "year")
    )
    for number, cells, civic in parsed:
        if any(e.row == number for e in plan.errors):
            continue
        errors: list[RowError] = []
        pupil = pupils.get(civic or "")
        if pupil is None or not may_see_location(actor, pupil):
            errors.append(RowError(number, "personnummer", _NOT_FOUND[0].upper() + _NOT_FOUND[1:]))
        code = cells.get("code", "").strip().upper()
        candidates = syllabi.get(code, [])
        if len(candidates) > 1:
            candidates = [s for s in candidates if s.school_type in school_types] or candidates
        syllabus = candidates[0] if len(candidates) == 1 else None
        if not code:
            errors.append(RowError(number, "kod", "Ange ämnes- eller kurskoden."))
        elif syllabus is None:
            errors.append(
                RowError(number, "kod", f"”{code}” är ingen ämnes- eller kurskod i Skolsam.")
                if not candidates
                else RowError(number, "kod", f"”{code}” finns i flera skolformer; ange kurskoden.")
            )
        value = cells.get("grade_value", "").strip().replace("-", DASH)
        if syllabus is not None:
            values = value_set_for(syllabus.school_type)
            if values is None:
                errors.append(RowError(number, "kod", "Skolformen ger inga betyg."))
            elif value not in values.values:
                allowed = ", ".join(values.values)
                errors.append(
                    RowError(
                        number,
                        "betyg",
                        f"”{value[:10]}” finns inte i skolformens betygsskala ({allowed}).",
                    )
                )
        semester = cells.get("semester", "").strip().upper()
        if semester not in Semester.values:
            errors.append(RowError(number, "termin", "Ange HT eller VT."))
        year_text = cells.get("year", "").strip()
        year = int(year_text) if re.fullmatch(r"\d{4}", year_text) else 0
        if not EARLIEST_YEAR <= year <= actor.on.year:
            errors.append(
                RowError(number, "år", f"Ange ett år mellan {EARLIEST_YEAR} och {actor.on.year}.")
            )
        school = cells.get("origin_school", "").strip()
        if not school:
            errors.append(RowError(number, "skola", "Ange skolan som satte betyget."))
        final_text = cells.get("final_grade", "").strip().casefold()
        if final_text not in _YES | _NO:
            errors.append(RowError(number, "slutbetyg", "Ange Ja eller Nej."))
        if errors or pupil is None or syllabus is None:
            plan.errors.extend(errors)
            continue
        seen_key = (pupil.pk, syllabus.pk, semester, year)
        if seen_key in recorded:
            plan.errors.append(
                RowError(number, "kod", "Eleven har redan ett betyg i ämnet den terminen.")
            )
            continue
        if seen_key in seen:
            plan.errors.append(
                RowError(number, "kod", f"Samma elev, ämne och termin som rad {seen[seen_key]}.")
            )
            continue
        seen[seen_key] = number
        plan.grades.append(
            PlannedGrade(
                row=number,
                student=pupil,
                syllabus=syllabus,
                grade_value=value,
                semester=semester,
                year=year,
                origin_school=school,
                final_grade=final_text in _YES,
            )
        )
    return plan


def history_import_run(
    *, actor: Actor, organisation: Organisation, data: bytes, file_name: str, origin: str
) -> HistoryPlan:
    """Check the file again and save every grade, or none (DomainError listing the rows)."""
    if origin not in (GradeOrigin.EARLIER_SCHOOL, GradeOrigin.EARLIER_SCHOOL_FORM):
        raise DomainError("Välj om betygen kommer från en tidigare skola eller skolform.")
    plan = history_import_check(
        actor=actor, organisation=organisation, data=data, file_name=file_name
    )
    if not plan.ok:
        raise DomainError([str(e) for e in plan.errors] or ["Filen har inga betygsrader."])
    with transaction.atomic():
        saved = []
        for line in plan.grades:
            try:
                saved.append(
                    grade_record_earlier(
                        actor=actor,
                        student=line.student,
                        syllabus=line.syllabus,
                        organisation=organisation,
                        grade_value=line.grade_value,
                        semester=line.semester,
                        year=line.year,
                        origin=origin,
                        origin_school=line.origin_school,
                        final_grade=line.final_grade,
                    )
                )
            except DomainError as exc:
                messages = [
                    m
                    for msgs in getattr(exc, "message_dict", {"": exc.messages}).values()
                    for m in msgs
                ]
                raise DomainError([f"Rad {line.row}: {m}" for m in messages]) from exc
        audit_record(
            actor=actor,
            action="grades.history_import",
            object_type="Organisation",
            object_id=organisation.pk,
            person_ids=sorted({g.student_id for g in saved}, key=str),
            detail={"file_name": file_name[:100], "grades": len(saved), "origin": origin},
        )
    return plan
