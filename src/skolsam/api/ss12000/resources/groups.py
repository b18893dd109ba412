"""Serve /groups: classes, teaching groups and the like, with their visible memberships."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any
from uuid import UUID

from django.db.models import QuerySet

from skolsam.api.ss12000 import access
from skolsam.api.ss12000.access import ApiScope
from skolsam.api.ss12000.describe import (
    END_ASC,
    END_DESC,
    ID,
    MODIFIED_DESC,
    START_ASC,
    START_DESC,
    Resource,
    with_end,
)
from skolsam.api.ss12000.filtering import enums, person_name, uuids
from skolsam.api.ss12000.paging import ListQuery, SortKey, period_filters
from skolsam.api.ss12000.serializers import Ctx, full_name, group_by, meta, person_ref, put, ref
from skolsam.core.choices import GroupType, SchoolType
from skolsam.core.db import AnyOf

GROUP_FIELDS = (
    "id",
    "created",
    "modified",
    "display_name",
    "start_date",
    "end_date",
    "group_type",
    "school_type",
    "organisation_id",
    "organisation__display_name",
)


def group_fragment(r: dict, ctx: Ctx) -> dict:
    g: dict[str, Any] = {
        "id": r["id"],
        "meta": meta(r),
        "displayName": r["display_name"],
        "startDate": r["start_date"],
        "groupType": r["group_type"],
        "organisation": ref(r["organisation_id"], r["organisation__display_name"], ctx),
    }
    put(g, "endDate", r["end_date"])
    put(g, "schoolType", r["school_type"])
    return g


def group_rows(rows: Sequence[dict], ctx: Ctx) -> list[dict]:
    ids = [r["id"] for r in rows]
    members = group_by(
        access.memberships_visible_to_client(ctx.scope)
        .filter(AnyOf("group_id", ids))
        .order_by("start_date", "id")
        .values(
            "group_id",
            "person_id",
            "person__security_marking",
            "person__given_name",
            "person__middle_name",
            "person__family_name",
            "start_date",
            "end_date",
        ),
        "group_id",
    )
    roles: dict[Any, list[dict]] = {}
    if "assignmentRoles" in ctx.expand:
        roles = group_by(
            access.assignment_roles_visible_to_client(ctx.scope)
            .filter(AnyOf("group_id", ids))
            .order_by("start_date", "id")
            .values(
                "group_id",
                "duty_id",
                "duty__person_id",
                "duty__person__given_name",
                "duty__person__family_name",
                "assignment_role_type",
                "start_date",
                "end_date",
            ),
            "group_id",
        )
    out = []
    for r in rows:
        g = group_fragment(r, ctx)
        memberships = []
        for m in members.get(r["id"], ()):
            name = full_name(
                m["person__given_name"], m["person__middle_name"], m["person__family_name"]
            )
            item: dict[str, Any] = {
                "person": person_ref(m["person_id"], m["person__security_marking"], name, ctx),
                "startDate": m["start_date"],
            }
            put(item, "endDate", m["end_date"])
            memberships.append(item)
        g["groupMemberships"] = memberships
        if "assignmentRoles" in ctx.expand:
            embedded = []
            for a in roles.get(r["id"], ()):
                ctx.persons.add(a["duty__person_id"])
                name = person_name(a["duty__person__given_name"], a["duty__person__family_name"])
                item = {
                    "duty": ref(a["duty_id"], name, ctx),
                    "assignmentRoleType": a["assignment_role_type"],
                    "startDate": a["start_date"],
                }
                put(item, "endDate", a["end_date"])
                embedded.append(item)
            g["_embedded"] = {"assignmentRoles": embedded}
        out.append(g)
    return out


def groups_by_id(ids: Iterable[UUID], ctx: Ctx) -> dict[UUID, dict]:
    """Serialise the visible groups among `ids` (for `_embedded`), without expansions."""
    wanted = set(ids)
    if not wanted:
        return {}
    rows = list(
        access.groups_visible_to_client(ctx.scope).filter(AnyOf("pk", wanted)).values(*GROUP_FIELDS)
    )
    plain = replace(ctx, expand=frozenset())
    return {r["id"]: g for r, g in zip(rows, group_rows(rows, plain), strict=True)}


def _group_filters(qs: QuerySet, q: ListQuery, scope: ApiScope) -> QuerySet:
    if types := enums(q, "groupType", GroupType.values):
        qs = qs.filter(group_type__in=types)
    if school_types := enums(q, "schoolTypes", SchoolType.values):
        qs = qs.filter(school_type__in=school_types)
    if orgs := uuids(q, "organisation"):
        qs = qs.filter(organisation_id__in=orgs)
    return qs.filter(period_filters(q))


RESOURCES = (
    Resource(
        path="groups",
        entity="Group",
        label="Grupper",
        queryset=access.groups_visible_to_client,
        fields=GROUP_FIELDS,
        serialize=group_rows,
        sortkeys={
            "ModifiedDesc": MODIFIED_DESC,
            "DisplayNameAsc": (SortKey("display_name", swedish=True), ID),
            "StartDateAsc": START_ASC,
            "StartDateDesc": START_DESC,
            "EndDateAsc": END_ASC,
            "EndDateDesc": END_DESC,
        },
        filters=_group_filters,
        expand=("assignmentRoles",),
        annotate=with_end,
    ),
)
