"""Turn register rows into SS 12000 2.1.0 JSON shapes, by hand and in batches.

Each `*_rows` function takes a page of rows (dicts from `.values()`), loads what they
embed with one query per kind of relation, whatever the page size, and returns the
spec's dicts. Values stay Python objects (UUID, date, datetime); orjson writes them.
Optional fields are left out when empty rather than sent as empty strings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import orjson
from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast

from skolsam.api.ss12000 import access
from skolsam.api.ss12000.access import ApiScope
from skolsam.api.ss12000.models import ConsumerProfile
from skolsam.core.choices import SecurityMarking
from skolsam.core.db import AnyOf


@dataclass
class Ctx:
    scope: ApiScope
    names: bool = False  # expandReferenceNames
    expand: frozenset[str] = field(default_factory=frozenset)
    # Every person the answer holds (as an entity or a reference, also behind a duty),
    # for the audit log's search by person.
    persons: set[Any] = field(default_factory=set)


def ref(pk: Any, name: str | None, ctx: Ctx) -> dict:
    out: dict[str, Any] = {"id": pk}
    if ctx.names and name:
        out["displayName"] = name
    return out


def person_ref(pk: Any, marking: str | None, name: str | None, ctx: Ctx) -> dict:
    ctx.persons.add(pk)
    out = ref(pk, name, ctx)
    if marking:
        out["securityMarking"] = marking
    return out


def _full_name(given: str, middle: str, family: str) -> str:
    return " ".join(p for p in (given, middle, family) if p)


def meta(row: dict) -> dict:
    return {"created": row["created"], "modified": row["modified"]}


def _put(out: dict, key: str, value: Any) -> None:
    if value not in (None, "", [], {}):
        out[key] = value


def _group_by(rows: Iterable[Any], key: str) -> dict[Any, list[dict]]:
    grouped: dict[Any, list[dict]] = defaultdict(list)
    for row in rows:
        grouped[row[key]].append(row)
    return grouped


# --- organisations -----------------------------------------------------------------------

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
        _put(o, "organisationCode", r["organisation_code"])
        _put(o, "organisationNumber", r["organisation_number"])
        if r["parent_id"]:
            o["parentOrganisation"] = ref(r["parent_id"], r["parent__display_name"], ctx)
        _put(o, "schoolUnitCode", r["school_unit_code"])
        _put(o, "schoolTypes", list(dict.fromkeys(r["school_types"] or [])))
        address = r["address"] or {}
        if all(address.get(k) for k in ("streetAddress", "postalCode", "locality")):
            o["address"] = address
        _put(o, "municipalityCode", r["municipality_code"])
        _put(o, "url", r["url"])
        _put(o, "email", r["email"])
        _put(o, "phoneNumber", r["phone_number"])
        _put(o, "startDate", r["start_date"])
        _put(o, "endDate", r["end_date"])
        out.append(o)
    return out


# --- persons -----------------------------------------------------------------------------

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
        _put(e, "schoolYear", r["school_year"])
        _put(e, "endDate", r["end_date"])
        _put(e, "educationCode", r["education_code"])
        if r["programme_id"]:
            e["programme"] = ref(r["programme_id"], r["programme__name"], ctx)
        _put(e, "specification", r["specification"])
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
        name = _full_name(
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
    _put(p, "middleName", r["middle_name"])
    eppn = _json(r["edu_person_principal_names_text"])
    _put(p, "eduPersonPrincipalNames", list(dict.fromkeys(eppn or [])))
    _put(p, "externalIdentifiers", _json(r["external_identifiers_text"]))
    if r["civic_no"]:
        p["civicNo"] = {"value": r["civic_no"], "nationality": r["civic_no_nationality"] or "SE"}
    _put(p, "birthDate", r["birth_date"])
    _put(p, "sex", r["sex"])
    p["securityMarking"] = r["security_marking"] or SecurityMarking.INGEN
    _put(p, "personStatus", r["person_status"])
    emails = _json(r["emails_text"]) or []
    if not located:
        # Private e-mail, phone, address and photo can lead to where the person lives.
        emails = [e for e in emails if e.get("type") != "Privat"]
    _put(p, "emails", emails)
    if located:
        _put(p, "phoneNumbers", _json(r["phone_numbers_text"]))
        _put(p, "addresses", _json(r["addresses_text"]))
        _put(p, "photo", r["photo"])
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
            _put(p, "enrolments", enrolments.get(r["id"]))
            _put(p, "responsibles", responsibles.get(r["id"]))
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
            .values(*DUTY_FIELDS)
        )
        out["duties"] = _group_by_output(duty_rows, duty_rows_out(duty_rows, ctx), "person_id")
    if "responsibleFor" in ctx.expand:
        out["responsibleFor"] = _responsibles(ids, ctx, of="responsible")
    if "placements" in ctx.expand:
        placement_rows = list(
            access.placements_visible_to_client(scope)
            .filter(AnyOf("child_id", ids))
            .order_by("start_date", "id")
            .values(*PLACEMENT_FIELDS)
        )
        out["placements"] = _group_by_output(
            placement_rows, placement_rows_out(placement_rows, ctx), "child_id"
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
            .values(*PLACEMENT_FIELDS)
        )
        by_id = dict(
            zip(
                (r["id"] for r in placement_rows),
                placement_rows_out(placement_rows, ctx),
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
                *(f"group__{f}" for f in GROUP_FIELDS),
            )
        )
        memberships: dict[UUID, list[dict]] = defaultdict(list)
        for r in rows:
            group = {f: r[f"group__{f}"] for f in GROUP_FIELDS}
            m: dict[str, Any] = {"group": group_fragment(group, ctx), "startDate": r["start_date"]}
            _put(m, "endDate", r["end_date"])
            memberships[r["person_id"]].append(m)
        out["groupMemberships"] = memberships
    return out


def _group_by_output(rows: list[dict], outs: list[dict], key: str) -> dict[UUID, list[dict]]:
    grouped: dict[UUID, list[dict]] = defaultdict(list)
    for row, item in zip(rows, outs, strict=True):
        grouped[row[key]].append(item)
    return grouped


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


# --- groups ------------------------------------------------------------------------------

GROUP_FIELDS = (
    "id",
    "created",
    "modified",
    "display_name",
    "start_date",
    "end_date",
    "group_type",
    "school_type",
    "organisation_id",
    "organisation__display_name",
)


def group_fragment(r: dict, ctx: Ctx) -> dict:
    g: dict[str, Any] = {
        "id": r["id"],
        "meta": meta(r),
        "displayName": r["display_name"],
        "startDate": r["start_date"],
        "groupType": r["group_type"],
        "organisation": ref(r["organisation_id"], r["organisation__display_name"], ctx),
    }
    _put(g, "endDate", r["end_date"])
    _put(g, "schoolType", r["school_type"])
    return g


def group_rows(rows: Sequence[dict], ctx: Ctx) -> list[dict]:
    ids = [r["id"] for r in rows]
    members = _group_by(
        access.memberships_visible_to_client(ctx.scope)
        .filter(AnyOf("group_id", ids))
        .order_by("start_date", "id")
        .values(
            "group_id",
            "person_id",
            "person__security_marking",
            "person__given_name",
            "person__middle_name",
            "person__family_name",
            "start_date",
            "end_date",
        ),
        "group_id",
    )
    roles: dict[Any, list[dict]] = {}
    if "assignmentRoles" in ctx.expand:
        roles = _group_by(
            access.assignment_roles_visible_to_client(ctx.scope)
            .filter(AnyOf("group_id", ids))
            .order_by("start_date", "id")
            .values(
                "group_id",
                "duty_id",
                "duty__person_id",
                "duty__person__given_name",
                "duty__person__family_name",
                "duty__duty_role",
                "assignment_role_type",
                "start_date",
                "end_date",
            ),
            "group_id",
        )
    out = []
    for r in rows:
        g = group_fragment(r, ctx)
        memberships = []
        for m in members.get(r["id"], ()):
            name = _full_name(
                m["person__given_name"], m["person__middle_name"], m["person__family_name"]
            )
            item: dict[str, Any] = {
                "person": person_ref(m["person_id"], m["person__security_marking"], name, ctx),
                "startDate": m["start_date"],
            }
            _put(item, "endDate", m["end_date"])
            memberships.append(item)
        g["groupMemberships"] = memberships
        if "assignmentRoles" in ctx.expand:
            embedded = []
            for a in roles.get(r["id"], ()):
                ctx.persons.add(a["duty__person_id"])
                name = f"{a['duty__person__given_name']} {a['duty__person__family_name']}"
                item = {
                    "duty": ref(a["duty_id"], f"{name}, {a['duty__duty_role']}", ctx),
                    "assignmentRoleType": a["assignment_role_type"],
                    "startDate": a["start_date"],
                }
                _put(item, "endDate", a["end_date"])
                embedded.append(item)
            g["_embedded"] = {"assignmentRoles": embedded}
        out.append(g)
    return out


# --- duties ------------------------------------------------------------------------------

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
        _group_by(
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
        name = _full_name(
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
            _put(item, "startDate", a["start_date"])
            _put(item, "endDate", a["end_date"])
            assignment.append(item)
        _put(d, "assignmentRole", assignment)
        _put(d, "signature", r["signature"])
        _put(d, "dutyPercent", r["duty_percent"])
        _put(d, "hoursPerYear", r["hours_per_year"])
        _put(d, "endDate", r["end_date"])
        out.append(d)
    return out


def duty_rows(rows: Sequence[dict], ctx: Ctx) -> list[dict]:
    out = duty_rows_out(rows, ctx)
    if "person" in ctx.expand:
        persons = persons_by_id((r["person_id"] for r in rows), ctx)
        for r, d in zip(rows, out, strict=True):
            d["_embedded"] = (
                {"person": persons[r["person_id"]]} if r["person_id"] in persons else {}
            )
    return out


# --- placements --------------------------------------------------------------------------

PLACEMENT_FIELDS = (
    "id",
    "created",
    "modified",
    "placed_at_id",
    "placed_at__display_name",
    "group_id",
    "group__display_name",
    "child_id",
    "child__security_marking",
    "child__given_name",
    "child__middle_name",
    "child__family_name",
    "school_type",
    "start_date",
    "end_date",
    "reason",
    "max_weekly_schedule_hours",
)


def _placement_owners(ids: list[UUID], ctx: Ctx) -> dict[Any, list[dict]]:
    from skolsam.enrolment.models import Placement

    return _group_by(
        Placement.owners.through.objects.filter(AnyOf("placement_id", ids))
        .filter(access.not_protected(ctx.scope, "person__"))
        .order_by("id")
        .values(
            "placement_id",
            "person_id",
            "person__security_marking",
            "person__given_name",
            "person__middle_name",
            "person__family_name",
        ),
        "placement_id",
    )


def placement_rows_out(rows: Sequence[dict], ctx: Ctx) -> list[dict]:
    owners = _placement_owners([r["id"] for r in rows], ctx) if rows else {}
    out = []
    for r in rows:
        child_name = _full_name(
            r["child__given_name"], r["child__middle_name"], r["child__family_name"]
        )
        p: dict[str, Any] = {
            "id": r["id"],
            "meta": meta(r),
            "placedAt": ref(r["placed_at_id"], r["placed_at__display_name"], ctx),
            "child": person_ref(r["child_id"], r["child__security_marking"], child_name, ctx),
            "schoolType": r["school_type"],
            "startDate": r["start_date"],
        }
        if r["group_id"]:
            p["group"] = ref(r["group_id"], r["group__display_name"], ctx)
        _put(
            p,
            "owners",
            [
                person_ref(
                    o["person_id"],
                    o["person__security_marking"],
                    _full_name(
                        o["person__given_name"], o["person__middle_name"], o["person__family_name"]
                    ),
                    ctx,
                )
                for o in owners.get(r["id"], ())
            ],
        )
        _put(p, "endDate", r["end_date"])
        _put(p, "reason", r["reason"])
        _put(p, "maxWeeklyScheduleHours", r["max_weekly_schedule_hours"])
        out.append(p)
    return out


def placement_rows(rows: Sequence[dict], ctx: Ctx) -> list[dict]:
    out = placement_rows_out(rows, ctx)
    if ctx.expand & {"child", "owners"}:
        wanted: set[UUID] = set()
        if "child" in ctx.expand:
            wanted |= {r["child_id"] for r in rows}
        if "owners" in ctx.expand:
            wanted |= {o["id"] for p in out for o in p.get("owners", ())}
        persons = persons_by_id(wanted, ctx)
        for r, p in zip(rows, out, strict=True):
            embedded: dict[str, Any] = {}
            if "child" in ctx.expand and r["child_id"] in persons:
                embedded["child"] = persons[r["child_id"]]
            if "owners" in ctx.expand:
                embedded["owners"] = [
                    persons[o["id"]] for o in p.get("owners", ()) if o["id"] in persons
                ]
            p["_embedded"] = embedded
    return out


# --- curriculum --------------------------------------------------------------------------

PROGRAMME_FIELDS = (
    "id",
    "created",
    "modified",
    "name",
    "type",
    "parent_programme_id",
    "parent_programme__name",
    "school_type",
    "code",
    "content",
)


def programme_rows(rows: Sequence[dict], ctx: Ctx) -> list[dict]:
    names: dict[str, str] = {}
    if ctx.names:
        from skolsam.curriculum.models import Syllabus

        wanted = {c for r in rows for part in r["content"] or [] for c in part.get("content") or []}
        names = {
            str(pk): name
            for pk, name in Syllabus.objects.filter(pk__in=wanted).values_list("pk", "subject_name")
        }
    out = []
    for r in rows:
        p: dict[str, Any] = {
            "id": r["id"],
            "meta": meta(r),
            "name": r["name"],
            "type": r["type"],
            "schoolType": r["school_type"],
        }
        if r["parent_programme_id"]:
            p["parentProgramme"] = ref(r["parent_programme_id"], r["parent_programme__name"], ctx)
        _put(p, "code", r["code"])
        content = []
        for part in r["content"] or []:
            item: dict[str, Any] = {"type": part.get("type")}
            _put(item, "points", part.get("points"))
            _put(
                item, "content", [ref(c, names.get(str(c)), ctx) for c in part.get("content") or []]
            )
            content.append(item)
        _put(p, "content", content)
        out.append(p)
    return out


SYLLABUS_FIELDS = (
    "id",
    "created",
    "modified",
    "school_type",
    "subject_code",
    "subject_name",
    "subject_designation",
    "course_code",
    "course_name",
    "start_school_year",
    "end_school_year",
    "points",
    "curriculum",
    "language_code",
    "official",
)


def syllabus_rows(rows: Sequence[dict], ctx: Ctx) -> list[dict]:
    out = []
    for r in rows:
        s: dict[str, Any] = {
            "id": r["id"],
            "meta": meta(r),
            "schoolType": r["school_type"],
            "subjectName": r["subject_name"],
            "official": r["official"],
        }
        for key, name in (
            ("subjectCode", "subject_code"),
            ("subjectDesignation", "subject_designation"),
            ("courseCode", "course_code"),
            ("courseName", "course_name"),
            ("startSchoolYear", "start_school_year"),
            ("endSchoolYear", "end_school_year"),
            ("points", "points"),
            ("curriculum", "curriculum"),
            ("languageCode", "language_code"),
        ):
            _put(s, key, r[name])
        out.append(s)
    return out


OFFERING_FIELDS = (
    "id",
    "created",
    "modified",
    "offered_at_id",
    "offered_at__display_name",
    "start_date",
    "end_date",
)


def offering_rows(rows: Sequence[dict], ctx: Ctx) -> list[dict]:
    from skolsam.curriculum.models import SchoolUnitOffering

    ids = [r["id"] for r in rows]
    syllabuses = _group_by(
        SchoolUnitOffering.offered_syllabuses.through.objects.filter(
            AnyOf("schoolunitoffering_id", ids)
        )
        .order_by("id")
        .values("schoolunitoffering_id", "syllabus_id", "syllabus__subject_name"),
        "schoolunitoffering_id",
    )
    programmes = _group_by(
        SchoolUnitOffering.offered_programmes.through.objects.filter(
            AnyOf("schoolunitoffering_id", ids)
        )
        .order_by("id")
        .values("schoolunitoffering_id", "programme_id", "programme__name"),
        "schoolunitoffering_id",
    )
    out = []
    for r in rows:
        # The spec's SchoolUnitOffering has no id or meta, yet has /schoolUnitOfferings/{id}
        # and is listed among deletions; we add both (extra fields are allowed) so the
        # entity can be fetched, paged and followed.
        o: dict[str, Any] = {
            "id": r["id"],
            "meta": meta(r),
            "offeredAt": ref(r["offered_at_id"], r["offered_at__display_name"], ctx),
            "offeredSyllabuses": [
                ref(s["syllabus_id"], s["syllabus__subject_name"], ctx)
                for s in syllabuses.get(r["id"], ())
            ],
        }
        _put(
            o,
            "offeredProgrammes",
            [
                ref(p["programme_id"], p["programme__name"], ctx)
                for p in programmes.get(r["id"], ())
            ],
        )
        _put(o, "startDate", r["start_date"])
        _put(o, "endDate", r["end_date"])
        out.append(o)
    return out


# --- activities --------------------------------------------------------------------------

ACTIVITY_FIELDS = (
    "id",
    "created",
    "modified",
    "display_name",
    "calendar_events_required",
    "start_date",
    "end_date",
    "activity_type",
    "comment",
    "minutes_planned",
    "syllabus_id",
    "syllabus__subject_name",
    "organisation_id",
    "organisation__display_name",
)


def activity_rows(rows: Sequence[dict], ctx: Ctx) -> list[dict]:
    from skolsam.activities.models import Activity

    ids = [r["id"] for r in rows]
    groups = _group_by(
        Activity.groups.through.objects.filter(AnyOf("activity_id", ids))
        .order_by("id")
        .values("activity_id", "group_id", "group__display_name"),
        "activity_id",
    )
    teachers = _group_by(
        access.activity_teachers_visible_to_client(ctx.scope)
        .filter(AnyOf("activity_id", ids))
        .order_by("id")
        .values(
            "activity_id",
            "duty_id",
            "duty__person_id",
            "duty__person__given_name",
            "duty__person__family_name",
            "start_date",
            "end_date",
            "minutes_planned",
            "grader",
        ),
        "activity_id",
    )
    out = []
    for r in rows:
        a: dict[str, Any] = {
            "id": r["id"],
            "meta": meta(r),
            "displayName": r["display_name"],
            "calendarEventsRequired": r["calendar_events_required"],
            "startDate": r["start_date"],
            "activityType": r["activity_type"],
            "groups": [
                ref(g["group_id"], g["group__display_name"], ctx) for g in groups.get(r["id"], ())
            ],
            "organisation": ref(r["organisation_id"], r["organisation__display_name"], ctx),
        }
        _put(a, "endDate", r["end_date"])
        _put(a, "comment", r["comment"])
        _put(a, "minutesPlanned", r["minutes_planned"])
        assignments = []
        for t in teachers.get(r["id"], ()):
            ctx.persons.add(t["duty__person_id"])
            name = f"{t['duty__person__given_name']} {t['duty__person__family_name']}"
            item: dict[str, Any] = {"duty": ref(t["duty_id"], name, ctx)}
            _put(item, "startDate", t["start_date"])
            _put(item, "endDate", t["end_date"])
            _put(item, "minutesPlanned", t["minutes_planned"])
            item["grader"] = t["grader"]
            assignments.append(item)
        _put(a, "teachers", assignments)
        if r["syllabus_id"]:
            a["syllabus"] = ref(r["syllabus_id"], r["syllabus__subject_name"], ctx)
        out.append(a)
    if ctx.expand:
        _expand_activities(rows, out, groups, teachers, ctx)
    return out


def _expand_activities(
    rows: Sequence[dict],
    out: list[dict],
    groups: dict[Any, list[dict]],
    teachers: dict[Any, list[dict]],
    ctx: Ctx,
) -> None:
    scope = ctx.scope
    group_out: dict[UUID, dict] = {}
    if "groups" in ctx.expand:
        group_ids = {g["group_id"] for gs in groups.values() for g in gs}
        group_data = list(
            access.groups_visible_to_client(scope).filter(pk__in=group_ids).values(*GROUP_FIELDS)
        )
        group_out = {
            r["id"]: g for r, g in zip(group_data, group_rows(group_data, ctx), strict=True)
        }
    duty_out: dict[UUID, dict] = {}
    if "teachers" in ctx.expand:
        duty_ids = {t["duty_id"] for ts in teachers.values() for t in ts}
        duty_data = list(
            access.duties_visible_to_client(scope).filter(pk__in=duty_ids).values(*DUTY_FIELDS)
        )
        duty_out = {
            r["id"]: d for r, d in zip(duty_data, duty_rows_out(duty_data, ctx), strict=True)
        }
    syllabus_out: dict[UUID, dict] = {}
    if "syllabus" in ctx.expand:
        syllabus_data = list(
            access.syllabuses_visible_to_client(scope)
            .filter(pk__in={r["syllabus_id"] for r in rows if r["syllabus_id"]})
            .values(*SYLLABUS_FIELDS)
        )
        syllabus_out = {
            r["id"]: s
            for r, s in zip(syllabus_data, syllabus_rows(syllabus_data, ctx), strict=True)
        }
    for r, a in zip(rows, out, strict=True):
        embedded: dict[str, Any] = {}
        if "groups" in ctx.expand:
            embedded["groups"] = [
                group_out[g["group_id"]]
                for g in groups.get(r["id"], ())
                if g["group_id"] in group_out
            ]
        if "teachers" in ctx.expand:
            embedded["teachers"] = [
                duty_out[t["duty_id"]]
                for t in teachers.get(r["id"], ())
                if t["duty_id"] in duty_out
            ]
        if "syllabus" in ctx.expand and r["syllabus_id"] in syllabus_out:
            embedded["syllabus"] = syllabus_out[r["syllabus_id"]]
        a["_embedded"] = embedded


def is_dnp(ctx: Ctx) -> bool:
    return ctx.scope.consumer_profile == ConsumerProfile.SKOLVERKET_DNP
