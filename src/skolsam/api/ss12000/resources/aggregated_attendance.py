"""Serve /aggregatedAttendance: each pupil's minutes per activity summed over a period.

Scope: the client's organisations. Rows about a protected pupil are left out unless the
client may see protected data, as for enrolments and memberships; a protected reporter,
registrar or substitute is not named; filters and lookups by a person or a duty go
through the memberships and teachers the client may see, so they find nothing the
listings hide.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.urls import path

from skolsam.activities.models import Activity
from skolsam.api.ss12000 import access, views
from skolsam.api.ss12000.access import ApiScope
from skolsam.api.ss12000.describe import Endpoint, check_expand
from skolsam.api.ss12000.paging import (
    BadRequest,
    SortKey,
    as_bool,
    as_date,
    as_enum,
    as_uuid,
    fetch_page,
    parse_list_query,
)
from skolsam.api.ss12000.resources import activities as activity_resources
from skolsam.api.ss12000.resources import persons as person_resources
from skolsam.api.ss12000.serializers import Ctx, person_ref, ref
from skolsam.audit.services import audit_record
from skolsam.core.choices import SchoolType

EXPAND = ("activity", "student")
KEYS = (
    SortKey("student_id", kind="uuid", immutable=True),
    SortKey("calendar_event__activity_id", kind="uuid", immutable=True),
)
SUM_FIELDS = (
    "student_id",
    "student__security_marking",
    "student__given_name",
    "student__family_name",
    "calendar_event__activity_id",
    "calendar_event__activity__display_name",
    "attendance",
    "valid",
    "invalid",
    "other",
    "reported",
    "offered",
)


def _sums(rows: QuerySet) -> QuerySet:
    """One row per pupil and activity, with the period's minutes summed."""
    return rows.values(*SUM_FIELDS[:6]).annotate(
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


@views.api_view(("GET",), resource="aggregatedAttendance")
def aggregated_attendance(request: HttpRequest, scope: ApiScope) -> HttpResponse:
    """Sum each pupil's minutes per activity between startDate and endDate (both required)."""
    # Paged like every list: limit, and a pageToken that carries the query (so it stands
    # alone, startDate and endDate included), keyed on (student, activity), which a sum
    # never changes.
    q = parse_list_query(
        endpoint="aggregatedAttendance",
        query=views.request_query(request),
        client_id=scope.client_id,
        max_limit=settings.SKOLSAM_SS12000_MAX_PAGE_SIZE,
    )
    start_text, end_text = q.get("startDate"), q.get("endDate")
    if not start_text or not end_text:
        raise BadRequest("startDate och endDate krävs.")
    start, end = as_date(start_text, "startDate"), as_date(end_text, "endDate")
    names_text = q.get("expandReferenceNames")
    names = as_bool(names_text, "expandReferenceNames") if names_text is not None else False
    rows = access.attendances_visible_to_client(scope).filter(date__range=(start, end))
    cond = Q()
    if organisation := q.get("organisation"):
        # The spec: attendance "från aktiviteter vilka ägs av angivet organisationselement".
        cond &= Q(calendar_event__activity__organisation_id=as_uuid(organisation, "organisation"))
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
    page = fetch_page(
        q=q,
        queryset=rows.filter(cond),
        keys=KEYS,
        fields=SUM_FIELDS,
        client_id=scope.client_id,
        annotate=_sums,
    )
    sums = page.rows
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
    return views.json_response({"data": data, "pageToken": page.next_token})


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
