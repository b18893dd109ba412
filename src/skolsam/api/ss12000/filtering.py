"""Filter helpers several SS 12000 resources share: typed parameters, JSON list columns,
an organisation's subtree in the client's scope, RFC 3339 time ranges."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from django.db import connection
from django.db.models import Q, QuerySet

from skolsam.api.ss12000.access import ApiScope
from skolsam.api.ss12000.paging import ListQuery, as_datetime, as_enum, as_uuid
from skolsam.organisations.selectors import organisation_subtree_ids


def json_list_has(qs: QuerySet, column: str, value: Any) -> QuerySet:
    """Keep rows whose JSON array `column` holds `value` (a string or a partial object)."""
    if connection.vendor == "postgresql":
        return qs.filter(**{f"{column}__contains": [value]})
    table = qs.model._meta.db_table
    if isinstance(value, dict):
        where = " AND ".join(f"json_extract(j.value, '$.{k}') = %s" for k in value)
        params = list(value.values())
    else:
        where, params = "j.value = %s", [value]
    # Table, column and keys are ours; the values are parameters.
    return qs.extra(  # noqa: S610
        where=[f'EXISTS (SELECT 1 FROM json_each("{table}"."{column}") j WHERE {where})'],  # noqa: S608
        params=params,
    )


def json_list_has_any(qs: QuerySet, column: str, values: Sequence[str]) -> QuerySet:
    """Keep rows whose JSON array of strings `column` holds at least one of `values`."""
    if connection.vendor == "postgresql":
        q = Q(pk__in=[])
        for v in values:
            q |= Q(**{f"{column}__contains": [v]})
        return qs.filter(q)
    table = qs.model._meta.db_table
    marks = ", ".join(["%s"] * len(values))
    where = f'EXISTS (SELECT 1 FROM json_each("{table}"."{column}") j WHERE j.value IN ({marks}))'  # noqa: S608
    return qs.extra(  # noqa: S610 - table and column are ours; the values are parameters
        where=[where],
        params=list(values),
    )


def uuids(q: ListQuery, name: str) -> list[UUID]:
    return [as_uuid(v, name) for v in q.getlist(name)]


def one_uuid(q: ListQuery, name: str) -> UUID | None:
    value = q.get(name)
    return as_uuid(value, name) if value is not None else None


def enums(q: ListQuery, name: str, allowed: Sequence[str]) -> list[str]:
    return [as_enum(v, name, allowed) for v in q.getlist(name)]


def subtree_in_scope(scope: ApiScope, root: UUID) -> set[UUID]:
    """Return `root` and the organisations under it, within the client's scope.

    For the spec's organisation filters that include "underliggande element". A root above
    the client's organisations (its huvudman, for a client bound to school units) gives
    the client's organisations under it; a root outside the scope gives nothing.
    """
    return organisation_subtree_ids(organisation_id=root) & scope.org_ids


def time_filter(q: ListQuery, name: str, column: str) -> Q:
    """Filter `column` by `<name>.onOrAfter` / `.onOrBefore` (RFC 3339, with an offset)."""
    cond = Q()
    for suffix, op in (("onOrAfter", "gte"), ("onOrBefore", "lte")):
        raw = q.get(f"{name}.{suffix}")
        if raw is not None:
            cond &= Q(**{f"{column}__{op}": as_datetime(raw, f"{name}.{suffix}")})
    return cond


def person_name(given: str | None, family: str | None) -> str:
    return " ".join(p for p in (given, family) if p)
