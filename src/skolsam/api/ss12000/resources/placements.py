"""Serve /placements: children placed in preschool and school-age care, with their owners."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet

from skolsam.api.ss12000 import access
from skolsam.api.ss12000.access import ApiScope
from skolsam.api.ss12000.describe import (
    END_ASC,
    END_DESC,
    MODIFIED_DESC,
    START_ASC,
    START_DESC,
    Resource,
    with_end,
)
from skolsam.api.ss12000.filtering import one_uuid
from skolsam.api.ss12000.paging import ListQuery, as_uuid, period_filters
from skolsam.api.ss12000.resources import persons as person_resources
from skolsam.api.ss12000.serializers import Ctx, full_name, group_by, meta, person_ref, put, ref
from skolsam.core.db import AnyOf

PLACEMENT_FIELDS = (
    "id",
    "created",
    "modified",
    "placed_at_id",
    "placed_at__display_name",
    "group_id",
    "group__display_name",
    "child_id",
    "child__security_marking",
    "child__given_name",
    "child__middle_name",
    "child__family_name",
    "school_type",
    "start_date",
    "end_date",
    "reason",
    "max_weekly_schedule_hours",
)


def _placement_owners(ids: list[UUID], ctx: Ctx) -> dict[Any, list[dict]]:
    from skolsam.enrolment.models import Placement

    return group_by(
        Placement.owners.through.objects.filter(AnyOf("placement_id", ids))
        .filter(access.not_protected(ctx.scope, "person__"))
        .order_by("id")
        .values(
            "placement_id",
            "person_id",
            "person__security_marking",
            "person__given_name",
            "person__middle_name",
            "person__family_name",
        ),
        "placement_id",
    )


def placement_rows_out(rows: Sequence[dict], ctx: Ctx) -> list[dict]:
    owners = _placement_owners([r["id"] for r in rows], ctx) if rows else {}
    out = []
    for r in rows:
        child_name = full_name(
            r["child__given_name"], r["child__middle_name"], r["child__family_name"]
        )
        p: dict[str, Any] = {
            "id": r["id"],
            "meta": meta(r),
            "placedAt": ref(r["placed_at_id"], r["placed_at__display_name"], ctx),
            "child": person_ref(r["child_id"], r["child__security_marking"], child_name, ctx),
            "schoolType": r["school_type"],
            "startDate": r["start_date"],
        }
        if r["group_id"]:
            p["group"] = ref(r["group_id"], r["group__display_name"], ctx)
        put(
            p,
            "owners",
            [
                person_ref(
                    o["person_id"],
                    o["person__security_marking"],
                    full_name(
                        o["person__given_name"], o["person__middle_name"], o["person__family_name"]
                    ),
                    ctx,
                )
                for o in owners.get(r["id"], ())
            ],
        )
        put(p, "endDate", r["end_date"])
        put(p, "reason", r["reason"])
        put(p, "maxWeeklyScheduleHours", r["max_weekly_schedule_hours"])
        out.append(p)
    return out


def placement_rows(rows: Sequence[dict], ctx: Ctx) -> list[dict]:
    out = placement_rows_out(rows, ctx)
    if ctx.expand & {"child", "owners"}:
        wanted: set[UUID] = set()
        if "child" in ctx.expand:
            wanted |= {r["child_id"] for r in rows}
        if "owners" in ctx.expand:
            wanted |= {o["id"] for p in out for o in p.get("owners", ())}
        persons = person_resources.persons_by_id(wanted, ctx)
        for r, p in zip(rows, out, strict=True):
            embedded: dict[str, Any] = {}
            if "child" in ctx.expand and r["child_id"] in persons:
                embedded["child"] = persons[r["child_id"]]
            if "owners" in ctx.expand:
                embedded["owners"] = [
                    persons[o["id"]] for o in p.get("owners", ()) if o["id"] in persons
                ]
            p["_embedded"] = embedded
    return out


def _placement_filters(qs: QuerySet, q: ListQuery, scope: ApiScope) -> QuerySet:
    if (org := one_uuid(q, "organisation")) is not None:
        qs = qs.filter(placed_at_id=org)
    if (group := one_uuid(q, "group")) is not None:
        qs = qs.filter(group_id=group)
    if (child := one_uuid(q, "child")) is not None:
        qs = qs.filter(child_id=child)
    if (owner := one_uuid(q, "owner")) is not None:
        qs = qs.filter(_owned_by(scope, [owner]))
    return qs.filter(period_filters(q))


def _owned_by(scope: ApiScope, person_ids: list[UUID]) -> Q:
    # Through the owner links the client may see: a protected owner's placement would
    # say where she takes her child.
    owners = access.placement_owners_visible_to_client(scope)
    return Q(pk__in=owners.filter(person_id__in=person_ids).values("placement_id"))


def _placement_lookup(qs: QuerySet, body: dict[str, list[str]], scope: ApiScope) -> QuerySet:
    people = [as_uuid(v, "personIds") for v in body.get("personIds", [])]
    cond = Q(pk__in=[as_uuid(v, "ids") for v in body.get("ids", [])])
    if people:
        cond |= Q(child_id__in=people) | _owned_by(scope, people)
    return qs.filter(cond)


RESOURCES = (
    Resource(
        path="placements",
        entity="Placement",
        label="Placeringar",
        queryset=access.placements_visible_to_client,
        fields=PLACEMENT_FIELDS,
        serialize=placement_rows,
        sortkeys={
            "StartDateAsc": START_ASC,
            "StartDateDesc": START_DESC,
            "EndDateAsc": END_ASC,
            "EndDateDesc": END_DESC,
            "ModifiedDesc": MODIFIED_DESC,
        },
        filters=_placement_filters,
        expand=("child", "owners"),
        lookup_keys=("ids", "personIds"),
        lookup=_placement_lookup,
        annotate=with_end,
    ),
)
