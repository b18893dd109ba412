"""Describe an SS 12000 resource type for the registry and the generic views.

A `Resource` is read through the generic views (list, `POST /x/lookup`, `GET /x/{id}`):
its scope, fields, serialiser, sort keys, filters, lookups and expansions. It may add
routes of its own (writes) that come before the generic ones. An `Endpoint` is a resource
type served only by its own routes (aggregatedAttendance, subscriptions, log, ...). Both
name the access a client may be granted (`scopes.py`) and their Swedish label.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from django.db.models import F, QuerySet, Value
from django.db.models.functions import Coalesce

from skolsam.api.ss12000 import serializers
from skolsam.api.ss12000.access import ApiScope
from skolsam.api.ss12000.paging import BadRequest, ListQuery, SortKey, as_uuid
from skolsam.api.ss12000.scopes import READ

END_OF_TIME = date(9999, 12, 31)
# Only the id never changes; every other sort key pages through a snapshot (paging.py).
ID = SortKey("id", kind="uuid", immutable=True)
ID_DESC = SortKey("id", desc=True, kind="uuid", immutable=True)
MODIFIED_DESC = (SortKey("modified", desc=True, kind="datetime"), ID_DESC)
START_ASC = (SortKey("start_date", kind="date"), ID)
START_DESC = (SortKey("start_date", desc=True, kind="date"), ID_DESC)
END_ASC = (SortKey("_end", kind="date"), ID)
END_DESC = (SortKey("_end", desc=True, kind="date"), ID_DESC)

# Routes a resource adds, given the API's base path ("ss12000/v2.0/").
Routes = Callable[[str], list]


def with_end(qs: QuerySet) -> QuerySet:
    # An open end sorts last ascending: "until further notice".
    return qs.annotate(_end=Coalesce(F("end_date"), Value(END_OF_TIME)))


@dataclass(frozen=True)
class Resource:
    path: str
    entity: str
    queryset: Callable[[ApiScope], QuerySet]
    fields: Sequence[str]
    serialize: Callable[[Sequence[dict], serializers.Ctx], list[dict]]
    sortkeys: dict[str, tuple[SortKey, ...]]
    filters: Callable[[QuerySet, ListQuery, ApiScope], QuerySet]
    expand: tuple[str, ...] = ()
    lookup_keys: tuple[str, ...] = ("ids",)
    lookup: Callable[[QuerySet, dict[str, list[str]], ApiScope], QuerySet] | None = None
    annotate: Callable[[QuerySet], QuerySet] | None = None
    default_sort: tuple[SortKey, ...] = (ID,)
    is_person: bool = False
    # What the resource type is called in the Swedish UI (docs/glossary.md).
    label: str = ""
    # The scopes a client may be granted: `<path>:read`, `<path>:write`.
    access: tuple[str, ...] = (READ,)
    # Routes served before the generic ones (a write on the same path).
    routes: Routes | None = None


@dataclass(frozen=True)
class Endpoint:
    """A resource type served only by its own views."""

    path: str
    label: str
    routes: Routes
    access: tuple[str, ...] = (READ,)


def _lookup_ids(qs: QuerySet, body: dict[str, list[str]], scope: ApiScope) -> QuerySet:
    return qs.filter(pk__in=[as_uuid(v, "ids") for v in body.get("ids", [])])


def lookup_queryset(resource: Resource, qs: QuerySet, body: dict, scope: ApiScope) -> QuerySet:
    apply = resource.lookup or _lookup_ids
    return apply(qs, body, scope)


def check_expand(resource: Resource | Sequence[str], values: Sequence[str]) -> frozenset[str]:
    """Return the asked `expand` values; one the resource does not offer is a 400."""
    offered = resource.expand if isinstance(resource, Resource) else tuple(resource)
    for value in values:
        if value not in offered:
            allowed = ", ".join(offered) or "inget"
            raise BadRequest(f"expand: {value!r} går inte att expandera här (tillåtet: {allowed}).")
    return frozenset(values)
