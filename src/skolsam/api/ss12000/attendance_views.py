"""Answer attendance's SS 12000 writes and aggregates: POST and DELETE /attendances,
GET /aggregatedAttendance. Reads go through the generic views (attendance_resources.py)."""

from __future__ import annotations

import inspect
from typing import Any

from django.db.models import Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path

from skolsam.api.ss12000 import services as api_services
from skolsam.api.ss12000 import views
from skolsam.api.ss12000.access import ApiScope, not_protected, persons_visible_to_client
from skolsam.api.ss12000.attendance_resources import (
    ATTENDANCE_FIELDS,
    attendance_rows,
    attendances_visible_to_client,
)
from skolsam.api.ss12000.paging import BadRequest, as_bool, as_date, as_uuid
from skolsam.api.ss12000.serializers import Ctx, person_ref, ref
from skolsam.attendance.models import Attendance
from skolsam.attendance.services.other_systems import attendance_delete, attendance_set_minutes
from skolsam.audit.services import audit_record
from skolsam.core.errors import DomainError
from skolsam.schedule.models import CalendarEvent


def _int(body: dict, name: str) -> int:
    value = body.get(name, 0)
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadRequest(f"{name}: måste vara ett heltal.")
    return value


def _ref_id(body: dict, name: str) -> Any:
    value = body.get(name)
    if not isinstance(value, dict) or "id" not in value:
        raise BadRequest(f"{name}: en referens med id krävs.")
    return as_uuid(str(value["id"]), f"{name}.id")


@views.api_view(("GET", "POST"), resource="attendances")
def attendances(request: HttpRequest, scope: ApiScope) -> HttpResponse:
    if request.method == "GET":
        return inspect.unwrap(views.resource_list)(request, scope, resource="attendances")
    body = api_services.parse_json_object(request.body)
    lesson = (
        CalendarEvent.objects.filter(
            pk=_ref_id(body, "calendarEvent"), organisation_id__in=scope.org_ids
        )
        .select_related("activity")
        .first()
    )
    student = (
        persons_visible_to_client(scope)
        .filter(not_protected(scope), pk=_ref_id(body, "student"))
        .first()
    )
    if lesson is None or student is None:
        raise Http404
    try:
        row = attendance_set_minutes(
            actor=scope.actor,
            lesson=lesson,
            student=student,
            attendance_minutes=_int(body, "attendanceMinutes"),
            valid_absence_minutes=_int(body, "validAbsenceMinutes"),
            invalid_absence_minutes=_int(body, "invalidAbsenceMinutes"),
            other_attendance_minutes=_int(body, "otherAttendanceMinutes"),
            absence_reason=str(body.get("absenceReason") or ""),
        )
    except DomainError as exc:
        raise BadRequest(" ".join(exc.messages)) from None
    data = attendance_rows(
        list(Attendance.objects.filter(pk=row.pk).values(*ATTENDANCE_FIELDS)), Ctx(scope=scope)
    )
    # The spec answers a created attendance with 200, not 201.
    return views.json_response(data[0])


@views.api_view(("GET", "DELETE"), resource="attendances")
def attendance_detail(request: HttpRequest, scope: ApiScope, pk: str) -> HttpResponse:
    if request.method == "GET":
        return inspect.unwrap(views.resource_detail)(request, scope, resource="attendances", pk=pk)
    row = attendances_visible_to_client(scope).filter(pk=as_uuid(pk, "id")).first()
    if row is None:
        raise Http404
    attendance_delete(actor=scope.actor, attendance=row)
    return HttpResponse(status=204)


@views.api_view(("GET",), resource="aggregatedAttendance")
def aggregated_attendance(request: HttpRequest, scope: ApiScope) -> HttpResponse:
    """Sum each pupil's minutes per activity between startDate and endDate (both required)."""
    q = request.GET
    if not q.get("startDate") or not q.get("endDate"):
        raise BadRequest("startDate och endDate krävs.")
    start, end = as_date(q["startDate"], "startDate"), as_date(q["endDate"], "endDate")
    names = (
        as_bool(q["expandReferenceNames"], "expandReferenceNames")
        if "expandReferenceNames" in q
        else False
    )
    rows = attendances_visible_to_client(scope).filter(date__range=(start, end))
    cond = Q()
    if q.get("organisation"):
        cond &= Q(organisation_id=as_uuid(q["organisation"], "organisation"))
    if q.get("student"):
        cond &= Q(student_id=as_uuid(q["student"], "student"))
    if q.get("activity"):
        cond &= Q(calendar_event__activity_id=as_uuid(q["activity"], "activity"))
    sums = (
        rows.filter(cond)
        .values(
            "student_id",
            "student__security_marking",
            "student__given_name",
            "student__family_name",
            "calendar_event__activity_id",
            "calendar_event__activity__display_name",
        )
        .annotate(
            attendance=Sum("attendance_minutes"),
            valid=Sum("valid_absence_minutes"),
            invalid=Sum("invalid_absence_minutes"),
            other=Sum("other_attendance_minutes"),
            reported=Sum(
                "calendar_event__duration_minutes",
                filter=Q(calendar_event__reported_at__isnull=False),
            ),
            offered=Sum("calendar_event__duration_minutes"),
        )
        .order_by("student_id", "calendar_event__activity_id")[:10000]
    )
    ctx = Ctx(scope=scope, names=names)
    data = [
        {
            "activity": ref(
                r["calendar_event__activity_id"], r["calendar_event__activity__display_name"], ctx
            ),
            "student": person_ref(
                r["student_id"],
                r["student__security_marking"],
                f"{r['student__given_name']} {r['student__family_name']}",
                ctx,
            ),
            "startDate": start,
            "endDate": end,
            "attendanceSum": r["attendance"] or 0,
            "validAbsenceSum": r["valid"] or 0,
            "invalidAbsenceSum": r["invalid"] or 0,
            "otherAttendanceSum": r["other"] or 0,
            "reportedSum": r["reported"] or 0,
            "offeredSum": r["offered"] or 0,
        }
        for r in sums
    ]
    audit_record(
        actor=scope.actor,
        action="ss12000.read",
        object_type="AggregatedAttendance",
        person_ids=ctx.persons,
        detail={"client": scope.client_id, "rows": len(data), "start": start, "end": end},
    )
    return views.json_response({"data": data})


def urlpatterns(base: str) -> list:
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
        path(f"{base}aggregatedAttendance", aggregated_attendance, name="aggregated-attendance"),
    ]
