"""Serve /organisations: the huvudmän and school units in the client's scope, with their ancestors."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Q, QuerySet

from skolsam.api.ss12000 import access
from skolsam.api.ss12000.access import ApiScope
from skolsam.api.ss12000.describe import ID, MODIFIED_DESC, Resource
from skolsam.api.ss12000.filtering import enums, json_list_has_any, uuids
from skolsam.api.ss12000.paging import ListQuery, SortKey, as_uuid, period_filters
from skolsam.api.ss12000.serializers import Ctx, meta, put, ref
from skolsam.core.choices import OrganisationType, SchoolType

ORGANISATION_FIELDS = (
    "id",
    "created",
    "modified",
    "display_name",
    "organisation_code",
    "organisation_type",
    "organisation_number",
    "parent_id",
    "parent__display_name",
    "school_unit_code",
    "school_types",
    "address",
    "municipality_code",
    "url",
    "email",
    "phone_number",
    "start_date",
    "end_date",
)


def organisation_rows(rows: Sequence[dict], ctx: Ctx) -> list[dict]:
    out = []
    for r in rows:
        o: dict[str, Any] = {
            "id": r["id"],
            "meta": meta(r),
            "displayName": r["display_name"],
            "organisationType": r["organisation_type"],
        }
        put(o, "organisationCode", r["organisation_code"])
        put(o, "organisationNumber", r["organisation_number"])
        if r["parent_id"]:
            o["parentOrganisation"] = ref(r["parent_id"], r["parent__display_name"], ctx)
        put(o, "schoolUnitCode", r["school_unit_code"])
        put(o, "schoolTypes", list(dict.fromkeys(r["school_types"] or [])))
        address = r["address"] or {}
        if all(address.get(k) for k in ("streetAddress", "postalCode", "locality")):
            o["address"] = address
        put(o, "municipalityCode", r["municipality_code"])
        put(o, "url", r["url"])
        put(o, "email", r["email"])
        put(o, "phoneNumber", r["phone_number"])
        put(o, "startDate", r["start_date"])
        put(o, "endDate", r["end_date"])
        out.append(o)
    return out


def _organisation_filters(qs: QuerySet, q: ListQuery, scope: ApiScope) -> QuerySet:
    if parents := uuids(q, "parent"):
        qs = qs.filter(parent_id__in=parents)
    if codes := q.getlist("schoolUnitCode"):
        qs = qs.filter(school_unit_code__in=codes)
    if codes := q.getlist("organisationCode"):
        qs = qs.filter(organisation_code__in=codes)
    if (code := q.get("municipalityCode")) is not None:
        qs = qs.filter(municipality_code=code)
    if types := enums(q, "type", OrganisationType.values):
        qs = qs.filter(organisation_type__in=types)
    if school_types := enums(q, "schoolTypes", SchoolType.values):
        qs = json_list_has_any(qs, "school_types", school_types)
    return qs.filter(period_filters(q))


def _organisation_lookup(qs: QuerySet, body: dict[str, list[str]], scope: ApiScope) -> QuerySet:
    return qs.filter(
        Q(pk__in=[as_uuid(v, "ids") for v in body.get("ids", [])])
        | Q(school_unit_code__in=body.get("schoolUnitCodes", []))
        | Q(organisation_code__in=[c for c in body.get("organisationCodes", []) if c])
    )


RESOURCES = (
    Resource(
        path="organisations",
        entity="Organisation",
        label="Organisationer",
        queryset=access.organisations_visible_to_client,
        fields=ORGANISATION_FIELDS,
        serialize=organisation_rows,
        sortkeys={
            "ModifiedDesc": MODIFIED_DESC,
            "DisplayNameAsc": (SortKey("display_name", swedish=True), ID),
        },
        filters=_organisation_filters,
        lookup_keys=("ids", "schoolUnitCodes", "organisationCodes"),
        lookup=_organisation_lookup,
    ),
)
