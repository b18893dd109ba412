"""Export class lists and pupil lists as files, and log every export in the audit log."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from django.utils import timezone
from django.utils.translation import gettext as _

from skolsam.audit.access import audit_policy
from skolsam.audit.selectors import audit_entry_list
from skolsam.audit.services import audit_export
from skolsam.audit_search.selectors import audit_rows
from skolsam.core.access import Actor
from skolsam.core.errors import DomainError
from skolsam.core.policy import Action
from skolsam.exports.selectors import ExportTable, Sheet, class_list, school_unit_pupils
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


# A search result beyond this is refused with a request to narrow it: the file is built in
# memory, and an auditor wants an answer, not the whole log.
AUDIT_EXPORT_LIMIT = 100_000
_AUDIT_CHUNK = 1000
_AUDIT_HEADERS = [
    "Tid",
    "Utförd av",
    "Användarnamn",
    "Händelse",
    "Händelsekod",
    "Objekttyp",
    "Objekt",
    "Objekt-id",
    "Person",
    "Personnummer",
    "Person-id",
    "Skyddad identitet",
    "Ändringar",
    "Detaljer",
    "Klientadress",
    "Förfrågan",
]


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""


def audit_log_export(*, actor: Actor, filters: dict[str, Any]) -> ExportFile:
    """Write every entry matching the auditors' search as CSV, by name, and log the export.

    `filters` are `AuditSearchForm.filters()`. Names come from `audit_rows`, a thousand
    entries at a time, so the queries grow with the file's thousands, not its rows.
    """
    if not audit_policy.any(actor, Action.EXPORT):
        raise DomainError(_("Du har inte behörighet att söka i granskningsloggen."))
    entries = list(audit_entry_list(**filters)[: AUDIT_EXPORT_LIMIT + 1])
    if len(entries) > AUDIT_EXPORT_LIMIT:
        raise DomainError(
            f"Sökningen ger fler än {AUDIT_EXPORT_LIMIT:,} poster. ".replace(",", " ")
            + "Begränsa den med person, utförare, händelse eller datum och exportera igen."
        )
    rows: list[list[Any]] = []
    person_ids: set[UUID] = set()
    for start in range(0, len(entries), _AUDIT_CHUNK):
        for row in audit_rows(actor=actor, entries=entries[start : start + _AUDIT_CHUNK]):
            entry, person = row.entry, row.person
            if entry.person_id:
                person_ids.add(entry.person_id)
            rows.append(
                [
                    f"{timezone.localtime(entry.at):%Y-%m-%d %H:%M:%S}",
                    row.actor_name,
                    row.actor_username,
                    row.action_label,
                    entry.action,
                    row.object_type_label,
                    "dold (skyddad identitet)" if row.object_hidden else row.object_name,
                    entry.object_id,
                    person.name if person else "",
                    person.civic_no if person else "",
                    str(entry.person_id or ""),
                    "ja" if person and person.protected else "",
                    _json(entry.changes),
                    _json(entry.detail),
                    entry.client_address or "",
                    entry.request_id,
                ]
            )
    table = ExportTable(
        title="Granskningslogg",
        headers=_AUDIT_HEADERS,
        sheets=[Sheet(title="Granskningslogg", rows=rows)],
        person_ids=sorted(person_ids),
    )
    exported = _file(table, f"granskningslogg-{actor.on.isoformat()}", "csv")
    audit_export(
        actor=actor,
        what="Granskningslogg",
        rows=exported.rows,
        person_ids=table.person_ids,
        format="csv",
        filters={k: v for k, v in filters.items() if v not in (None, "")},
    )
    return exported
