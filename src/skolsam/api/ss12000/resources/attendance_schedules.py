"""Serve /attendanceSchedule (singular, as the spec has it): children's care schedules.

Scope: the client's organisations. Rows about a protected pupil are left out unless the
client may see protected data, as for enrolments and memberships; a protected reporter,
registrar or substitute is not named; filters and lookups by a person or a duty go
through the memberships and teachers the client may see, so they find nothing the
listings hide.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Q, QuerySet

from skolsam.api.ss12000 import access
from skolsam.api.ss12000.access import ApiScope
from skolsam.api.ss12000.describe import Resource
from skolsam.api.ss12000.paging import ListQuery, as_date, as_uuid
from skolsam.api.ss12000.serializers import Ctx, meta, put, ref

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


RESOURCES = (
    Resource(
        path="attendanceSchedule",
        entity="AttendanceSchedule",
        label="Vistelsescheman",
        queryset=access.schedules_visible_to_client,
        fields=SCHEDULE_FIELDS,
        serialize=schedule_rows,
        sortkeys={},
        filters=_schedule_filters,
        lookup_keys=("ids", "placement"),
        lookup=_schedule_lookup,
    ),
)
