"""Serve /rooms and /resources: a school unit's rooms (lokaler) and other bookable
resources (resurser).

Scope: the client's organisations (the owner's). Neither holds personal data, so there
is nothing protected to leave out. `organisation` finds the rooms of that organisation
and the units under it, within the scope.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet

from skolsam.api.ss12000 import access
from skolsam.api.ss12000.access import ApiScope
from skolsam.api.ss12000.describe import ID, MODIFIED_DESC, Resource
from skolsam.api.ss12000.filtering import subtree_in_scope
from skolsam.api.ss12000.paging import ListQuery, SortKey, as_uuid
from skolsam.api.ss12000.serializers import Ctx, meta, put, ref

ROOM_FIELDS = (
    "id",
    "created",
    "modified",
    "display_name",
    "seats",
    "owner_id",
    "owner__display_name",
)
RESOURCE_FIELDS = ("id", "created", "modified", "display_name", "owner_id", "owner__display_name")
SORTKEYS: dict[str, tuple[SortKey, ...]] = {
    "ModifiedDesc": MODIFIED_DESC,
    "DisplayNameAsc": (SortKey("display_name"), ID),
}


def room_rows(rows: Sequence[dict], ctx: Ctx) -> list[dict]:
    out = []
    for r in rows:
        room: dict[str, Any] = {
            "id": r["id"],
            "meta": meta(r),
            "displayName": r["display_name"],
            "owner": ref(r["owner_id"], r["owner__display_name"], ctx),
        }
        put(room, "seats", r["seats"])
        out.append(room)
    return out


def resource_rows(rows: Sequence[dict], ctx: Ctx) -> list[dict]:
    return [
        {
            "id": r["id"],
            "meta": meta(r),
            "displayName": r["display_name"],
            "owner": ref(r["owner_id"], r["owner__display_name"], ctx),
        }
        for r in rows
    ]


def _owner_filters(qs: QuerySet, q: ListQuery, scope: ApiScope) -> QuerySet:
    if (org := q.get("organisation")) is not None:
        qs = qs.filter(owner_id__in=subtree_in_scope(scope, as_uuid(org, "organisation")))
    return qs


RESOURCES = (
    Resource(
        path="resources",
        entity="Resource",
        label="Resurser",
        queryset=access.resources_visible_to_client,
        fields=RESOURCE_FIELDS,
        serialize=resource_rows,
        sortkeys=SORTKEYS,
        filters=_owner_filters,
    ),
    Resource(
        path="rooms",
        entity="Room",
        label="Lokaler",
        queryset=access.rooms_visible_to_client,
        fields=ROOM_FIELDS,
        serialize=room_rows,
        sortkeys=SORTKEYS,
        filters=_owner_filters,
    ),
)
