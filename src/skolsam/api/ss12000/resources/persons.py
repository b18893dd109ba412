"""Serve /persons: pupils, staff and guardians in the client's scope, with their enrolments,
guardians and the expansions the spec allows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

import orjson
from django.db.models import Exists, F, OuterRef, Q, QuerySet, TextField, Value
from django.db.models.functions import Cast, Coalesce

from skolsam.api.ss12000 import access
from skolsam.api.ss12000.access import ApiScope
from skolsam.api.ss12000.describe import ID, ID_DESC, MODIFIED_DESC, Resource
from skolsam.api.ss12000.filtering import json_list_has, one_uuid
from skolsam.api.ss12000.paging import ListQuery, SortKey, as_date, as_enum, as_uuid
from skolsam.api.ss12000.resources import duties as duty_resources
from skolsam.api.ss12000.resources import groups as group_resources
from skolsam.api.ss12000.resources import placements as placement_resources
from skolsam.api.ss12000.serializers import (
    Ctx,
    full_name,
    group_by_output,
    meta,
    person_ref,
    put,
    ref,
)
from skolsam.core.choices import SecurityMarking
from skolsam.core.db import AnyOf
from skolsam.people.folding import fold

# The JSON columns of a person are read as text and parsed with orjson: Django's
# JSONField parses each value with the standard library's json, which cost more per page
# of 1,000 persons than the page's queries.
PERSON_JSON_COLUMNS = (
    "emails",
    "phone_numbers",
    "addresses",
    "external_identifiers",
    "edu_person_principal_names",
)


PERSON_COLUMNS = (
    "id",
    "created",
    "modified",
    "given_name",
    "middle_name",
    "family_name",
    "civic_no",
    "civic_no_nationality",
    "birth_date",
    "sex",
    "security_marking",
    "person_status",
    "photo",
    *PERSON_JSON_COLUMNS,
)


PERSON_FIELDS = (
    *(c for c in PERSON_COLUMNS if c not in PERSON_JSON_COLUMNS),
    *(f"{c}_text" for c in PERSON_JSON_COLUMNS),
)


def with_person_json_text(qs: QuerySet) -> QuerySet:
    """Annotate a person queryset with its JSON columns as text (`emails_text`, ...)."""
    return qs.annotate(**{f"{c}_text": Cast(c, TextField()) for c in PERSON_JSON_COLUMNS})


def _json(text: str | None) -> Any:
    return None if text is None or text == "[]" else orjson.loads(text)


def _enrolments_by_person(ids: list[UUID], ctx: Ctx) -> dict[UUID, list[dict]]:
    rows = (
        access.enrolments_visible_to_client(ctx.scope)
        .filter(AnyOf("person_id", ids))
        .order_by("start_date", "id")
        .values(
            "person_id",
            "enroled_at_id",
            "enroled_at__display_name",
            "school_year",
            "school_type",
            "start_date",
            "end_date",
            "cancelled",
            "education_code",
            "programme_id",
            "programme__name",
            "specification",
        )
    )
    out: dict[UUID, list[dict]] = defaultdict(list)
    for r in rows:
        e: dict[str, Any] = {
            "enroledAt": ref(r["enroled_at_id"], r["enroled_at__display_name"], ctx),
            "schoolType": r["school_type"],
            "startDate": r["start_date"],
            "cancelled": r["cancelled"],
        }
        put(e, "schoolYear", r["school_year"])
        put(e, "endDate", r["end_date"])
        put(e, "educationCode", r["education_code"])
        if r["programme_id"]:
            e["programme"] = ref(r["programme_id"], r["programme__name"], ctx)
        put(e, "specification", r["specification"])
        out[r["person_id"]].append(e)
    return out


def _responsibles(ids: list[UUID], ctx: Ctx, *, of: str) -> dict[UUID, list[dict]]:
    """Guardian links: `of="person"` gives each person's responsibles, `"responsible"`
    gives each responsible's children (responsibleFor)."""
    other = "responsible" if of == "person" else "person"
    rows = (
        access.responsibles_visible_to_client(ctx.scope)
        .filter(AnyOf(f"{of}_id", ids))
        .order_by("start_date", "id")
        .values(
            f"{of}_id",
            f"{other}_id",
            f"{other}__security_marking",
            f"{other}__given_name",
            f"{other}__middle_name",
            f"{other}__family_name",
            "relation_type",
        )
    )
    out: dict[UUID, list[dict]] = defaultdict(list)
    for r in rows:
        name = full_name(
            r[f"{other}__given_name"], r[f"{other}__middle_name"], r[f"{other}__family_name"]
        )
        out[r[f"{of}_id"]].append(
            {
                "person": person_ref(r[f"{other}_id"], r[f"{other}__security_marking"], name, ctx),
                "relationType": r["relation_type"],
            }
        )
    return out


def _person_base(r: dict, ctx: Ctx, located: bool) -> dict:
    p: dict[str, Any] = {
        "id": r["id"],
        "meta": meta(r),
        "givenName": r["given_name"],
        "familyName": r["family_name"],
    }
    put(p, "middleName", r["middle_name"])
    eppn = _json(r["edu_person_principal_names_text"])
    put(p, "eduPersonPrincipalNames", list(dict.fromkeys(eppn or [])))
    put(p, "externalIdentifiers", _json(r["external_identifiers_text"]))
    if r["civic_no"]:
        p["civicNo"] = {"value": r["civic_no"], "nationality": r["civic_no_nationality"] or "SE"}
    put(p, "birthDate", r["birth_date"])
    put(p, "sex", r["sex"])
    p["securityMarking"] = r["security_marking"] or SecurityMarking.INGEN
    put(p, "personStatus", r["person_status"])
    emails = _json(r["emails_text"]) or []
    if not located:
        # Private e-mail, phone, address and photo can lead to where the person lives.
        emails = [e for e in emails if e.get("type") != "Privat"]
    put(p, "emails", emails)
    if located:
        put(p, "phoneNumbers", _json(r["phone_numbers_text"]))
        put(p, "addresses", _json(r["addresses_text"]))
        put(p, "photo", r["photo"])
    return p


def person_rows(rows: Sequence[dict], ctx: Ctx, *, embed: bool = True) -> list[dict]:
    """Serialise persons with their enrolments and responsibles, and any expansions."""
    scope = ctx.scope
    ctx.persons.update(r["id"] for r in rows)
    located_ids = [r["id"] for r in rows if access.may_see_location(scope, r["security_marking"])]
    enrolments = _enrolments_by_person(located_ids, ctx) if located_ids else {}
    responsibles = _responsibles(located_ids, ctx, of="person") if located_ids else {}
    expanded = _person_expansions(located_ids, ctx) if embed and ctx.expand else {}
    out = []
    for r in rows:
        located = access.may_see_location(scope, r["security_marking"])
        p = _person_base(r, ctx, located)
        if located:
            put(p, "enrolments", enrolments.get(r["id"]))
            put(p, "responsibles", responsibles.get(r["id"]))
        if embed and ctx.expand:
            p["_embedded"] = {name: expanded.get(name, {}).get(r["id"], []) for name in ctx.expand}
        out.append(p)
    return out


def _person_expansions(ids: list[UUID], ctx: Ctx) -> dict[str, dict[UUID, list[dict]]]:
    scope = ctx.scope
    out: dict[str, dict[UUID, list[dict]]] = {}
    if not ids:
        return out
    if "duties" in ctx.expand:
        duty_rows = list(
            access.duties_visible_to_client(scope)
            .filter(AnyOf("person_id", ids))
            .order_by("start_date", "id")
            .values(*duty_resources.DUTY_FIELDS)
        )
        out["duties"] = group_by_output(
            duty_rows, duty_resources.duty_rows_out(duty_rows, ctx), "person_id"
        )
    if "responsibleFor" in ctx.expand:
        out["responsibleFor"] = _responsibles(ids, ctx, of="responsible")
    if "placements" in ctx.expand:
        placement_rows = list(
            access.placements_visible_to_client(scope)
            .filter(AnyOf("child_id", ids))
            .order_by("start_date", "id")
            .values(*placement_resources.PLACEMENT_FIELDS)
        )
        out["placements"] = group_by_output(
            placement_rows, placement_resources.placement_rows_out(placement_rows, ctx), "child_id"
        )
    if "ownedPlacements" in ctx.expand:
        from skolsam.enrolment.models import Placement

        owned = list(
            Placement.owners.through.objects.filter(
                AnyOf("person_id", ids),
                placement__in=access.placements_visible_to_client(scope),
            ).values_list("person_id", "placement_id")
        )
        placement_rows = list(
            access.placements_visible_to_client(scope)
            .filter(pk__in={p for _, p in owned})
            .order_by("start_date", "id")
            .values(*placement_resources.PLACEMENT_FIELDS)
        )
        by_id = dict(
            zip(
                (r["id"] for r in placement_rows),
                placement_resources.placement_rows_out(placement_rows, ctx),
                strict=True,
            )
        )
        owned_out: dict[UUID, list[dict]] = defaultdict(list)
        for person_id, placement_id in owned:
            if placement_id in by_id:
                owned_out[person_id].append(by_id[placement_id])
        out["ownedPlacements"] = owned_out
    if "groupMemberships" in ctx.expand:
        rows = list(
            access.memberships_visible_to_client(scope)
            .filter(AnyOf("person_id", ids))
            .order_by("start_date", "id")
            .values(
                "person_id",
                "start_date",
                "end_date",
                *(f"group__{f}" for f in group_resources.GROUP_FIELDS),
            )
        )
        memberships: dict[UUID, list[dict]] = defaultdict(list)
        for r in rows:
            group = {f: r[f"group__{f}"] for f in group_resources.GROUP_FIELDS}
            m: dict[str, Any] = {
                "group": group_resources.group_fragment(group, ctx),
                "startDate": r["start_date"],
            }
            put(m, "endDate", r["end_date"])
            memberships[r["person_id"]].append(m)
        out["groupMemberships"] = memberships
    return out


def persons_by_id(ids: Iterable[UUID], ctx: Ctx) -> dict[UUID, dict]:
    """Serialise the visible persons among `ids` (for `_embedded`), without expansions."""
    wanted = set(ids)
    if not wanted:
        return {}
    rows = list(
        with_person_json_text(access.persons_visible_to_client(ctx.scope))
        .filter(AnyOf("pk", wanted))
        .values(*PERSON_FIELDS)
    )
    return {r["id"]: p for r, p in zip(rows, person_rows(rows, ctx, embed=False), strict=True)}


RELATIONSHIP_TYPES = (
    "enrolment",
    "duty",
    "placement.child",
    "placement.owner",
    "responsibleFor.enrolment",
    "responsibleFor.placement",
    "groupMembership",
)


def _relation_period(q: ListQuery, prefix: str = "") -> Q:
    cond = Q()
    if (v := q.get("relationship.startDate.onOrBefore")) is not None:
        cond &= Q(**{f"{prefix}start_date__lte": as_date(v, "relationship.startDate.onOrBefore")})
    if (v := q.get("relationship.startDate.onOrAfter")) is not None:
        cond &= Q(**{f"{prefix}start_date__gte": as_date(v, "relationship.startDate.onOrAfter")})
    for name, op in (("endDate.onOrBefore", "lte"), ("endDate.onOrAfter", "gte")):
        if (v := q.get(f"relationship.{name}")) is not None:
            day = as_date(v, f"relationship.{name}")
            cond &= Q(**{f"{prefix}end_date__{op}": day}) | Q(**{f"{prefix}end_date__isnull": True})
    return cond


def _relationship(q: ListQuery, scope: ApiScope) -> Q | None:
    """Persons with a relation of the given kind, organisation and period.

    Only relations the client may see count, the same querysets its listings read: in
    its scope, not ended before today, never a protected person's (unless the client may
    see protected data). So the filter tells nothing a listing would not: not another
    municipality's history, nor, asked school by school, where a protected pupil goes.
    """
    kind = q.get("relationship.entity.type")
    org = one_uuid(q, "relationship.organisation")
    has_period = any(k.startswith("relationship.") and "Date" in k for k in q.params)
    if kind is None and org is None and not has_period:
        return None
    kinds = [as_enum(kind, "relationship.entity.type", RELATIONSHIP_TYPES)] if kind else []
    period = _relation_period(q)

    def at(field_name: str) -> Q:
        return Q(**{field_name: org}) if org is not None else Q()

    enrolments = access.enrolments_visible_to_client(scope).filter(
        period, at("enroled_at_id"), cancelled=False
    )
    placements = access.placements_visible_to_client(scope).filter(period, at("placed_at_id"))

    def responsible_for(children: QuerySet, child: str) -> Exists:
        return Exists(
            access.responsibles_visible_to_client(scope).filter(
                Exists(children.filter(**{child: OuterRef("person_id")})),
                responsible_id=OuterRef("pk"),
            )
        )

    found = {
        "enrolment": lambda: Exists(enrolments.filter(person_id=OuterRef("pk"))),
        "duty": lambda: Exists(
            access.duties_visible_to_client(scope).filter(
                period, at("duty_at_id"), person_id=OuterRef("pk")
            )
        ),
        "placement.child": lambda: Exists(placements.filter(child_id=OuterRef("pk"))),
        "placement.owner": lambda: Exists(
            access.placement_owners_visible_to_client(scope).filter(
                _relation_period(q, "placement__"),
                at("placement__placed_at_id"),
                person_id=OuterRef("pk"),
            )
        ),
        "responsibleFor.enrolment": lambda: responsible_for(enrolments, "person_id"),
        "responsibleFor.placement": lambda: responsible_for(placements, "child_id"),
        "groupMembership": lambda: (
            Exists(
                access.memberships_visible_to_client(scope).filter(
                    period, at("group__organisation_id"), person_id=OuterRef("pk")
                )
            )
            | Exists(
                access.assignment_roles_visible_to_client(scope).filter(
                    period, at("group__organisation_id"), duty__person_id=OuterRef("pk")
                )
            )
        ),
    }
    cond = Q(pk__in=[])
    for name in kinds or RELATIONSHIP_TYPES:
        cond |= Q(found[name]())
    return cond


def _person_filters(qs: QuerySet, q: ListQuery, scope: ApiScope) -> QuerySet:
    # The spec asks for case-insensitive matching anywhere in any of the three names. The
    # folded search column (people.folding: lower case, no diacritics, words separated by
    # single spaces) gives that on both databases and for å, ä and ö too ("HELLSTRÖM",
    # "åkes"), served on PostgreSQL by its trigram index. Folding also drops diacritics:
    # "Asa" finds "Åsa", as the staff search does (docs/architecture.md, SS 12000 API).
    for part in q.getlist("nameContains"):
        if folded := fold(part):
            qs = qs.filter(search_name__contains=folded)
    if (civic := q.get("civicNo")) is not None:
        qs = qs.filter(civic_no=civic.replace("-", "").replace("+", "").strip())
    if (eppn := q.get("eduPersonPrincipalName")) is not None:
        qs = json_list_has(qs, "edu_person_principal_names", eppn)
    value, context = q.get("identifier.value"), q.get("identifier.context")
    if value is not None or context is not None:
        wanted = {k: v for k, v in (("value", value), ("context", context)) if v is not None}
        qs = json_list_has(qs, "external_identifiers", wanted)
    relation = _relationship(q, scope)
    if relation is not None:
        qs = qs.filter(relation)
    return qs


def _person_lookup(qs: QuerySet, body: dict[str, list[str]], scope: ApiScope) -> QuerySet:
    civic = [c.replace("-", "").replace("+", "").strip() for c in body.get("civicNos", [])]
    return qs.filter(
        Q(pk__in=[as_uuid(v, "ids") for v in body.get("ids", [])]) | Q(civic_no__in=civic)
    )


def _person_annotate(qs: QuerySet) -> QuerySet:
    qs = with_person_json_text(qs)
    return qs.annotate(_civic=Coalesce(F("civic_no"), Value("")))


RESOURCES = (
    Resource(
        path="persons",
        entity="Person",
        label="Personer",
        queryset=access.persons_visible_to_client,
        fields=PERSON_FIELDS,
        serialize=person_rows,
        sortkeys={
            "DisplayNameAsc": (
                SortKey("given_name", swedish=True),
                SortKey("family_name", swedish=True),
                ID,
            ),
            "GivenNameDesc": (SortKey("given_name", desc=True, swedish=True), ID_DESC),
            "GivenNameAsc": (SortKey("given_name", swedish=True), ID),
            "FamilyNameDesc": (SortKey("family_name", desc=True, swedish=True), ID_DESC),
            "FamilyNameAsc": (SortKey("family_name", swedish=True), ID),
            "CivicNoAsc": (SortKey("_civic"), ID),
            "CivicNoDesc": (SortKey("_civic", desc=True), ID_DESC),
            "ModifiedDesc": MODIFIED_DESC,
        },
        filters=_person_filters,
        expand=(
            "duties",
            "responsibleFor",
            "placements",
            "ownedPlacements",
            "groupMemberships",
        ),
        lookup_keys=("ids", "civicNos"),
        lookup=_person_lookup,
        annotate=_person_annotate,
        is_person=True,
    ),
)
