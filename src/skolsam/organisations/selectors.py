"""Read organisations. Organisations are public facts, not personal data.

The school unit page also counts and lists the people at a unit; those reads start from
the access layer (`memberships_visible_to`, `enrolments_visible_to`, `persons_visible_to`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from skolsam.core.access import Actor
from skolsam.core.choices import GroupType, SchoolType
from skolsam.core.models import valid_on
from skolsam.core.policy import Action
from skolsam.duties.access import assignment_role_policy, duty_policy
from skolsam.duties.models import Duty
from skolsam.enrolment.access import enrolments_visible_to
from skolsam.enrolment.models import Enrolment
from skolsam.groups.access import groups_visible_to, memberships_visible_to
from skolsam.groups.models import Group
from skolsam.organisations.access import organisation_policy
from skolsam.organisations.models import Organisation


def organisation_subtree_ids(*, organisation_id: UUID) -> set[UUID]:
    """Return the organisation and every organisation below it (empty when it is missing).

    One query: the organisation's whole tree (every organisation of its huvudman), walked
    in Python, since the tree is small and SQLite has no cheaper recursive walk to offer.
    """
    pairs = list(
        Organisation.objects.filter(
            huvudman_id=Organisation.objects.filter(pk=organisation_id).values("huvudman_id")[:1]
        ).values_list("id", "parent_id")
    )
    children: dict[UUID, list[UUID]] = {}
    known = set()
    for pk, parent in pairs:
        known.add(pk)
        if parent is not None:
            children.setdefault(parent, []).append(pk)
    found: set[UUID] = set()
    stack = [organisation_id] if organisation_id in known else []
    while stack:
        node = stack.pop()
        if node not in found:
            found.add(node)
            stack.extend(children.get(node, ()))
    return found


def organisation_get_by_code(code: str) -> Organisation | None:
    """Find an organisation by id, organisationCode or schoolUnitCode."""
    from uuid import UUID

    try:
        return Organisation.objects.filter(pk=UUID(code)).first()
    except ValueError:
        pass
    return (
        Organisation.objects.filter(school_unit_code=code).first()
        or Organisation.objects.filter(organisation_code=code).first()
    )


# --- the school unit page ----------------------------------------------------------------


def organisation_duties(*, actor: Actor, organisation: Organisation) -> QuerySet[Duty]:
    """Return today's duties at `organisation` held by persons the actor may see there.

    A protected staff member's workplace is location data: left out unless the actor is
    named for them (or is them).
    """
    return (
        duty_policy.objects(actor, Action.VIEW)
        .filter(valid_on(actor.on), duty_at=organisation)
        .select_related("person")
        .order_by("person__family_name", "person__given_name", "person_id", "duty_role", "id")
    )


@dataclass(frozen=True)
class YearCount:
    school_type: str
    school_year: int | None
    count: int

    @property
    def school_type_label(self) -> str:
        return (
            str(SchoolType(self.school_type).label)
            if self.school_type in SchoolType.values
            else self.school_type
        )


@dataclass(frozen=True)
class StaffRow:
    person: Any
    duties: list[Duty]


@dataclass(frozen=True)
class SchoolUnitOverview:
    unit: Organisation
    on: date
    groups: list[Group]  # each with `member_count`
    staff: list[StaffRow]
    years: list[YearCount]
    # Whether the actor sees the unit's pupils at all (leaders, administrators, pupil health).
    shows_pupils: bool
    may_manage: bool

    @property
    def pupil_count(self) -> int:
        return sum(y.count for y in self.years)


def school_unit_overview(*, actor: Actor, unit: Organisation) -> SchoolUnitOverview:
    """Gather the school unit page in a fixed number of queries.

    `unit` must come from `access.organisation_for_actor`. Groups are those the actor may
    see (a teacher sees their own); member counts are what the actor's class list would
    show; pupils by school year only for those who see every pupil of the unit.
    """
    day = actor.on
    members = (
        memberships_visible_to(actor, on=day)
        .filter(group=OuterRef("pk"))
        .order_by()
        .values("group")
        .annotate(n=Count("person", distinct=True))
        .values("n")
    )
    groups = list(
        groups_visible_to(actor)
        .filter(valid_on(day), organisation=unit)
        .annotate(member_count=Coalesce(Subquery(members, output_field=IntegerField()), 0))
        .order_by("group_type", "display_name", "id")
    )
    duties = list(
        organisation_duties(actor=actor, organisation=unit).prefetch_related(
            Prefetch(
                "assignment_roles",
                queryset=assignment_role_policy.objects(actor, Action.VIEW)
                .filter(valid_on(day))
                .select_related("group")
                .order_by("group__display_name", "id"),
                to_attr="current_roles",
            )
        )
    )
    staff: list[StaffRow] = []
    for duty in duties:
        if staff and staff[-1].person.pk == duty.person_id:
            staff[-1].duties.append(duty)
        else:
            staff.append(StaffRow(duty.person, [duty]))

    shows_pupils = organisation_policy.can(actor, Action.VIEW_PUPILS, unit)
    years: list[YearCount] = []
    if shows_pupils:
        rows = (
            enrolments_visible_to(actor, on=day)
            .filter(enroled_at=unit)
            .order_by()
            .values("school_type", "school_year")
            .annotate(n=Count("person", distinct=True))
        )
        order = {value: i for i, value in enumerate(SchoolType.values)}
        years = sorted(
            (YearCount(r["school_type"], r["school_year"], r["n"]) for r in rows),
            key=lambda y: (order.get(y.school_type, 99), y.school_year is None, y.school_year or 0),
        )
    return SchoolUnitOverview(
        unit=unit,
        on=day,
        groups=groups,
        staff=staff,
        years=years,
        shows_pupils=shows_pupils,
        may_manage=organisation_policy.can(actor, Action.CHANGE, unit),
    )


@dataclass(frozen=True)
class PupilRow:
    enrolment: Enrolment
    classes: list[Group]

    @property
    def person(self) -> Any:
        return self.enrolment.person


def school_unit_pupils(
    *, actor: Actor, unit: Organisation, school_type: str, school_year: int | None
) -> list[PupilRow]:
    """Return the pupils of one school type and year at `unit` today, with their classes.

    Empty unless the actor sees every pupil of the unit. Protected pupils appear only to
    the staff named for them (`access.enrolments_visible_to`). Two queries.
    """
    if not organisation_policy.can(actor, Action.VIEW_PUPILS, unit):
        return []
    day = actor.on
    enrolments = list(
        enrolments_visible_to(actor, on=day)
        .filter(enroled_at=unit, school_type=school_type, school_year=school_year)
        .select_related("person")
        .order_by("person__family_name", "person__given_name", "person_id", "id")
    )
    person_ids = [e.person_id for e in enrolments]
    classes: dict[Any, list[Group]] = {}
    for membership in (
        memberships_visible_to(actor, on=day)
        .filter(
            person_id__in=person_ids,
            group__group_type=GroupType.KLASS,
            group__organisation=unit,
        )
        .select_related("group")
        .order_by("group__display_name")
    ):
        classes.setdefault(membership.person_id, []).append(membership.group)
    seen: set[Any] = set()
    rows = []
    for enrolment in enrolments:
        if enrolment.person_id in seen:
            continue
        seen.add(enrolment.person_id)
        rows.append(PupilRow(enrolment, classes.get(enrolment.person_id, [])))
    return rows
