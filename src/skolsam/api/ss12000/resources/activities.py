"""Serve /activities: what is taught to which groups, by which teachers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any
from uuid import UUID

from django.db.models import Exists, OuterRef, Q, QuerySet

from skolsam.activities.models import Activity
from skolsam.api.ss12000 import access
from skolsam.api.ss12000.access import ApiScope
from skolsam.api.ss12000.describe import ID, MODIFIED_DESC, Resource
from skolsam.api.ss12000.filtering import one_uuid, person_name, subtree_in_scope
from skolsam.api.ss12000.paging import ListQuery, SortKey, as_uuid, period_filters
from skolsam.api.ss12000.resources import curriculum as curriculum_resources
from skolsam.api.ss12000.resources import duties as duty_resources
from skolsam.api.ss12000.resources import groups as group_resources
from skolsam.api.ss12000.serializers import Ctx, group_by, meta, put, ref
from skolsam.core.db import AnyOf

ACTIVITY_FIELDS = (
    "id",
    "created",
    "modified",
    "display_name",
    "calendar_events_required",
    "start_date",
    "end_date",
    "activity_type",
    "comment",
    "minutes_planned",
    "syllabus_id",
    "syllabus__subject_name",
    "organisation_id",
    "organisation__display_name",
)


def activity_rows(rows: Sequence[dict], ctx: Ctx) -> list[dict]:
    from skolsam.activities.models import Activity

    ids = [r["id"] for r in rows]
    groups = group_by(
        Activity.groups.through.objects.filter(AnyOf("activity_id", ids))
        .order_by("id")
        .values("activity_id", "group_id", "group__display_name"),
        "activity_id",
    )
    teachers = group_by(
        access.activity_teachers_visible_to_client(ctx.scope)
        .filter(AnyOf("activity_id", ids))
        .order_by("id")
        .values(
            "activity_id",
            "duty_id",
            "duty__person_id",
            "duty__person__given_name",
            "duty__person__family_name",
            "start_date",
            "end_date",
            "minutes_planned",
            "grader",
        ),
        "activity_id",
    )
    out = []
    for r in rows:
        a: dict[str, Any] = {
            "id": r["id"],
            "meta": meta(r),
            "displayName": r["display_name"],
            "calendarEventsRequired": r["calendar_events_required"],
            "startDate": r["start_date"],
            "activityType": r["activity_type"],
            "groups": [
                ref(g["group_id"], g["group__display_name"], ctx) for g in groups.get(r["id"], ())
            ],
            "organisation": ref(r["organisation_id"], r["organisation__display_name"], ctx),
        }
        put(a, "endDate", r["end_date"])
        put(a, "comment", r["comment"])
        put(a, "minutesPlanned", r["minutes_planned"])
        assignments = []
        for t in teachers.get(r["id"], ()):
            ctx.persons.add(t["duty__person_id"])
            name = person_name(t["duty__person__given_name"], t["duty__person__family_name"])
            item: dict[str, Any] = {"duty": ref(t["duty_id"], name, ctx)}
            put(item, "startDate", t["start_date"])
            put(item, "endDate", t["end_date"])
            put(item, "minutesPlanned", t["minutes_planned"])
            item["grader"] = t["grader"]
            assignments.append(item)
        put(a, "teachers", assignments)
        if r["syllabus_id"]:
            a["syllabus"] = ref(r["syllabus_id"], r["syllabus__subject_name"], ctx)
        out.append(a)
    if ctx.expand:
        _expand_activities(rows, out, groups, teachers, ctx)
    return out


def _expand_activities(
    rows: Sequence[dict],
    out: list[dict],
    groups: dict[Any, list[dict]],
    teachers: dict[Any, list[dict]],
    ctx: Ctx,
) -> None:
    scope = ctx.scope
    group_out: dict[UUID, dict] = {}
    if "groups" in ctx.expand:
        group_ids = {g["group_id"] for gs in groups.values() for g in gs}
        group_data = list(
            access.groups_visible_to_client(scope)
            .filter(pk__in=group_ids)
            .values(*group_resources.GROUP_FIELDS)
        )
        group_out = {
            r["id"]: g
            for r, g in zip(group_data, group_resources.group_rows(group_data, ctx), strict=True)
        }
    duty_out: dict[UUID, dict] = {}
    if "teachers" in ctx.expand:
        duty_ids = {t["duty_id"] for ts in teachers.values() for t in ts}
        duty_data = list(
            access.duties_visible_to_client(scope)
            .filter(pk__in=duty_ids)
            .values(*duty_resources.DUTY_FIELDS)
        )
        duty_out = {
            r["id"]: d
            for r, d in zip(duty_data, duty_resources.duty_rows_out(duty_data, ctx), strict=True)
        }
    syllabus_out: dict[UUID, dict] = {}
    if "syllabus" in ctx.expand:
        syllabus_data = list(
            access.syllabuses_visible_to_client(scope)
            .filter(pk__in={r["syllabus_id"] for r in rows if r["syllabus_id"]})
            .values(*curriculum_resources.SYLLABUS_FIELDS)
        )
        syllabus_out = {
            r["id"]: s
            for r, s in zip(
                syllabus_data, curriculum_resources.syllabus_rows(syllabus_data, ctx), strict=True
            )
        }
    for r, a in zip(rows, out, strict=True):
        embedded: dict[str, Any] = {}
        if "groups" in ctx.expand:
            embedded["groups"] = [
                group_out[g["group_id"]]
                for g in groups.get(r["id"], ())
                if g["group_id"] in group_out
            ]
        if "teachers" in ctx.expand:
            embedded["teachers"] = [
                duty_out[t["duty_id"]]
                for t in teachers.get(r["id"], ())
                if t["duty_id"] in duty_out
            ]
        if "syllabus" in ctx.expand and r["syllabus_id"] in syllabus_out:
            embedded["syllabus"] = syllabus_out[r["syllabus_id"]]
        a["_embedded"] = embedded


def activities_by_id(ids: Iterable[UUID], ctx: Ctx) -> dict[UUID, dict]:
    """Serialise the visible activities among `ids` (for `_embedded`), without expansions."""
    wanted = set(ids)
    if not wanted:
        return {}
    rows = list(
        access.activities_visible_to_client(ctx.scope)
        .filter(AnyOf("pk", wanted))
        .values(*ACTIVITY_FIELDS)
    )
    # The embedding resource's expand values are not the activity's own.
    plain = replace(ctx, expand=frozenset())
    return {r["id"]: a for r, a in zip(rows, activity_rows(rows, plain), strict=True)}


def members_of(scope: ApiScope, person_ids: list[UUID], activity: str = "pk") -> Q:
    """Activities (through `activity`) of groups these persons belong to.

    Only through memberships the client may see, as /groups lists them: a protected
    pupil's class is not found by asking for her.
    """
    groups = access.memberships_visible_to_client(scope).filter(person_id__in=person_ids)
    return Q(
        Exists(
            Activity.groups.through.objects.filter(
                activity_id=OuterRef(activity), group_id__in=groups.values("group_id")
            )
        )
    )


def teaching(scope: ApiScope, duty_ids: list[UUID], activity: str = "pk") -> Q:
    """Activities (through `activity`) these duties teach, as the client may see them."""
    return Q(
        Exists(
            access.activity_teachers_visible_to_client(scope).filter(
                activity_id=OuterRef(activity), duty_id__in=duty_ids
            )
        )
    )


def _activity_filters(qs: QuerySet, q: ListQuery, scope: ApiScope) -> QuerySet:
    if (member := one_uuid(q, "member")) is not None:
        qs = qs.filter(members_of(scope, [member]))
    if (teacher := one_uuid(q, "teacher")) is not None:
        qs = qs.filter(teaching(scope, [teacher]))
    if (org := one_uuid(q, "organisation")) is not None:
        qs = qs.filter(organisation_id__in=subtree_in_scope(scope, org))
    if (group := one_uuid(q, "group")) is not None:
        qs = qs.filter(groups=group)
    return qs.filter(period_filters(q))


def _activity_lookup(qs: QuerySet, body: dict[str, list[str]], scope: ApiScope) -> QuerySet:
    cond = Q(pk__in=[as_uuid(v, "ids") for v in body.get("ids", [])])
    if teachers := [as_uuid(v, "teachers") for v in body.get("teachers", [])]:
        cond |= teaching(scope, teachers)
    if members := [as_uuid(v, "members") for v in body.get("members", [])]:
        cond |= members_of(scope, members)
    return qs.filter(cond)


RESOURCES = (
    Resource(
        path="activities",
        entity="Activity",
        label="Aktiviteter",
        queryset=access.activities_visible_to_client,
        fields=ACTIVITY_FIELDS,
        serialize=activity_rows,
        sortkeys={
            "ModifiedDesc": MODIFIED_DESC,
            "DisplayNameAsc": (SortKey("display_name", swedish=True), ID),
        },
        filters=_activity_filters,
        expand=("groups", "teachers", "syllabus"),
        lookup_keys=("ids", "teachers", "members"),
        lookup=_activity_lookup,
    ),
)
