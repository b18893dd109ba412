"""Serve /attendances: each pupil's minutes at a lesson; read, and written with POST and DELETE.

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
from skolsam.api.ss12000.access import (
    ApiScope,
    may_see_location,
    not_protected,
    persons_visible_to_client,
)
from skolsam.api.ss12000.describe import Resource
from skolsam.api.ss12000.filtering import person_name, subtree_in_scope
from skolsam.api.ss12000.paging import ListQuery, as_uuid
from skolsam.api.ss12000.scopes import READ, WRITE
from skolsam.api.ss12000.serializers import Ctx, meta, person_ref, put, ref
from skolsam.attendance.services.other_systems import attendance_delete, attendance_set_minutes

ATTENDANCE_FIELDS = (
    "id",
    "created",
    "modified",
    "calendar_event_id",
    "calendar_event__reported_at",
    "student_id",
    "student__security_marking",
    "student__given_name",
    "student__family_name",
    "reporter_id",
    "reporter__security_marking",
    "reporter__given_name",
    "reporter__family_name",
    "attendance_minutes",
    "valid_absence_minutes",
    "invalid_absence_minutes",
    "other_attendance_minutes",
    "absence_reason",
    "reported_timestamp",
)


def attendance_rows(rows: Sequence[dict], ctx: Ctx) -> list[dict]:
    out = []
    for r in rows:
        a: dict[str, Any] = {
            "id": r["id"],
            "meta": meta(r),
            "calendarEvent": ref(r["calendar_event_id"], None, ctx),
            "student": person_ref(
                r["student_id"],
                r["student__security_marking"],
                person_name(r["student__given_name"], r["student__family_name"]),
                ctx,
            ),
            "isReported": r["calendar_event__reported_at"] is not None,
            "attendanceMinutes": r["attendance_minutes"],
            "validAbsenceMinutes": r["valid_absence_minutes"],
            "invalidAbsenceMinutes": r["invalid_absence_minutes"],
            "otherAttendanceMinutes": r["other_attendance_minutes"],
        }
        if r["reporter_id"] and may_see_location(ctx.scope, r["reporter__security_marking"]):
            ctx.persons.add(r["reporter_id"])
            a["reporter"] = ref(
                r["reporter_id"],
                person_name(r["reporter__given_name"], r["reporter__family_name"]),
                ctx,
            )
        put(a, "absenceReason", r["absence_reason"])
        put(a, "reportedTimestamp", r["reported_timestamp"])
        out.append(a)
    return out


def _attendance_filters(qs: QuerySet, q: ListQuery, scope: ApiScope) -> QuerySet:
    if (student := q.get("student")) is not None:
        qs = qs.filter(student_id=as_uuid(student, "student"))
    if (org := q.get("organisation")) is not None:
        qs = qs.filter(organisation_id__in=subtree_in_scope(scope, as_uuid(org, "organisation")))
    if (event := q.get("calendarEvent")) is not None:
        qs = qs.filter(calendar_event_id=as_uuid(event, "calendarEvent"))
    return qs


def _attendance_lookup(qs: QuerySet, body: dict[str, list[str]], scope: ApiScope) -> QuerySet:
    # `calendareEvents` is the spec's spelling.
    cond = Q(pk__in=[as_uuid(v, "ids") for v in body.get("ids", [])])
    if activities := [as_uuid(v, "activities") for v in body.get("activities", [])]:
        cond |= Q(calendar_event__activity_id__in=activities)
    if students := [as_uuid(v, "students") for v in body.get("students", [])]:
        cond |= Q(student_id__in=students)
    if events := [as_uuid(v, "calendareEvents") for v in body.get("calendareEvents", [])]:
        cond |= Q(calendar_event_id__in=events)
    return qs.filter(cond)


# --- writes ---------------------------------------------------------------------------------

# The service's field names as the spec names them, for a refusal's message.
_FIELDS = {
    "minutes": "attendanceMinutes + validAbsenceMinutes + invalidAbsenceMinutes"
    " + otherAttendanceMinutes",
    "student": "student",
    "absence_reason": "absenceReason",
}


@views.api_view(("GET", "POST"), resource="attendances")
def attendances(request: HttpRequest, scope: ApiScope) -> HttpResponse:
    if request.method == "GET":
        return inspect.unwrap(views.resource_list)(request, scope, resource="attendances")
    body = api_services.parse_json_object(request.body)
    lesson_id = writes.ref_id(body, "calendarEvent")
    student_id = writes.ref_id(body, "student")
    minutes = {
        name: writes.integer(body, name, default=0)
        for name in (
            "attendanceMinutes",
            "validAbsenceMinutes",
            "invalidAbsenceMinutes",
            "otherAttendanceMinutes",
        )
    }
    reason = writes.text(body, "absenceReason", max_length=100)
    # Required by the spec; true marks the lesson reported (see the service).
    reported = writes.boolean(body, "isReported")
    lesson = writes.referenced(
        access.calendar_events_visible_to_client(scope).select_related("activity"),
        lesson_id,
        "calendarEvent",
        "Lektionen",
    )
    # A protected pupil the client may not see is as unknown as a missing one.
    student = writes.referenced(
        persons_visible_to_client(scope).filter(not_protected(scope)),
        student_id,
        "student",
        "Eleven",
    )
    with writes.refusing(_FIELDS):
        row = attendance_set_minutes(
            actor=scope.actor,
            lesson=lesson,
            student=student,
            attendance_minutes=minutes["attendanceMinutes"],
            valid_absence_minutes=minutes["validAbsenceMinutes"],
            invalid_absence_minutes=minutes["invalidAbsenceMinutes"],
            other_attendance_minutes=minutes["otherAttendanceMinutes"],
            absence_reason=reason,
            lesson_reported=reported,
        )
    return writes.served(
        access.attendances_visible_to_client(scope),
        row.pk,
        fields=ATTENDANCE_FIELDS,
        serialize=attendance_rows,
        scope=scope,
    )


@views.api_view(("GET", "DELETE"), resource="attendances")
def attendance_detail(request: HttpRequest, scope: ApiScope, pk: str) -> HttpResponse:
    if request.method == "GET":
        return inspect.unwrap(views.resource_detail)(request, scope, resource="attendances", pk=pk)
    row = writes.visible_or_404(access.attendances_visible_to_client(scope), pk)
    attendance_delete(actor=scope.actor, attendance=row)
    return HttpResponse(status=204)


def _routes(base: str) -> list:
    """Routes that must come before the generic resource routes."""
    return [
        path(
            f"{base}attendances/lookup",
            views.resource_lookup,
            {"resource": "attendances"},
            name="attendances-lookup-first",
        ),
        path(f"{base}attendances", attendances, name="attendances-collection"),
        path(f"{base}attendances/<str:pk>", attendance_detail, name="attendance-item"),
    ]


RESOURCES = (
    Resource(
        path="attendances",
        entity="Attendance",
        label="Närvaro",
        access=(READ, WRITE),
        queryset=access.attendances_visible_to_client,
        fields=ATTENDANCE_FIELDS,
        serialize=attendance_rows,
        sortkeys={},
        filters=_attendance_filters,
        lookup_keys=("ids", "activities", "students", "calendareEvents"),
        lookup=_attendance_lookup,
        routes=_routes,
    ),
)
