"""Serve /attendanceEvents: check-ins and check-outs in preschool and school-age care.

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
from skolsam.api.ss12000.access import ApiScope, may_see_location
from skolsam.api.ss12000.describe import Resource
from skolsam.api.ss12000.filtering import person_name, uuids
from skolsam.api.ss12000.paging import ListQuery, as_uuid
from skolsam.api.ss12000.serializers import Ctx, meta, person_ref, ref

EVENT_FIELDS = (
    "id",
    "created",
    "modified",
    "time",
    "event_type",
    "person_id",
    "person__security_marking",
    "person__given_name",
    "person__family_name",
    "group_id",
    "group__display_name",
    "registered_by_id",
    "registered_by__given_name",
    "registered_by__family_name",
    "registered_by__security_marking",
)


def attendance_event_rows(rows: Sequence[dict], ctx: Ctx) -> list[dict]:
    out = []
    for r in rows:
        e: dict[str, Any] = {
            "id": r["id"],
            "meta": meta(r),
            "time": r["time"],
            "eventType": r["event_type"],
            "person": person_ref(
                r["person_id"],
                r["person__security_marking"],
                person_name(r["person__given_name"], r["person__family_name"]),
                ctx,
            ),
            "group": ref(r["group_id"], r["group__display_name"], ctx),
        }
        if r["registered_by_id"] and may_see_location(
            ctx.scope, r["registered_by__security_marking"]
        ):
            e["registeredBy"] = person_ref(
                r["registered_by_id"],
                r["registered_by__security_marking"],
                person_name(r["registered_by__given_name"], r["registered_by__family_name"]),
                ctx,
            )
        out.append(e)
    return out


def _event_filters(qs: QuerySet, q: ListQuery, scope: ApiScope) -> QuerySet:
    if groups := uuids(q, "group"):
        qs = qs.filter(group_id__in=groups)
    if (person := q.get("person")) is not None:
        qs = qs.filter(person_id=as_uuid(person, "person"))
    return qs


def _event_lookup(qs: QuerySet, body: dict[str, list[str]], scope: ApiScope) -> QuerySet:
    cond = Q(pk__in=[as_uuid(v, "ids") for v in body.get("ids", [])])
    if persons := [as_uuid(v, "person") for v in body.get("person", [])]:
        cond |= Q(person_id__in=persons)
    if groups := [as_uuid(v, "group") for v in body.get("group", [])]:
        cond |= Q(group_id__in=groups)
    return qs.filter(cond)


RESOURCES = (
    Resource(
        path="attendanceEvents",
        entity="AttendanceEvent",
        label="In- och utcheckning",
        queryset=access.attendance_events_visible_to_client,
        fields=EVENT_FIELDS,
        serialize=attendance_event_rows,
        sortkeys={},
        filters=_event_filters,
        lookup_keys=("ids", "person", "group"),
        lookup=_event_lookup,
    ),
)
