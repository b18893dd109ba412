"""Serve /calendarEvents: the lessons of the client's organisations.

Scope: the client's organisations. Rows about a protected pupil are left out unless the
client may see protected data, as for enrolments and memberships; a protected reporter,
registrar or substitute is not named; filters and lookups by a person or a duty go
through the memberships and teachers the client may see, so they find nothing the
listings hide.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from skolsam.activities.models import Activity
from skolsam.api.ss12000 import access
from skolsam.api.ss12000.access import ApiScope, may_see_location
from skolsam.api.ss12000.describe import ID, ID_DESC, MODIFIED_DESC, Resource
from skolsam.api.ss12000.filtering import (
    person_name,
    subtree_in_scope,
    time_filter,
    uuids,
)
from skolsam.api.ss12000.paging import BadRequest, ListQuery, SortKey, as_uuid
from skolsam.api.ss12000.resources import activities as activity_resources
from skolsam.api.ss12000.resources import attendances as attendance_resources
from skolsam.api.ss12000.resources.activities import teaching
from skolsam.api.ss12000.serializers import Ctx, group_by_output, meta, put, ref
from skolsam.core.db import AnyOf

CALENDAR_FIELDS = (
    "id",
    "created",
    "modified",
    "activity_id",
    "activity__display_name",
    "start_time",
    "end_time",
    "cancelled",
    "duration_minutes",
    "comment",
    "substitute_id",
    "substitute__person_id",
    "substitute__person__security_marking",
    "substitute__person__given_name",
    "substitute__person__family_name",
    "organisation_id",
    "room",
)


def _rooms(rows: Sequence[dict], ctx: Ctx) -> dict[tuple[Any, str], dict]:
    """Return the page's rooms by (school unit, name), read in one query."""
    named = {(r["organisation_id"], r["room"]) for r in rows if r["room"]}
    if not named:
        return {}
    found = access.rooms_visible_to_client(ctx.scope).filter(
        owner_id__in={o for o, _ in named}, display_name__in={n for _, n in named}
    )
    return {
        (room["owner_id"], room["display_name"]): ref(room["id"], room["display_name"], ctx)
        for room in found.values("id", "owner_id", "display_name")
    }


def calendar_event_rows(rows: Sequence[dict], ctx: Ctx) -> list[dict]:
    rooms = _rooms(rows, ctx)
    out = []
    for r in rows:
        e: dict[str, Any] = {
            "id": r["id"],
            "meta": meta(r),
            "activity": ref(r["activity_id"], r["activity__display_name"], ctx),
            "startTime": r["start_time"],
            "endTime": r["end_time"],
            "cancelled": r["cancelled"],
            "teachingLengthStudent": r["duration_minutes"],
        }
        put(e, "comment", r["comment"])
        # The lesson names its room by its name at the school unit (services.rooms_ensure).
        if room := rooms.get((r["organisation_id"], r["room"])):
            e["rooms"] = [room]
        # A protected substitute is left out: the exception would place her at the lesson.
        if r["substitute_id"] and may_see_location(
            ctx.scope, r["substitute__person__security_marking"]
        ):
            ctx.persons.add(r["substitute__person_id"])
            name = person_name(
                r["substitute__person__given_name"], r["substitute__person__family_name"]
            )
            e["teacherExceptions"] = [
                {"duty": ref(r["substitute_id"], name, ctx), "participates": True}
            ]
        out.append(e)
    return out


def calendar_event_rows_expanded(rows: Sequence[dict], ctx: Ctx) -> list[dict]:
    """Serialise lessons with `_embedded.activity` and `_embedded.attendance` when asked.

    The attendance is the lesson's rows as /attendances serves them to this client:
    scoped, a protected pupil's rows left out and a protected reporter not named, and
    every pupil in them recorded for the audit log like any other read.
    """
    out = calendar_event_rows(rows, ctx)
    if not ctx.expand:
        return out
    activities = (
        activity_resources.activities_by_id((r["activity_id"] for r in rows), ctx)
        if "activity" in ctx.expand
        else {}
    )
    attendance: dict[Any, list[dict]] = {}
    if "attendance" in ctx.expand and rows:
        attendance_rows = list(
            access.attendances_visible_to_client(ctx.scope)
            .filter(AnyOf("calendar_event_id", [r["id"] for r in rows]))
            .order_by("id")
            .values(*attendance_resources.ATTENDANCE_FIELDS)
        )
        attendance = group_by_output(
            attendance_rows,
            attendance_resources.attendance_rows(attendance_rows, ctx),
            "calendar_event_id",
        )
    for r, e in zip(rows, out, strict=True):
        embedded: dict[str, Any] = {}
        if r["activity_id"] in activities:
            embedded["activity"] = activities[r["activity_id"]]
        if "attendance" in ctx.expand:
            embedded["attendance"] = attendance.get(r["id"], [])
        e["_embedded"] = embedded
    return out


def lessons_of_students(scope: ApiScope, person_ids: list[Any]) -> Q:
    """Lessons of the groups these pupils belong to on the lesson's day.

    Only through memberships the client may see (as /groups lists them): a protected
    pupil's lessons, or a pupil's in another municipality, are not found by asking.
    """
    members = (
        access.memberships_visible_to_client(scope)
        .filter(
            person_id__in=person_ids,
            start_date__lte=OuterRef("date"),
            group_id__in=Activity.groups.through.objects.filter(
                activity_id=OuterRef(OuterRef("activity_id"))
            ).values("group_id"),
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=OuterRef("date")))
    )
    return Q(Exists(members))


def lessons_taught_by(scope: ApiScope, duty_ids: list[Any]) -> Q:
    """Lessons these duties teach, as the activity's teachers or as the substitute."""
    substitutes = access.duties_visible_to_client(scope).filter(pk__in=duty_ids)
    return teaching(scope, duty_ids, activity="activity_id") | Q(
        substitute_id__in=substitutes.values("pk")
    )


def _calendar_filters(qs: QuerySet, q: ListQuery, scope: ApiScope) -> QuerySet:
    if not q.from_token:
        for required in ("startTime.onOrAfter", "startTime.onOrBefore"):
            if q.get(required) is None:
                raise BadRequest(f"{required} krävs.")
    qs = qs.filter(
        time_filter(q, "startTime", "start_time") & time_filter(q, "endTime", "end_time")
    )
    if activities := uuids(q, "activity"):
        qs = qs.filter(activity_id__in=activities)
    if (student := q.get("student")) is not None:
        qs = qs.filter(lessons_of_students(scope, [as_uuid(student, "student")]))
    if (teacher := q.get("teacher")) is not None:
        qs = qs.filter(lessons_taught_by(scope, [as_uuid(teacher, "teacher")]))
    if (org := q.get("organisation")) is not None:
        qs = qs.filter(organisation_id__in=subtree_in_scope(scope, as_uuid(org, "organisation")))
    if groups := uuids(q, "group"):
        qs = qs.filter(_of_groups(groups))
    return qs


def _of_groups(group_ids: list[Any]) -> Q:
    return Q(
        Exists(
            Activity.groups.through.objects.filter(
                activity_id=OuterRef("activity_id"), group_id__in=group_ids
            )
        )
    )


def _calendar_lookup(qs: QuerySet, body: dict[str, list[str]], scope: ApiScope) -> QuerySet:
    cond = Q(pk__in=[as_uuid(v, "ids") for v in body.get("ids", [])])
    if activities := [as_uuid(v, "activities") for v in body.get("activities", [])]:
        cond |= Q(activity_id__in=activities)
    if students := [as_uuid(v, "student") for v in body.get("student", [])]:
        cond |= lessons_of_students(scope, students)
    if teachers := [as_uuid(v, "teacher") for v in body.get("teacher", [])]:
        cond |= lessons_taught_by(scope, teachers)
    return qs.filter(cond)


RESOURCES = (
    Resource(
        path="calendarEvents",
        entity="CalendarEvent",
        label="Lektioner",
        queryset=access.calendar_events_visible_to_client,
        fields=CALENDAR_FIELDS,
        serialize=calendar_event_rows_expanded,
        sortkeys={
            "ModifiedDesc": MODIFIED_DESC,
            "StartTimeAsc": (SortKey("start_time", kind="datetime"), ID),
            "StartTimeDesc": (SortKey("start_time", desc=True, kind="datetime"), ID_DESC),
        },
        filters=_calendar_filters,
        expand=("activity", "attendance"),
        lookup_keys=("ids", "activities", "student", "teacher"),
        lookup=_calendar_lookup,
    ),
)
