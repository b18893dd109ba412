"""Serve /duties: staff duties in the client's scope, with their assignment roles."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet

from skolsam.api.ss12000 import access
from skolsam.api.ss12000.access import ApiScope
from skolsam.api.ss12000.describe import MODIFIED_DESC, START_ASC, START_DESC, Resource
from skolsam.api.ss12000.filtering import one_uuid, subtree_in_scope
from skolsam.api.ss12000.paging import ListQuery, as_enum, period_filters
from skolsam.api.ss12000.resources import persons as person_resources
from skolsam.api.ss12000.serializers import Ctx, full_name, group_by, meta, person_ref, put, ref
from skolsam.core.choices import DutyRole
from skolsam.core.db import AnyOf

DUTY_FIELDS = (
    "id",
    "created",
    "modified",
    "person_id",
    "person__security_marking",
    "person__given_name",
    "person__middle_name",
    "person__family_name",
    "duty_at_id",
    "duty_at__display_name",
    "duty_role",
    "signature",
    "duty_percent",
    "hours_per_year",
    "start_date",
    "end_date",
)


def duty_rows_out(rows: Sequence[dict], ctx: Ctx) -> list[dict]:
    ids = [r["id"] for r in rows]
    roles = (
        group_by(
            access.assignment_roles_visible_to_client(ctx.scope)
            .filter(AnyOf("duty_id", ids))
            .order_by("start_date", "id")
            .values(
                "duty_id",
                "group_id",
                "group__display_name",
                "assignment_role_type",
                "start_date",
                "end_date",
            ),
            "duty_id",
        )
        if ids
        else {}
    )
    out = []
    for r in rows:
        name = full_name(
            r["person__given_name"], r["person__middle_name"], r["person__family_name"]
        )
        d: dict[str, Any] = {
            "id": r["id"],
            "meta": meta(r),
            "person": person_ref(r["person_id"], r["person__security_marking"], name, ctx),
            "dutyAt": ref(r["duty_at_id"], r["duty_at__display_name"], ctx),
            "dutyRole": r["duty_role"],
            "startDate": r["start_date"],
        }
        assignment = []
        for a in roles.get(r["id"], ()):
            item: dict[str, Any] = {
                "group": ref(a["group_id"], a["group__display_name"], ctx),
                "assignmentRoleType": a["assignment_role_type"],
            }
            put(item, "startDate", a["start_date"])
            put(item, "endDate", a["end_date"])
            assignment.append(item)
        put(d, "assignmentRole", assignment)
        put(d, "signature", r["signature"])
        put(d, "dutyPercent", r["duty_percent"])
        put(d, "hoursPerYear", r["hours_per_year"])
        put(d, "endDate", r["end_date"])
        out.append(d)
    return out


def duty_rows(rows: Sequence[dict], ctx: Ctx) -> list[dict]:
    out = duty_rows_out(rows, ctx)
    if "person" in ctx.expand:
        persons = person_resources.persons_by_id((r["person_id"] for r in rows), ctx)
        for r, d in zip(rows, out, strict=True):
            d["_embedded"] = (
                {"person": persons[r["person_id"]]} if r["person_id"] in persons else {}
            )
    return out


def _duty_filters(qs: QuerySet, q: ListQuery, scope: ApiScope) -> QuerySet:
    if (org := one_uuid(q, "organisation")) is not None:
        # The spec: duties "kopplade till ett organisationselement eller underliggande element".
        qs = qs.filter(duty_at_id__in=subtree_in_scope(scope, org))
    if (role := q.get("dutyRole")) is not None:
        qs = qs.filter(duty_role=as_enum(role, "dutyRole", DutyRole.values))
    if (person := one_uuid(q, "person")) is not None:
        qs = qs.filter(person_id=person)
    return qs.filter(period_filters(q))


RESOURCES = (
    Resource(
        path="duties",
        entity="Duty",
        label="Tjänster",
        queryset=access.duties_visible_to_client,
        fields=DUTY_FIELDS,
        serialize=duty_rows,
        sortkeys={
            "StartDateDesc": START_DESC,
            "StartDateAsc": START_ASC,
            "ModifiedDesc": MODIFIED_DESC,
        },
        filters=_duty_filters,
        expand=("person",),
    ),
)
