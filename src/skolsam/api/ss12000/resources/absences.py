"""Serve /absences: absence reports and leave.

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

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import path

from skolsam.api.ss12000 import access, views, writes
from skolsam.api.ss12000 import services as api_services
from skolsam.api.ss12000.access import ApiScope, may_see_location, not_protected
from skolsam.api.ss12000.describe import ID, ID_DESC, MODIFIED_DESC, Resource
from skolsam.api.ss12000.filtering import person_name, subtree_in_scope, time_filter
from skolsam.api.ss12000.paging import ListQuery, SortKey, as_enum, as_uuid
from skolsam.api.ss12000.scopes import READ, WRITE
from skolsam.api.ss12000.serializers import Ctx, meta, person_ref, ref
from skolsam.attendance.models import AbsenceType
from skolsam.attendance.services.absence import absence_report

ABSENCE_FIELDS = (
    "id",
    "created",
    "modified",
    "start_time",
    "end_time",
    "type",
    "student_id",
    "student__security_marking",
    "student__given_name",
    "student__family_name",
    "organisation_id",
    "organisation__display_name",
    "registered_by_id",
    "registered_by__given_name",
    "registered_by__family_name",
    "registered_by__security_marking",
)


def absence_rows(rows: Sequence[dict], ctx: Ctx) -> list[dict]:
    out = []
    for r in rows:
        a: dict[str, Any] = {
            "id": r["id"],
            "meta": meta(r),
            "startTime": r["start_time"],
            "endTime": r["end_time"],
            "type": r["type"],
            "student": person_ref(
                r["student_id"],
                r["student__security_marking"],
                person_name(r["student__given_name"], r["student__family_name"]),
                ctx,
            ),
            "organisation": ref(r["organisation_id"], r["organisation__display_name"], ctx),
        }
        if r["registered_by_id"] and may_see_location(
            ctx.scope, r["registered_by__security_marking"]
        ):
            a["registeredBy"] = person_ref(
                r["registered_by_id"],
                r["registered_by__security_marking"],
                person_name(r["registered_by__given_name"], r["registered_by__family_name"]),
                ctx,
            )
        out.append(a)
    return out


def _absence_filters(qs: QuerySet, q: ListQuery, scope: ApiScope) -> QuerySet:
    if (org := q.get("organisation")) is not None:
        qs = qs.filter(organisation_id__in=subtree_in_scope(scope, as_uuid(org, "organisation")))
    if (student := q.get("student")) is not None:
        qs = qs.filter(student_id=as_uuid(student, "student"))
    if (by := q.get("registeredBy")) is not None:
        # A protected reporter is not named in the rows, nor found through them.
        qs = qs.filter(
            not_protected(scope, "registered_by__"), registered_by_id=as_uuid(by, "registeredBy")
        )
    if (kind := q.get("type")) is not None:
        qs = qs.filter(type=as_enum(kind, "type", AbsenceType.values))
    return qs.filter(
        time_filter(q, "startTime", "start_time") & time_filter(q, "endTime", "end_time")
    )


# --- writes ---------------------------------------------------------------------------------

# The service's field names as the spec names them, for a refusal's message.
_FIELDS = {
    "start": "startTime",
    "end": "endTime",
    "type": "type",
    "student": "student",
    "reported_for": "registeredBy",
    "organisation": "organisation",
}


@views.api_view(("GET", "POST"), resource="absences")
def absences(request: HttpRequest, scope: ApiScope) -> HttpResponse:
    """Report a pupil absent (or granted leave) as a client sends it, e.g. a guardian app."""
    if request.method == "GET":
        return inspect.unwrap(views.resource_list)(request, scope, resource="absences")
    body = api_services.parse_json_object(request.body)
    student_id = writes.ref_id(body, "student")
    organisation_id = writes.ref_id(body, "organisation", required=False)
    reporter_id = writes.ref_id(body, "registeredBy", required=False)
    start = writes.moment(body, "startTime")
    end = writes.moment(body, "endTime")
    kind = writes.choice(body, "type", AbsenceType.values)
    # A protected pupil the client may not see is as unknown as a missing one.
    student = writes.referenced(
        access.persons_visible_to_client(scope).filter(not_protected(scope)),
        student_id,
        "student",
        "Eleven",
    )
    reporter = (
        writes.referenced(
            access.persons_visible_to_client(scope).filter(not_protected(scope)),
            reporter_id,
            "registeredBy",
            "Personen",
        )
        if reporter_id is not None
        else None
    )
    with writes.refusing(_FIELDS):
        absence = absence_report(
            actor=scope.actor,
            student=student,
            start=start,
            end=end,
            reported_for=reporter,
            absence_type=kind,
            organisation_id=organisation_id,
        )
    return writes.served(
        access.absences_visible_to_client(scope),
        absence.pk,
        fields=ABSENCE_FIELDS,
        serialize=absence_rows,
        scope=scope,
    )


def _routes(base: str) -> list:
    """Routes that must come before the generic resource routes."""
    return [
        path(
            f"{base}absences/lookup",
            views.resource_lookup,
            {"resource": "absences"},
            name="absences-lookup-first",
        ),
        path(f"{base}absences", absences, name="absences-collection"),
    ]


RESOURCES = (
    Resource(
        path="absences",
        entity="Absence",
        label="Frånvaroanmälningar och ledighet",
        access=(READ, WRITE),
        queryset=access.absences_visible_to_client,
        fields=ABSENCE_FIELDS,
        serialize=absence_rows,
        sortkeys={
            "ModifiedDesc": MODIFIED_DESC,
            "StartTimeAsc": (SortKey("start_time", kind="datetime"), ID),
            "StartTimeDesc": (SortKey("start_time", desc=True, kind="datetime"), ID_DESC),
        },
        filters=_absence_filters,
        routes=_routes,
    ),
)
