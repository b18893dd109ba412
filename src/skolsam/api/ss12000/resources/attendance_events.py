"""Serve /attendanceEvents: check-ins and check-outs in preschool and school-age care.

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
from skolsam.api.ss12000.access import ApiScope, may_see_location, not_protected
from skolsam.api.ss12000.describe import Resource
from skolsam.api.ss12000.filtering import person_name, uuids
from skolsam.api.ss12000.paging import ListQuery, as_uuid
from skolsam.api.ss12000.resources import groups as group_resources
from skolsam.api.ss12000.resources import persons as person_resources
from skolsam.api.ss12000.scopes import READ, WRITE
from skolsam.api.ss12000.serializers import Ctx, meta, person_ref, ref
from skolsam.attendance.models import AttendanceEventType
from skolsam.attendance.services.preschool import (
    attendance_event_delete,
    attendance_event_register,
)

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


def attendance_event_rows_expanded(rows: Sequence[dict], ctx: Ctx) -> list[dict]:
    """Serialise check-ins with the person, group and registrar under `_embedded` when asked.

    Only what the reference itself shows is embedded: a protected registrar, left out
    of `registeredBy`, is not embedded either.
    """
    out = attendance_event_rows(rows, ctx)
    if not ctx.expand:
        return out
    wanted = {
        *(r["person_id"] for r in rows if "person" in ctx.expand),
        *(
            e["registeredBy"]["id"]
            for e in out
            if "registeredBy" in ctx.expand and "registeredBy" in e
        ),
    }
    persons = person_resources.persons_by_id(wanted, ctx)
    groups = (
        group_resources.groups_by_id((r["group_id"] for r in rows), ctx)
        if "group" in ctx.expand
        else {}
    )
    for r, e in zip(rows, out, strict=True):
        embedded: dict[str, Any] = {}
        if "person" in ctx.expand and r["person_id"] in persons:
            embedded["person"] = persons[r["person_id"]]
        if r["group_id"] in groups:
            embedded["group"] = groups[r["group_id"]]
        registrar = e.get("registeredBy", {}).get("id")
        if "registeredBy" in ctx.expand and registrar in persons:
            embedded["registeredBy"] = persons[registrar]
        e["_embedded"] = embedded
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


# --- writes ---------------------------------------------------------------------------------

# The service's field names as the spec names them, for a refusal's message.
_FIELDS = {"event_type": "eventType", "time": "time", "person": "person"}


@views.api_view(("GET", "POST"), resource="attendanceEvents")
def attendance_events(request: HttpRequest, scope: ApiScope) -> HttpResponse:
    """Check a child in or out, as a department's app sends it."""
    if request.method == "GET":
        return inspect.unwrap(views.resource_list)(request, scope, resource="attendanceEvents")
    body = api_services.parse_json_object(request.body)
    person_id = writes.ref_id(body, "person")
    group_id = writes.ref_id(body, "group")
    at = writes.moment(body, "time")
    kind = writes.choice(body, "eventType", AttendanceEventType.values)
    # A protected child the client may not see is as unknown as a missing one.
    person = writes.referenced(
        access.persons_visible_to_client(scope).filter(not_protected(scope)),
        person_id,
        "person",
        "Barnet",
    )
    group = writes.referenced(access.groups_visible_to_client(scope), group_id, "group", "Gruppen")
    with writes.refusing(_FIELDS):
        event = attendance_event_register(
            actor=scope.actor, person=person, group=group, event_type=kind, at=at
        )
    return writes.served(
        access.attendance_events_visible_to_client(scope),
        event.pk,
        fields=EVENT_FIELDS,
        serialize=attendance_event_rows,
        scope=scope,
    )


@views.api_view(("GET", "DELETE"), resource="attendanceEvents")
def attendance_event_detail(request: HttpRequest, scope: ApiScope, pk: str) -> HttpResponse:
    if request.method == "GET":
        return inspect.unwrap(views.resource_detail)(
            request, scope, resource="attendanceEvents", pk=pk
        )
    event = writes.visible_or_404(
        access.attendance_events_visible_to_client(scope).select_related("group"), pk
    )
    with writes.refusing(_FIELDS):
        attendance_event_delete(actor=scope.actor, event=event)
    return HttpResponse(status=204)


def _routes(base: str) -> list:
    """Routes that must come before the generic resource routes."""
    return [
        path(
            f"{base}attendanceEvents/lookup",
            views.resource_lookup,
            {"resource": "attendanceEvents"},
            name="attendance-events-lookup-first",
        ),
        path(f"{base}attendanceEvents", attendance_events, name="attendance-events-collection"),
        path(
            f"{base}attendanceEvents/<str:pk>",
            attendance_event_detail,
            name="attendance-event-item",
        ),
    ]


RESOURCES = (
    Resource(
        path="attendanceEvents",
        entity="AttendanceEvent",
        label="In- och utcheckning",
        access=(READ, WRITE),
        queryset=access.attendance_events_visible_to_client,
        fields=EVENT_FIELDS,
        serialize=attendance_event_rows_expanded,
        sortkeys={},
        filters=_event_filters,
        expand=("person", "group", "registeredBy"),
        lookup_keys=("ids", "person", "group"),
        lookup=_event_lookup,
        routes=_routes,
    ),
)
