"""Serve /attendanceSchedule (singular, as the spec has it): children's care schedules.

Scope: the client's organisations. Rows about a protected pupil are left out unless the
client may see protected data, as for enrolments and memberships; a protected reporter,
registrar or substitute is not named; filters and lookups by a person or a duty go
through the memberships and teachers the client may see, so they find nothing the
listings hide.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import path

from skolsam.api.ss12000 import access, views, writes
from skolsam.api.ss12000 import services as api_services
from skolsam.api.ss12000.access import ApiScope, not_protected
from skolsam.api.ss12000.describe import Resource
from skolsam.api.ss12000.paging import BadRequest, ListQuery, as_date, as_uuid
from skolsam.api.ss12000.scopes import READ, WRITE
from skolsam.api.ss12000.serializers import Ctx, meta, put, ref
from skolsam.attendance.services.preschool import (
    attendance_schedule_delete,
    attendance_schedule_submit,
)

SCHEDULE_FIELDS = (
    "id",
    "created",
    "modified",
    "placement_id",
    "number_of_weeks",
    "start_date",
    "end_date",
    "temporary",
    "schedule_entries",
)


def schedule_rows(rows: Sequence[dict], ctx: Ctx) -> list[dict]:
    from skolsam.attendance.models import AttendanceScheduleStateChange

    states: dict[Any, list[dict]] = {}
    for change in (
        AttendanceScheduleStateChange.objects.filter(schedule_id__in=[r["id"] for r in rows])
        .order_by("registered_at", "id")
        .values("schedule_id", "state", "registered_at", "comment", "registered_by_id")
    ):
        item: dict[str, Any] = {"state": change["state"], "registeredAt": change["registered_at"]}
        put(item, "comment", change["comment"])
        if change["registered_by_id"]:
            item["registeredBy"] = ref(change["registered_by_id"], None, ctx)
        states.setdefault(change["schedule_id"], []).append(item)
    out = []
    for r in rows:
        entries = [
            {
                "weekOffset": e["weekOffset"],
                "dayOfWeek": e["dayOfWeek"],
                "startTime": e["startTime"],
                "endTime": e["endTime"],
            }
            for e in r["schedule_entries"]
        ]
        schedule: dict[str, Any] = {
            "id": r["id"],
            "meta": meta(r),
            "placement": ref(r["placement_id"], None, ctx),
            "numberOfWeeks": r["number_of_weeks"],
            "startDate": r["start_date"],
            "temporary": r["temporary"],
            "state": states.get(r["id"], []),
            "scheduleEntries": entries,
            # The spec lists `scheduleDays` as required without defining it; Skolsam sends
            # the entries under both names so strict clients are satisfied.
            "scheduleDays": entries,
        }
        put(schedule, "endDate", r["end_date"])
        out.append(schedule)
    return out


def _schedule_filters(qs: QuerySet, q: ListQuery, scope: ApiScope) -> QuerySet:
    if (placement := q.get("placement")) is not None:
        qs = qs.filter(placement_id=as_uuid(placement, "placement"))
    if (group := q.get("group")) is not None:
        qs = qs.filter(placement__group_id=as_uuid(group, "group"))
    for name, lookup in (
        ("startDate.onOrBefore", "start_date__lte"),
        ("startDate.onOrAfter", "start_date__gte"),
        ("endDate.onOrBefore", "end_date__lte"),
        ("endDate.onOrAfter", "end_date__gte"),
    ):
        if (raw := q.get(name)) is not None:
            qs = qs.filter(**{lookup: as_date(raw, name)})
    return qs


def _schedule_lookup(qs: QuerySet, body: dict[str, list[str]], scope: ApiScope) -> QuerySet:
    placements = [as_uuid(v, "placement") for v in body.get("placement", [])]
    return qs.filter(
        Q(pk__in=[as_uuid(v, "ids") for v in body.get("ids", [])]) | Q(placement_id__in=placements)
    )


# --- writes ---------------------------------------------------------------------------------

# The service's field names as the spec names them, for a refusal's message.
_FIELDS = {
    "schedule_entries": "scheduleEntries",
    "number_of_weeks": "numberOfWeeks",
    "start_date": "startDate",
    "end_date": "endDate",
}


def _entries(body: dict) -> list:
    # The spec requires `scheduleDays` without defining it; Skolsam answers with the
    # entries under both names, and reads either (`scheduleEntries` first).
    for name in ("scheduleEntries", "scheduleDays"):
        value = body.get(name)
        if value is not None:
            if not isinstance(value, list):
                raise BadRequest(f"{name}: ska vara en lista med tider.")
            return value
    raise BadRequest("scheduleEntries: krävs, en lista med tider.")


@views.api_view(("GET", "POST"), resource="attendanceSchedule")
def schedules(request: HttpRequest, scope: ApiScope) -> HttpResponse:
    """Submit a child's vistelseschema; it waits for approval (Begärt), as a guardian's does."""
    if request.method == "GET":
        return inspect.unwrap(views.resource_list)(request, scope, resource="attendanceSchedule")
    body = api_services.parse_json_object(request.body)
    placement_id = writes.ref_id(body, "placement")
    weeks = writes.integer(body, "numberOfWeeks", minimum=1, maximum=4)
    start = writes.day(body, "startDate")
    end = writes.day(body, "endDate", required=False)
    temporary = writes.boolean(body, "temporary", default=False)
    entries = _entries(body)
    # A protected child's placement the client may not see is as unknown as a missing one.
    placement = writes.referenced(
        access.placements_visible_to_client(scope)
        .filter(not_protected(scope, "child__"))
        .select_related("child"),
        placement_id,
        "placement",
        "Placeringen",
    )
    assert start is not None
    with writes.refusing(_FIELDS):
        schedule = attendance_schedule_submit(
            actor=scope.actor,
            placement=placement,
            entries=entries,
            start_date=start,
            end_date=end,
            number_of_weeks=weeks,
            temporary=temporary,
        )
    return writes.served(
        access.schedules_visible_to_client(scope),
        schedule.pk,
        fields=SCHEDULE_FIELDS,
        serialize=schedule_rows,
        scope=scope,
    )


@views.api_view(("GET", "DELETE"), resource="attendanceSchedule")
def schedule_detail(request: HttpRequest, scope: ApiScope, pk: str) -> HttpResponse:
    if request.method == "GET":
        return inspect.unwrap(views.resource_detail)(
            request, scope, resource="attendanceSchedule", pk=pk
        )
    schedule = writes.visible_or_404(
        access.schedules_visible_to_client(scope).select_related("placement"), pk
    )
    with writes.refusing(_FIELDS):
        attendance_schedule_delete(actor=scope.actor, schedule=schedule)
    return HttpResponse(status=204)


def _routes(base: str) -> list:
    """Routes that must come before the generic resource routes."""
    return [
        path(
            f"{base}attendanceSchedule/lookup",
            views.resource_lookup,
            {"resource": "attendanceSchedule"},
            name="attendance-schedule-lookup-first",
        ),
        path(f"{base}attendanceSchedule", schedules, name="attendance-schedule-collection"),
        path(
            f"{base}attendanceSchedule/<str:pk>", schedule_detail, name="attendance-schedule-item"
        ),
    ]


RESOURCES = (
    Resource(
        path="attendanceSchedule",
        entity="AttendanceSchedule",
        label="Vistelsescheman",
        access=(READ, WRITE),
        queryset=access.schedules_visible_to_client,
        fields=SCHEDULE_FIELDS,
        serialize=schedule_rows,
        sortkeys={},
        filters=_schedule_filters,
        lookup_keys=("ids", "placement"),
        lookup=_schedule_lookup,
        routes=_routes,
    ),
)
