"""Name what an API client may do: a read or write scope per SS 12000 resource type.

A scope is `<resource>:<access>`, for example `persons:read` or `attendances:write`. The
resource is the path the SS 12000 2.1.0 spec serves it under (so `attendanceSchedule`,
singular, as in the spec), and the list is what Skolsam serves today: a resource the
register does not hold yet (grades, studyplans, resources, rooms) has no scope until its
module arrives, so no client is ever granted a resource nobody has looked at.

- Write exists only where the spec lets a client write and Skolsam serves the write:
  attendances (POST, DELETE), subscriptions (POST, PATCH, DELETE), log and statistics (POST).
- Write requires read: every write answers with the entity or acts on one the client
  must find first, so `attendances:write` without `attendances:read` is refused, not
  quietly completed.
- `*:read` and `*:write` are shorthands when granting: they expand to every resource's
  read (write) scope *now* and are stored expanded, so a client that reads "everything"
  does not start reading grades the day grades are added.
- `POST /<resource>/lookup` is a read.
"""

from __future__ import annotations

from collections.abc import Iterable

from skolsam.core.errors import DomainError

READ = "read"
WRITE = "write"
WILDCARD = "*"

# The resource types the API serves, in the spec's order, and the access each allows.
RESOURCE_TYPES: dict[str, tuple[str, ...]] = {
    "organisations": (READ,),
    "persons": (READ,),
    "placements": (READ,),
    "duties": (READ,),
    "groups": (READ,),
    "programmes": (READ,),
    "syllabuses": (READ,),
    "schoolUnitOfferings": (READ,),
    "activities": (READ,),
    "calendarEvents": (READ,),
    "attendances": (READ, WRITE),
    "attendanceEvents": (READ,),
    "attendanceSchedule": (READ,),
    "absences": (READ,),
    "aggregatedAttendance": (READ,),
    "subscriptions": (READ, WRITE),
    "log": (WRITE,),
    "statistics": (WRITE,),
    "deletedEntities": (READ,),
}

# What each resource type is called in the Swedish UI (docs/glossary.md).
LABELS = {
    "organisations": "Organisationer",
    "persons": "Personer",
    "placements": "Placeringar",
    "duties": "Tjänster",
    "groups": "Grupper",
    "programmes": "Program",
    "syllabuses": "Ämnen och kurser",
    "schoolUnitOfferings": "Skolenheternas utbud",
    "activities": "Aktiviteter",
    "calendarEvents": "Lektioner",
    "attendances": "Närvaro",
    "attendanceEvents": "In- och utcheckning",
    "attendanceSchedule": "Vistelsescheman",
    "absences": "Frånvaroanmälningar och ledighet",
    "aggregatedAttendance": "Summerad närvaro",
    "subscriptions": "Prenumerationer (webhooks)",
    "log": "Klientens logg",
    "statistics": "Klientens statistik",
    "deletedEntities": "Borttagna poster",
}

ALL_SCOPES: tuple[str, ...] = tuple(
    f"{resource}:{access}" for resource, accesses in RESOURCE_TYPES.items() for access in accesses
)
_ORDER = {scope: n for n, scope in enumerate(ALL_SCOPES)}

# A client's own bookkeeping: webhooks and what it reports back. None of it changes the
# register, so clients registered before scopes existed keep it (see the migration).
BOOKKEEPING_WRITES = ("subscriptions:write", "log:write", "statistics:write")

# EndPointsEnum (webhooks, deletedEntities) to the resource whose read scope covers it.
ENTITY_RESOURCE = {
    "Absence": "absences",
    "AttendanceEvent": "attendanceEvents",
    "Attendance": "attendances",
    "CalendarEvent": "calendarEvents",
    "AttendanceSchedule": "attendanceSchedule",
    "Activity": "activities",
    "Duty": "duties",
    "Placement": "placements",
    "Programme": "programmes",
    "Syllabus": "syllabuses",
    "SchoolUnitOffering": "schoolUnitOfferings",
    "Group": "groups",
    "Person": "persons",
    "Organisation": "organisations",
}


class ScopeError(DomainError):
    """A scope string is unknown, malformed, or breaks the write-requires-read rule."""


def expand(values: Iterable[str]) -> set[str]:
    """Split space- or comma-separated scope strings, expand wildcards, refuse unknown ones.

    Returns the scopes as a set; does not check that write comes with read (see `check`).
    """
    found: set[str] = set()
    bad: list[str] = []
    for value in values:
        for item in value.replace(",", " ").split():
            resource, sep, access = item.partition(":")
            item = item if len(item) <= 60 else item[:60] + "…"
            if not sep or access not in (READ, WRITE):
                bad.append(
                    f"{item!r} har inte formen resurs:read eller resurs:write "
                    "(till exempel persons:read)"
                )
            elif resource == WILDCARD:
                found |= {s for s in ALL_SCOPES if s.endswith(f":{access}")}
            elif resource not in RESOURCE_TYPES:
                bad.append(f"{item!r}: {resource} är ingen resurstyp som API:t har")
            elif access not in RESOURCE_TYPES[resource]:
                only = "läsa" if RESOURCE_TYPES[resource] == (READ,) else "skriva till"
                bad.append(f"{item!r}: {resource} går bara att {only} i SS 12000")
            else:
                found.add(item)
    if bad:
        # A handful is enough to correct; a pasted essay should not come back in full.
        more = f" (och {len(bad) - 5} till)" if len(bad) > 5 else ""
        raise ScopeError({"scopes": f"Ogiltigt scope: {'; '.join(bad[:5])}{more}."})
    return found


def check(scopes: Iterable[str]) -> list[str]:
    """Return the scopes in canonical order, refusing a write scope without its read scope."""
    chosen = set(scopes)
    missing = [
        scope
        for scope in chosen
        if scope.endswith(f":{WRITE}")
        and f"{scope.partition(':')[0]}:{READ}" in _ORDER
        and f"{scope.partition(':')[0]}:{READ}" not in chosen
    ]
    if missing:
        pairs = ", ".join(
            f"{s} kräver {s.partition(':')[0]}:{READ}"
            for s in sorted(missing, key=lambda s: _ORDER.get(s, len(_ORDER)))
        )
        raise ScopeError({"scopes": f"Skrivrätt kräver läsrätt: {pairs}."})
    return sorted(chosen, key=_ORDER.__getitem__)


def parse_scopes(values: Iterable[str]) -> list[str]:
    """Read scope strings as given by a person or a token request: expand, then check."""
    return check(expand(values))


def as_string(scopes: Iterable[str]) -> str:
    """Return the scopes as RFC 6749's space-delimited `scope` value, in canonical order."""
    return " ".join(sorted(set(scopes) & set(_ORDER), key=_ORDER.__getitem__))


def required(resource: str, method: str, *, reads: Iterable[str] = ("GET", "HEAD")) -> str:
    """Return the scope a request needs: read for `reads` methods, write for the rest."""
    access = READ if method in reads else WRITE
    return f"{resource}:{access}"


def readable_entities(granted: Iterable[str]) -> set[str]:
    """Return the EndPointsEnum types whose resource the granted scopes may read."""
    chosen = set(granted)
    return {entity for entity, res in ENTITY_RESOURCE.items() if f"{res}:{READ}" in chosen}


def table(granted: Iterable[str]) -> list[dict]:
    """Return one row per resource type for a page: its label and its read and write cells.

    `cells` holds read then write: None where the access does not exist, else the scope,
    its access and whether it is checked.
    """
    chosen = set(granted)
    rows = []
    for resource, accesses in RESOURCE_TYPES.items():
        cells = [
            {
                "scope": f"{resource}:{access}",
                "access": access,
                "checked": f"{resource}:{access}" in chosen,
            }
            if access in accesses
            else None
            for access in (READ, WRITE)
        ]
        rows.append({"resource": resource, "label": LABELS[resource], "cells": cells})
    return rows


def summary(granted: Iterable[str]) -> str:
    """Say in Swedish what the scopes allow, in one line, for a list of clients."""
    chosen = set(granted)
    parts = []
    for access, word in ((READ, "Läsa"), (WRITE, "Skriva")):
        able = [r for r, accesses in RESOURCE_TYPES.items() if access in accesses]
        have = [r for r in able if f"{r}:{access}" in chosen]
        if len(have) == len(able):
            text = "allt"
        elif not have:
            text = "inget"
        else:
            text = ", ".join(LABELS[r].lower() for r in have)
        parts.append(f"{word}: {text}")
    return ". ".join(parts) + "."
