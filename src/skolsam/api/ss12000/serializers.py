"""Write SS 12000 2.1.0 JSON by hand: the pieces every resource's serialiser shares.

Each resource module (`resources/<domain>.py`) has a `*_rows` function that takes a page
of rows (dicts from `.values()`), loads what they embed with one query per kind of
relation, whatever the page size, and returns the spec's dicts. Values stay Python
objects (UUID, date, datetime); orjson writes them. Optional fields are left out when
empty rather than sent as empty strings (`put`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from skolsam.api.ss12000.access import ApiScope


@dataclass
class Ctx:
    scope: ApiScope
    names: bool = False  # expandReferenceNames
    expand: frozenset[str] = field(default_factory=frozenset)
    # Every person the answer holds (as an entity or a reference, also behind a duty),
    # for the audit log's search by person.
    persons: set[Any] = field(default_factory=set)


def ref(pk: Any, name: str | None, ctx: Ctx) -> dict:
    out: dict[str, Any] = {"id": pk}
    if ctx.names and name:
        out["displayName"] = name
    return out


def person_ref(pk: Any, marking: str | None, name: str | None, ctx: Ctx) -> dict:
    ctx.persons.add(pk)
    out = ref(pk, name, ctx)
    if marking:
        out["securityMarking"] = marking
    return out


def full_name(given: str, middle: str, family: str) -> str:
    return " ".join(p for p in (given, middle, family) if p)


def meta(row: dict) -> dict:
    return {"created": row["created"], "modified": row["modified"]}


def put(out: dict, key: str, value: Any) -> None:
    if value not in (None, "", [], {}):
        out[key] = value


def group_by(rows: Iterable[Any], key: str) -> dict[Any, list[dict]]:
    grouped: dict[Any, list[dict]] = defaultdict(list)
    for row in rows:
        grouped[row[key]].append(row)
    return grouped


def group_by_output(rows: list[dict], outs: list[dict], key: str) -> dict[UUID, list[dict]]:
    grouped: dict[UUID, list[dict]] = defaultdict(list)
    for row, item in zip(rows, outs, strict=True):
        grouped[row[key]].append(item)
    return grouped
