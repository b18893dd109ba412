"""Serve /absences: absence reports and leave.

Scope: the client's organisations. Rows about a protected pupil are left out unless the
client may see protected data, as for enrolments and memberships; a protected reporter,
registrar or substitute is not named; filters and lookups by a person or a duty go
through the memberships and teachers the client may see, so they find nothing the
listings hide.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet

from skolsam.api.ss12000 import access
from skolsam.api.ss12000.access import ApiScope, may_see_location, not_protected
from skolsam.api.ss12000.describe import ID, ID_DESC, MODIFIED_DESC, Resource
from skolsam.api.ss12000.filtering import person_name, subtree_in_scope, time_filter
from skolsam.api.ss12000.paging import ListQuery, SortKey, as_enum, as_uuid
from skolsam.api.ss12000.serializers import Ctx, meta, person_ref, ref
from skolsam.attendance.models import AbsenceType

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


RESOURCES = (
    Resource(
        path="absences",
        entity="Absence",
        label="Frånvaroanmälningar och ledighet",
        queryset=access.absences_visible_to_client,
        fields=ABSENCE_FIELDS,
        serialize=absence_rows,
        sortkeys={
            "ModifiedDesc": MODIFIED_DESC,
            "StartTimeAsc": (SortKey("start_time", kind="datetime"), ID),
            "StartTimeDesc": (SortKey("start_time", desc=True, kind="datetime"), ID_DESC),
        },
        filters=_absence_filters,
    ),
)
