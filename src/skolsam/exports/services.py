"""Export class lists and pupil lists as files, and log every export in the audit log."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from skolsam.audit.services import audit_export
from skolsam.core.access import Actor
from skolsam.exports.selectors import ExportTable, class_list, school_unit_pupils
from skolsam.exports.writers import CSV_TYPE, XLSX_TYPE, write_csv, write_xlsx
from skolsam.groups.models import Group
from skolsam.organisations.models import Organisation

FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class ExportFile:
    file_name: str
    content_type: str
    content: bytes
    rows: int


def _file(table: ExportTable, stem: str, fmt: str) -> ExportFile:
    if fmt not in FORMATS:
        raise ValueError(f"Unknown export format {fmt!r}")
    content = write_csv(table) if fmt == "csv" else write_xlsx(table)
    safe_stem = re.sub(r"[^\w.-]+", "-", stem, flags=re.UNICODE).strip("-")[:120]
    return ExportFile(
        file_name=f"{safe_stem}.{fmt}",
        content_type=CSV_TYPE if fmt == "csv" else XLSX_TYPE,
        content=content,
        rows=len(table.rows),
    )


def class_list_export(
    *, actor: Actor, group: Group, fmt: str, on: date | None = None
) -> ExportFile:
    """Write a class list with guardians' contact details and log who was in it."""
    day = on or actor.on
    table = class_list(actor=actor, group=group, on=day)
    exported = _file(table, f"klasslista-{group.display_name}-{day.isoformat()}", fmt)
    audit_export(
        actor=actor,
        what="Klasslista",
        rows=exported.rows,
        person_ids=table.person_ids,
        format=fmt,
        on=day.isoformat(),
        group=str(group.pk),
        group_name=group.display_name,
        school_unit=str(group.organisation_id),
    )
    return exported


def school_unit_pupils_export(
    *,
    actor: Actor,
    school_unit: Organisation,
    fmt: str,
    on: date | None = None,
    school_year: int | None = None,
) -> ExportFile:
    """Write a school unit's pupils by school type and year and log who was in it."""
    day = on or actor.on
    table = school_unit_pupils(
        actor=actor, school_unit=school_unit, on=day, school_year=school_year
    )
    stem = f"elever-{school_unit.school_unit_code or school_unit.display_name}"
    if school_year is not None:
        stem += f"-ak{school_year}"
    exported = _file(table, f"{stem}-{day.isoformat()}", fmt)
    audit_export(
        actor=actor,
        what="Elevlista",
        rows=exported.rows,
        person_ids=table.person_ids,
        format=fmt,
        on=day.isoformat(),
        school_unit=str(school_unit.pk),
        school_year=school_year,
    )
    return exported
