"""Read class lists and school units' pupil lists for export, as far as the actor may see.

Every row comes through the access layer: `memberships_visible_to` and
`enrolments_visible_to` leave out protected pupils unless the actor is named for them, and
guardians are only those in `persons_visible_to`. A guardian with protected identity whose
location the actor may not see (`may_see_location`) keeps their name, but their address,
telephone and e-mail are masked.

The columns are the import format's (docs/import-format.md), so a list can be corrected
and imported again. Each function costs a fixed number of queries, whatever the size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from itertools import groupby
from typing import Any
from uuid import UUID

from skolsam.core.access import Actor, may_see_location
from skolsam.core.choices import GroupType
from skolsam.core.models import valid_on
from skolsam.enrolment.access import enrolments_visible_to
from skolsam.enrolment.models import Enrolment
from skolsam.groups.access import memberships_visible_to
from skolsam.groups.models import Group
from skolsam.imports.parser import GUARDIAN_COLUMNS, PUPIL_COLUMNS, guardian_header
from skolsam.organisations.models import Organisation
from skolsam.people.access import responsibles_visible_to
from skolsam.people.models import Person, Responsible

MASKED = "Skyddad"
_PUPIL_KEYS = (
    "civic_no",
    "given_name",
    "family_name",
    "school_type",
    "school_year",
    "class_name",
    "start_date",
)
_GUARDIAN_KEYS = (
    "civic_no",
    "given_name",
    "family_name",
    "relation",
    "phone",
    "email",
    "street",
    "postal_code",
    "locality",
)
_PUPIL_HEADERS = {c.key: c.header for c in PUPIL_COLUMNS}
_GUARDIAN_BY_KEY = {c.key: c for c in GUARDIAN_COLUMNS}

Cell = str | int | date | None


@dataclass(frozen=True)
class Sheet:
    title: str
    rows: list[list[Cell]]


@dataclass
class ExportTable:
    """A list ready to write: headers, rows in one or more sheets, and who is in it."""

    title: str
    headers: list[str]
    sheets: list[Sheet]
    person_ids: list[UUID] = field(default_factory=list)

    @property
    def rows(self) -> list[list[Cell]]:
        return [row for sheet in self.sheets for row in sheet.rows]


def _civic(value: str | None) -> str:
    return f"{value[:8]}-{value[8:]}" if value and len(value) == 12 else (value or "")


def _first(items: list[dict[str, Any]], key: str = "value") -> str:
    return str(items[0].get(key, "")) if items else ""


def _home_address(person: Person) -> dict[str, Any]:
    addresses = person.addresses or []
    for address in addresses:
        if address.get("type", "Folkbokföring") == "Folkbokföring":
            return address
    return addresses[0] if addresses else {}


def _headers(guardian_slots: int) -> list[str]:
    headers = [_PUPIL_HEADERS[k] for k in _PUPIL_KEYS]
    for slot in range(1, guardian_slots + 1):
        headers += [guardian_header(slot, _GUARDIAN_BY_KEY[k]) for k in _GUARDIAN_KEYS]
    return headers


def _guardian_cells(actor: Actor, relation: Responsible) -> list[Cell]:
    guardian = relation.responsible
    name = [_civic(guardian.civic_no), guardian.given_name, guardian.family_name]
    if not may_see_location(actor, guardian):
        return [*name, relation.relation_type, MASKED, MASKED, MASKED, MASKED, MASKED]
    address = _home_address(guardian)
    return [
        *name,
        relation.relation_type,
        _first(guardian.phone_numbers or []),
        _first(guardian.emails or []),
        address.get("streetAddress", ""),
        address.get("postalCode", ""),
        address.get("locality", ""),
    ]


def _guardians_of(actor: Actor, pupil_ids: list[UUID], day: date) -> dict[UUID, list[Responsible]]:
    """Return each pupil's responsible adults valid on `day` whom the actor may see."""
    found: dict[UUID, list[Responsible]] = {}
    if not pupil_ids:
        return found
    relations = (
        responsibles_visible_to(actor)
        .filter(valid_on(day), person_id__in=pupil_ids)
        .select_related("responsible")
        .order_by("responsible__family_name", "responsible__given_name", "responsible_id", "id")
    )
    for relation in relations:
        found.setdefault(relation.person_id, []).append(relation)
    return found


def _row(
    actor: Actor,
    person: Person,
    enrolment: Enrolment | None,
    class_name: str,
    guardians: list[Responsible],
    slots: int,
) -> list[Cell]:
    row: list[Cell] = [
        _civic(person.civic_no),
        person.given_name,
        person.family_name,
        enrolment.school_type if enrolment else "",
        enrolment.school_year if enrolment else None,
        class_name,
        enrolment.start_date if enrolment else None,
    ]
    for relation in guardians[:slots]:
        row += _guardian_cells(actor, relation)
    row += [None] * (len(_PUPIL_KEYS) + slots * len(_GUARDIAN_KEYS) - len(row))
    return row


def _person_ids(pupils: list[Person], guardians: dict[UUID, list[Responsible]]) -> list[UUID]:
    ids = [p.pk for p in pupils]
    seen = set(ids)
    for relations in guardians.values():
        for relation in relations:
            if relation.responsible_id not in seen:
                seen.add(relation.responsible_id)
                ids.append(relation.responsible_id)
    return ids


def class_list(*, actor: Actor, group: Group, on: date | None = None) -> ExportTable:
    """Return a class's pupils on a day with their guardians' contact details.

    `group` must come from `access.group_for_actor`.
    """
    day = on or actor.on
    memberships = list(
        memberships_visible_to(actor, on=day)
        .filter(group=group)
        .select_related("person")
        .order_by("person__family_name", "person__given_name", "person_id")
    )
    pupils = [m.person for m in memberships]
    ids = [p.pk for p in pupils]
    enrolment_of: dict[UUID, Enrolment] = {}
    for enrolment in enrolments_visible_to(actor, on=day).filter(
        person_id__in=ids, enroled_at_id=group.organisation_id
    ):
        # A pupil may be enrolled in grundskola and fritidshem at once: prefer the class's.
        current = enrolment_of.get(enrolment.person_id)
        if current is None or enrolment.school_type == group.school_type:
            enrolment_of[enrolment.person_id] = enrolment
    guardians = _guardians_of(actor, ids, day)
    slots = max([2, *(len(g) for g in guardians.values())])
    rows = [
        _row(
            actor,
            pupil,
            enrolment_of.get(pupil.pk),
            group.display_name,
            guardians.get(pupil.pk, []),
            slots,
        )
        for pupil in pupils
    ]
    return ExportTable(
        title=f"Klasslista {group.display_name}",
        headers=_headers(slots),
        sheets=[Sheet(group.display_name, rows)],
        person_ids=_person_ids(pupils, guardians),
    )


def school_unit_pupils(
    *,
    actor: Actor,
    school_unit: Organisation,
    on: date | None = None,
    school_year: int | None = None,
) -> ExportTable:
    """Return a school unit's enrolled pupils on a day, by school type and school year.

    One row per enrolment, so a pupil in both grundskola and fritidshem has two rows.
    `school_unit` must come from `access.organisation_for_actor`.
    """
    day = on or actor.on
    enrolments = enrolments_visible_to(actor, on=day).filter(enroled_at=school_unit)
    if school_year is not None:
        enrolments = enrolments.filter(school_year=school_year)
    enrolment_list = list(enrolments.select_related("person"))
    ids = list({e.person_id for e in enrolment_list})
    class_of: dict[UUID, str] = {}
    for membership in (
        memberships_visible_to(actor, on=day)
        .filter(
            person_id__in=ids,
            group__organisation=school_unit,
            group__group_type=GroupType.KLASS,
        )
        .select_related("group")
        .order_by("start_date")
    ):
        class_of[membership.person_id] = membership.group.display_name
    guardians = _guardians_of(actor, ids, day)
    slots = max([2, *(len(g) for g in guardians.values())])

    def order(e: Enrolment) -> tuple:
        person = e.person
        return (
            e.school_type,
            e.school_year if e.school_year is not None else -1,
            class_of.get(e.person_id, ""),
            person.family_name,
            person.given_name,
            str(person.pk),
        )

    enrolment_list.sort(key=order)
    sheets = []
    for (school_type, year), group in groupby(
        enrolment_list, key=lambda e: (e.school_type, e.school_year)
    ):
        title = f"{school_type} åk {year}" if year is not None else school_type
        rows = [
            _row(
                actor,
                e.person,
                e,
                class_of.get(e.person_id, ""),
                guardians.get(e.person_id, []),
                slots,
            )
            for e in group
        ]
        sheets.append(Sheet(title, rows))
    pupils: dict[UUID, Person] = {e.person_id: e.person for e in enrolment_list}
    return ExportTable(
        title=f"Elever {school_unit.display_name}",
        headers=_headers(slots),
        sheets=sheets or [Sheet("Elever", [])],
        person_ids=_person_ids(list(pupils.values()), guardians),
    )
