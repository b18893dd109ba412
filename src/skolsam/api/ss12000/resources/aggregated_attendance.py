"""Serve /aggregatedAttendance: each pupil's minutes per activity summed over a period.

Scope: the client's organisations. Rows about a protected pupil are left out unless the
client may see protected data, as for enrolments and memberships; a protected reporter,
registrar or substitute is not named; filters and lookups by a person or a duty go
through the memberships and teachers the client may see, so they find nothing the
listings hide.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.urls import path

from skolsam.activities.models import Activity
from skolsam.api.ss12000 import access, views
from skolsam.api.ss12000.access import ApiScope
from skolsam.api.ss12000.describe import Endpoint, check_expand
from skolsam.api.ss12000.paging import BadRequest, as_bool, as_date, as_enum, as_uuid
from skolsam.api.ss12000.resources import activities as activity_resources
from skolsam.api.ss12000.resources import persons as person_resources
from skolsam.api.ss12000.serializers import Ctx, person_ref, ref
from skolsam.audit.services import audit_record
from skolsam.core.choices import SchoolType

EXPAND = ("activity", "student")


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
    rows = access.attendances_visible_to_client(scope).filter(date__range=(start, end))
    cond = Q()
    if q.get("organisation"):
        # The spec: attendance "från aktiviteter vilka ägs av angivet organisationselement".
        cond &= Q(
            calendar_event__activity__organisation_id=as_uuid(q["organisation"], "organisation")
        )
    if students := [as_uuid(v, "student") for v in q.getlist("student")]:
        cond &= Q(student_id__in=students)
    if types := [as_enum(v, "schoolType", SchoolType.values) for v in q.getlist("schoolType")]:
        # An activity's school type is that of its groups.
        cond &= Q(
            Exists(
                Activity.groups.through.objects.filter(
                    activity_id=OuterRef("calendar_event__activity_id"),
                    group__school_type__in=types,
                )
            )
        )
    expand = check_expand(EXPAND, q.getlist("expand"))
    sums = list(
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
    ctx = Ctx(scope=scope, names=names, expand=expand)
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
    if expand:
        _embed(sums, data, ctx)
    audit_record(
        actor=scope.actor,
        action="ss12000.read",
        object_type="AggregatedAttendance",
        person_ids=ctx.persons,
        detail={"client": scope.client_id, "rows": len(data), "start": start, "end": end},
    )
    return views.json_response({"data": data})


def _embed(sums: list[dict], data: list[dict], ctx: Ctx) -> None:
    """Put the activity and the pupil under `_embedded`, as their own endpoints serve them."""
    activities = (
        activity_resources.activities_by_id((r["calendar_event__activity_id"] for r in sums), ctx)
        if "activity" in ctx.expand
        else {}
    )
    students = (
        person_resources.persons_by_id((r["student_id"] for r in sums), ctx)
        if "student" in ctx.expand
        else {}
    )
    for r, item in zip(sums, data, strict=True):
        embedded: dict = {}
        if r["calendar_event__activity_id"] in activities:
            embedded["activity"] = activities[r["calendar_event__activity_id"]]
        if r["student_id"] in students:
            embedded["student"] = students[r["student_id"]]
        item["_embedded"] = embedded


RESOURCES = (
    Endpoint(
        path="aggregatedAttendance",
        label="Summerad närvaro",
        routes=lambda base: [
            path(
                f"{base}aggregatedAttendance",
                aggregated_attendance,
                name="aggregated-attendance",
            )
        ],
    ),
)
