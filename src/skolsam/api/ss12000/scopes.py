"""Name what an API client may do: a read or write scope per SS 12000 resource type.

A scope is `<resource>:<access>`, for example `persons:read` or `attendances:write`. The
resource is the path the SS 12000 2.1.0 spec serves it under (so `attendanceSchedule`,
singular, as in the spec), and the list is what Skolsam serves today: a resource the
register does not hold has no scope until its module arrives (grades got `grades:read`
with theirs and studyplans `studyplans:read`, and no write: both are set in Skolsam), so
no client is ever granted a resource nobody has looked at.

- Write exists only where the spec lets a client write and Skolsam serves the write:
  attendances, attendanceEvents and attendanceSchedule (POST, DELETE), absences (POST),
  subscriptions (POST, PATCH, DELETE), log and statistics (POST).
- Write requires read: every write answers with the entity or acts on one the client
  must find first, so `attendances:write` without `attendances:read` is refused, not
  quietly completed.
- `*:read` and `*:write` are shorthands when granting: they expand to every resource's
  read (write) scope *now* and are stored expanded, so a client that reads "everything"
  does not start reading grades the day grades are added.
- `POST /<resource>/lookup` is a read.

The vocabulary is read from the registered resource types (`resources/`): each names
its access and its Swedish label, so a resource's scopes arrive with its module.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from skolsam.core.errors import DomainError

READ = "read"
WRITE = "write"
WILDCARD = "*"

# A client's own bookkeeping: webhooks and what it reports back. None of it changes the
# register, so clients registered before scopes existed keep it (see the migration).
BOOKKEEPING_WRITES = ("subscriptions:write", "log:write", "statistics:write")


@dataclass(frozen=True)
class Vocabulary:
    # The resource types the API serves, in the spec's order, and the access each allows.
    resource_types: dict[str, tuple[str, ...]]
    # What each resource type is called in the Swedish UI (docs/glossary.md).
    labels: dict[str, str]
    all_scopes: tuple[str, ...]
    order: dict[str, int]
    # EndPointsEnum (webhooks, deletedEntities) to the resource whose read scope covers it.
    entity_resource: dict[str, str]


@functools.cache
def vocabulary() -> Vocabulary:
    """Read the scopes from the registered resource types (`resources/`), once."""
    # Imported here: the resource modules' views import this module.
    from skolsam.api.ss12000.resources import RESOURCES, TYPES

    resource_types = {path: kind.access for path, kind in TYPES.items()}
    all_scopes = tuple(
        f"{resource}:{access}"
        for resource, accesses in resource_types.items()
        for access in accesses
    )
    return Vocabulary(
        resource_types=resource_types,
        labels={path: kind.label for path, kind in TYPES.items()},
        all_scopes=all_scopes,
        order={scope: n for n, scope in enumerate(all_scopes)},
        entity_resource={r.entity: path for path, r in RESOURCES.items()},
    )


def __getattr__(name: str) -> Any:
    # The vocabulary's tables under their old names, read from the registry on first use.
    tables = {
        "RESOURCE_TYPES": "resource_types",
        "LABELS": "labels",
        "ALL_SCOPES": "all_scopes",
        "ENTITY_RESOURCE": "entity_resource",
    }
    if name in tables:
        return getattr(vocabulary(), tables[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
                found |= {s for s in vocabulary().all_scopes if s.endswith(f":{access}")}
            elif resource not in vocabulary().resource_types:
                bad.append(f"{item!r}: {resource} är ingen resurstyp som API:t har")
            elif access not in vocabulary().resource_types[resource]:
                only = "läsa" if vocabulary().resource_types[resource] == (READ,) else "skriva till"
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
        and f"{scope.partition(':')[0]}:{READ}" in vocabulary().order
        and f"{scope.partition(':')[0]}:{READ}" not in chosen
    ]
    if missing:
        pairs = ", ".join(
            f"{s} kräver {s.partition(':')[0]}:{READ}"
            for s in sorted(
                missing, key=lambda s: vocabulary().order.get(s, len(vocabulary().order))
            )
        )
        raise ScopeError({"scopes": f"Skrivrätt kräver läsrätt: {pairs}."})
    return sorted(chosen, key=vocabulary().order.__getitem__)


def parse_scopes(values: Iterable[str]) -> list[str]:
    """Read scope strings as given by a person or a token request: expand, then check."""
    return check(expand(values))


def as_string(scopes: Iterable[str]) -> str:
    """Return the scopes as RFC 6749's space-delimited `scope` value, in canonical order."""
    return " ".join(
        sorted(set(scopes) & set(vocabulary().order), key=vocabulary().order.__getitem__)
    )


def required(resource: str, method: str, *, reads: Iterable[str] = ("GET", "HEAD")) -> str:
    """Return the scope a request needs: read for `reads` methods, write for the rest."""
    access = READ if method in reads else WRITE
    return f"{resource}:{access}"


def readable_entities(granted: Iterable[str]) -> set[str]:
    """Return the EndPointsEnum types whose resource the granted scopes may read."""
    chosen = set(granted)
    return {
        entity for entity, res in vocabulary().entity_resource.items() if f"{res}:{READ}" in chosen
    }


def table(granted: Iterable[str]) -> list[dict]:
    """Return one row per resource type for a page: its label and its read and write cells.

    `cells` holds read then write: None where the access does not exist, else the scope,
    its access and whether it is checked.
    """
    chosen = set(granted)
    rows = []
    for resource, accesses in vocabulary().resource_types.items():
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
        rows.append({"resource": resource, "label": vocabulary().labels[resource], "cells": cells})
    return rows


def summary(granted: Iterable[str]) -> str:
    """Say in Swedish what the scopes allow, in one line, for a list of clients."""
    chosen = set(granted)
    parts = []
    for access, word in ((READ, "Läsa"), (WRITE, "Skriva")):
        able = [r for r, accesses in vocabulary().resource_types.items() if access in accesses]
        have = [r for r in able if f"{r}:{access}" in chosen]
        if len(have) == len(able):
            text = "allt"
        elif not have:
            text = "inget"
        else:
            text = ", ".join(vocabulary().labels[r].lower() for r in have)
        parts.append(f"{word}: {text}")
    return ". ".join(parts) + "."
