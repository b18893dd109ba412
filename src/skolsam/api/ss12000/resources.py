"""Describe each SS 12000 read resource: scope, fields, sort keys, filters, lookups, shape.

The views are generic over these descriptions, so every resource pages, filters, expands,
scopes and audits the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce

from skolsam.activities.models import Activity
from skolsam.api.ss12000 import access, serializers
from skolsam.api.ss12000.access import ApiScope
from skolsam.api.ss12000.paging import (
    BadRequest,
    ListQuery,
    SortKey,
    as_date,
    as_enum,
    as_uuid,
    period_filters,
)
from skolsam.core.choices import DutyRole, GroupType, OrganisationType, SchoolType
from skolsam.organisations.models import Organisation

END_OF_TIME = date(9999, 12, 31)
ID = SortKey("id", kind="uuid")
ID_DESC = SortKey("id", desc=True, kind="uuid")
MODIFIED_DESC = (SortKey("modified", desc=True, kind="datetime"), ID_DESC)
START_ASC = (SortKey("start_date", kind="date"), ID)
START_DESC = (SortKey("start_date", desc=True, kind="date"), ID_DESC)
END_ASC = (SortKey("_end", kind="date"), ID)
END_DESC = (SortKey("_end", desc=True, kind="date"), ID_DESC)


def _with_end(qs: QuerySet) -> QuerySet:
    # An open end sorts last ascending: "until further notice".
    return qs.annotate(_end=Coalesce(F("end_date"), Value(END_OF_TIME)))


@dataclass(frozen=True)
class Resource:
    path: str
    entity: str
    queryset: Callable[[ApiScope], QuerySet]
    fields: Sequence[str]
    serialize: Callable[[Sequence[dict], serializers.Ctx], list[dict]]
    sortkeys: dict[str, tuple[SortKey, ...]]
    filters: Callable[[QuerySet, ListQuery, ApiScope], QuerySet]
    expand: tuple[str, ...] = ()
    lookup_keys: tuple[str, ...] = ("ids",)
    lookup: Callable[[QuerySet, dict[str, list[str]], ApiScope], QuerySet] | None = None
    annotate: Callable[[QuerySet], QuerySet] | None = None
    default_sort: tuple[SortKey, ...] = (ID,)
    is_person: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


# --- helpers for JSON list columns ------------------------------------------------------


def json_list_has(qs: QuerySet, column: str, value: Any) -> QuerySet:
    """Keep rows whose JSON array `column` holds `value` (a string or a partial object)."""
    if connection.vendor == "postgresql":
        return qs.filter(**{f"{column}__contains": [value]})
    table = qs.model._meta.db_table
    if isinstance(value, dict):
        where = " AND ".join(f"json_extract(j.value, '$.{k}') = %s" for k in value)
        params = list(value.values())
    else:
        where, params = "j.value = %s", [value]
    # Table, column and keys are ours; the values are parameters.
    return qs.extra(  # noqa: S610
        where=[f'EXISTS (SELECT 1 FROM json_each("{table}"."{column}") j WHERE {where})'],  # noqa: S608
        params=params,
    )


def json_list_has_any(qs: QuerySet, column: str, values: Sequence[str]) -> QuerySet:
    """Keep rows whose JSON array of strings `column` holds at least one of `values`."""
    if connection.vendor == "postgresql":
        q = Q(pk__in=[])
        for v in values:
            q |= Q(**{f"{column}__contains": [v]})
        return qs.filter(q)
    table = qs.model._meta.db_table
    marks = ", ".join(["%s"] * len(values))
    where = f'EXISTS (SELECT 1 FROM json_each("{table}"."{column}") j WHERE j.value IN ({marks}))'  # noqa: S608
    return qs.extra(  # noqa: S610 - table and column are ours; the values are parameters
        where=[where],
        params=list(values),
    )


def _uuids(q: ListQuery, name: str) -> list[UUID]:
    return [as_uuid(v, name) for v in q.getlist(name)]


def _one_uuid(q: ListQuery, name: str) -> UUID | None:
    value = q.get(name)
    return as_uuid(value, name) if value is not None else None


def _enums(q: ListQuery, name: str, allowed: Sequence[str]) -> list[str]:
    return [as_enum(v, name, allowed) for v in q.getlist(name)]


def _lookup_ids(qs: QuerySet, body: dict[str, list[str]], scope: ApiScope) -> QuerySet:
    return qs.filter(pk__in=[as_uuid(v, "ids") for v in body.get("ids", [])])


# --- organisations ------------------------------------------------------------------------


def _organisation_filters(qs: QuerySet, q: ListQuery, scope: ApiScope) -> QuerySet:
    if parents := _uuids(q, "parent"):
        qs = qs.filter(parent_id__in=parents)
    if codes := q.getlist("schoolUnitCode"):
        qs = qs.filter(school_unit_code__in=codes)
    if codes := q.getlist("organisationCode"):
        qs = qs.filter(organisation_code__in=codes)
    if (code := q.get("municipalityCode")) is not None:
        qs = qs.filter(municipality_code=code)
    if types := _enums(q, "type", OrganisationType.values):
        qs = qs.filter(organisation_type__in=types)
    if school_types := _enums(q, "schoolTypes", SchoolType.values):
        qs = json_list_has_any(qs, "school_types", school_types)
    return qs.filter(period_filters(q))


def _organisation_lookup(qs: QuerySet, body: dict[str, list[str]], scope: ApiScope) -> QuerySet:
    return qs.filter(
        Q(pk__in=[as_uuid(v, "ids") for v in body.get("ids", [])])
        | Q(school_unit_code__in=body.get("schoolUnitCodes", []))
        | Q(organisation_code__in=[c for c in body.get("organisationCodes", []) if c])
    )


# --- persons ------------------------------------------------------------------------------

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
    org = _one_uuid(q, "relationship.organisation")
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
    for part in q.getlist("nameContains"):
        qs = qs.filter(
            Q(given_name__icontains=part)
            | Q(middle_name__icontains=part)
            | Q(family_name__icontains=part)
        )
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
    qs = serializers.with_person_json_text(qs)
    return qs.annotate(_civic=Coalesce(F("civic_no"), Value("")))


# --- the rest ------------------------------------------------------------------------------


def _placement_filters(qs: QuerySet, q: ListQuery, scope: ApiScope) -> QuerySet:
    if (org := _one_uuid(q, "organisation")) is not None:
        qs = qs.filter(placed_at_id=org)
    if (group := _one_uuid(q, "group")) is not None:
        qs = qs.filter(group_id=group)
    if (child := _one_uuid(q, "child")) is not None:
        qs = qs.filter(child_id=child)
    if (owner := _one_uuid(q, "owner")) is not None:
        qs = qs.filter(_owned_by(scope, [owner]))
    return qs.filter(period_filters(q))


def _owned_by(scope: ApiScope, person_ids: list[UUID]) -> Q:
    # Through the owner links the client may see: a protected owner's placement would
    # say where she takes her child.
    owners = access.placement_owners_visible_to_client(scope)
    return Q(pk__in=owners.filter(person_id__in=person_ids).values("placement_id"))


def _placement_lookup(qs: QuerySet, body: dict[str, list[str]], scope: ApiScope) -> QuerySet:
    people = [as_uuid(v, "personIds") for v in body.get("personIds", [])]
    cond = Q(pk__in=[as_uuid(v, "ids") for v in body.get("ids", [])])
    if people:
        cond |= Q(child_id__in=people) | _owned_by(scope, people)
    return qs.filter(cond)


def _duty_filters(qs: QuerySet, q: ListQuery, scope: ApiScope) -> QuerySet:
    if (org := _one_uuid(q, "organisation")) is not None:
        qs = qs.filter(duty_at_id=org)
    if (role := q.get("dutyRole")) is not None:
        qs = qs.filter(duty_role=as_enum(role, "dutyRole", DutyRole.values))
    if (person := _one_uuid(q, "person")) is not None:
        qs = qs.filter(person_id=person)
    return qs.filter(period_filters(q))


def _group_filters(qs: QuerySet, q: ListQuery, scope: ApiScope) -> QuerySet:
    if types := _enums(q, "groupType", GroupType.values):
        qs = qs.filter(group_type__in=types)
    if school_types := _enums(q, "schoolTypes", SchoolType.values):
        qs = qs.filter(school_type__in=school_types)
    if orgs := _uuids(q, "organisation"):
        qs = qs.filter(organisation_id__in=orgs)
    return qs.filter(period_filters(q))


def _programme_filters(qs: QuerySet, q: ListQuery, scope: ApiScope) -> QuerySet:
    if school_types := _enums(q, "schoolType", SchoolType.values):
        qs = qs.filter(school_type__in=school_types)
    if (code := q.get("code")) is not None:
        qs = qs.filter(code=code)
    if (parent := _one_uuid(q, "parentProgramme")) is not None:
        qs = qs.filter(parent_programme_id=parent)
    return qs


def _no_filters(qs: QuerySet, q: ListQuery, scope: ApiScope) -> QuerySet:
    return qs


def _offering_filters(qs: QuerySet, q: ListQuery, scope: ApiScope) -> QuerySet:
    if (org := _one_uuid(q, "organisation")) is not None:
        qs = qs.filter(offered_at_id=org)
    return qs


def subtree_in_scope(scope: ApiScope, root: UUID) -> set[UUID]:
    """Return `root` and the organisations under it, within the client's scope."""
    pairs = list(Organisation.objects.filter(pk__in=scope.org_ids).values_list("id", "parent_id"))
    children: dict[UUID, list[UUID]] = {}
    for pk, parent in pairs:
        if parent is not None:
            children.setdefault(parent, []).append(pk)
    found: set[UUID] = set()
    stack = [root] if root in scope.org_ids else []
    while stack:
        node = stack.pop()
        if node not in found:
            found.add(node)
            stack.extend(children.get(node, ()))
    return found


def members_of(scope: ApiScope, person_ids: list[UUID], activity: str = "pk") -> Q:
    """Activities (through `activity`) of groups these persons belong to.

    Only through memberships the client may see, as /groups lists them: a protected
    pupil's class is not found by asking for her.
    """
    groups = access.memberships_visible_to_client(scope).filter(person_id__in=person_ids)
    return Q(
        Exists(
            Activity.groups.through.objects.filter(
                activity_id=OuterRef(activity), group_id__in=groups.values("group_id")
            )
        )
    )


def teaching(scope: ApiScope, duty_ids: list[UUID], activity: str = "pk") -> Q:
    """Activities (through `activity`) these duties teach, as the client may see them."""
    return Q(
        Exists(
            access.activity_teachers_visible_to_client(scope).filter(
                activity_id=OuterRef(activity), duty_id__in=duty_ids
            )
        )
    )


def _activity_filters(qs: QuerySet, q: ListQuery, scope: ApiScope) -> QuerySet:
    if (member := _one_uuid(q, "member")) is not None:
        qs = qs.filter(members_of(scope, [member]))
    if (teacher := _one_uuid(q, "teacher")) is not None:
        qs = qs.filter(teaching(scope, [teacher]))
    if (org := _one_uuid(q, "organisation")) is not None:
        qs = qs.filter(organisation_id__in=subtree_in_scope(scope, org))
    if (group := _one_uuid(q, "group")) is not None:
        qs = qs.filter(groups=group)
    return qs.filter(period_filters(q))


def _activity_lookup(qs: QuerySet, body: dict[str, list[str]], scope: ApiScope) -> QuerySet:
    cond = Q(pk__in=[as_uuid(v, "ids") for v in body.get("ids", [])])
    if teachers := [as_uuid(v, "teachers") for v in body.get("teachers", [])]:
        cond |= teaching(scope, teachers)
    if members := [as_uuid(v, "members") for v in body.get("members", [])]:
        cond |= members_of(scope, members)
    return qs.filter(cond)


RESOURCES: dict[str, Resource] = {
    r.path: r
    for r in (
        Resource(
            path="organisations",
            entity="Organisation",
            queryset=access.organisations_visible_to_client,
            fields=serializers.ORGANISATION_FIELDS,
            serialize=serializers.organisation_rows,
            sortkeys={
                "ModifiedDesc": MODIFIED_DESC,
                "DisplayNameAsc": (SortKey("display_name"), ID),
            },
            filters=_organisation_filters,
            lookup_keys=("ids", "schoolUnitCodes", "organisationCodes"),
            lookup=_organisation_lookup,
        ),
        Resource(
            path="persons",
            entity="Person",
            queryset=access.persons_visible_to_client,
            fields=serializers.PERSON_FIELDS,
            serialize=serializers.person_rows,
            sortkeys={
                "DisplayNameAsc": (SortKey("given_name"), SortKey("family_name"), ID),
                "GivenNameDesc": (SortKey("given_name", desc=True), ID_DESC),
                "GivenNameAsc": (SortKey("given_name"), ID),
                "FamilyNameDesc": (SortKey("family_name", desc=True), ID_DESC),
                "FamilyNameAsc": (SortKey("family_name"), ID),
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
        Resource(
            path="placements",
            entity="Placement",
            queryset=access.placements_visible_to_client,
            fields=serializers.PLACEMENT_FIELDS,
            serialize=serializers.placement_rows,
            sortkeys={
                "StartDateAsc": START_ASC,
                "StartDateDesc": START_DESC,
                "EndDateAsc": END_ASC,
                "EndDateDesc": END_DESC,
                "ModifiedDesc": MODIFIED_DESC,
            },
            filters=_placement_filters,
            expand=("child", "owners"),
            lookup_keys=("ids", "personIds"),
            lookup=_placement_lookup,
            annotate=_with_end,
        ),
        Resource(
            path="duties",
            entity="Duty",
            queryset=access.duties_visible_to_client,
            fields=serializers.DUTY_FIELDS,
            serialize=serializers.duty_rows,
            sortkeys={
                "StartDateDesc": START_DESC,
                "StartDateAsc": START_ASC,
                "ModifiedDesc": MODIFIED_DESC,
            },
            filters=_duty_filters,
            expand=("person",),
        ),
        Resource(
            path="groups",
            entity="Group",
            queryset=access.groups_visible_to_client,
            fields=serializers.GROUP_FIELDS,
            serialize=serializers.group_rows,
            sortkeys={
                "ModifiedDesc": MODIFIED_DESC,
                "DisplayNameAsc": (SortKey("display_name"), ID),
                "StartDateAsc": START_ASC,
                "StartDateDesc": START_DESC,
                "EndDateAsc": END_ASC,
                "EndDateDesc": END_DESC,
            },
            filters=_group_filters,
            expand=("assignmentRoles",),
            annotate=_with_end,
        ),
        Resource(
            path="programmes",
            entity="Programme",
            queryset=access.programmes_visible_to_client,
            fields=serializers.PROGRAMME_FIELDS,
            serialize=serializers.programme_rows,
            sortkeys={
                "NameAsc": (SortKey("name"), ID),
                "CodeAsc": (SortKey("code"), ID),
                "ModifiedDesc": MODIFIED_DESC,
            },
            filters=_programme_filters,
        ),
        Resource(
            path="syllabuses",
            entity="Syllabus",
            queryset=access.syllabuses_visible_to_client,
            fields=serializers.SYLLABUS_FIELDS,
            serialize=serializers.syllabus_rows,
            sortkeys={
                "ModifiedDesc": MODIFIED_DESC,
                **{
                    f"{name}{direction}": (
                        SortKey(column, desc=direction == "Desc"),
                        ID_DESC if direction == "Desc" else ID,
                    )
                    for name, column in (
                        ("SubjectName", "subject_name"),
                        ("SubjectCode", "subject_code"),
                        ("CourseName", "course_name"),
                        ("CourseCode", "course_code"),
                        ("SubjectDesignation", "subject_designation"),
                    )
                    for direction in ("Asc", "Desc")
                },
            },
            filters=_no_filters,
        ),
        Resource(
            path="schoolUnitOfferings",
            entity="SchoolUnitOffering",
            queryset=access.offerings_visible_to_client,
            fields=serializers.OFFERING_FIELDS,
            serialize=serializers.offering_rows,
            sortkeys={
                "ModifiedDesc": MODIFIED_DESC,
                "StartDateAsc": (SortKey("_start", kind="date"), ID),
                "StartDateDesc": (SortKey("_start", desc=True, kind="date"), ID_DESC),
                "EndDateAsc": END_ASC,
                "EndDateDesc": END_DESC,
            },
            filters=_offering_filters,
            annotate=lambda qs: _with_end(qs).annotate(
                _start=Coalesce(F("start_date"), Value(date(1, 1, 1)))
            ),
        ),
        Resource(
            path="activities",
            entity="Activity",
            queryset=access.activities_visible_to_client,
            fields=serializers.ACTIVITY_FIELDS,
            serialize=serializers.activity_rows,
            sortkeys={
                "ModifiedDesc": MODIFIED_DESC,
                "DisplayNameAsc": (SortKey("display_name"), ID),
            },
            filters=_activity_filters,
            expand=("groups", "teachers", "syllabus"),
            lookup_keys=("ids", "teachers", "members"),
            lookup=_activity_lookup,
        ),
    )
}


def lookup_queryset(resource: Resource, qs: QuerySet, body: dict, scope: ApiScope) -> QuerySet:
    apply = resource.lookup or _lookup_ids
    return apply(qs, body, scope)


def check_expand(resource: Resource, values: Sequence[str]) -> frozenset[str]:
    for value in values:
        if value not in resource.expand:
            allowed = ", ".join(resource.expand) or "inget"
            raise BadRequest(f"expand: {value!r} går inte att expandera här (tillåtet: {allowed}).")
    return frozenset(values)
