"""Read groups and their members through the access layer."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from django.db.models import Q, QuerySet

from skolsam.core.access import Actor, located, may_see_location
from skolsam.core.choices import GroupType
from skolsam.core.models import valid_on
from skolsam.core.policy import Action
from skolsam.duties.access import assignment_role_policy
from skolsam.duties.models import AssignmentRole
from skolsam.enrolment.models import Placement
from skolsam.groups.access import group_members_visible_to, group_policy, memberships_visible_to
from skolsam.groups.models import Group, GroupMembership
from skolsam.people.access import persons_visible_to, responsibles_visible_to
from skolsam.people.models import Person, Responsible


def group_members_on(*, actor: Actor, group: Group, on: date) -> QuerySet[Person]:
    """Return the persons in `group` on day `on` that `actor` may see in a class list.

    Answers "who was in class 7B on 15 October": memberships valid that day (both ends
    inclusive), with the actor's rights of `actor.on`. Protected pupils appear only to the
    staff named for them, so the list is the one the actor may print.
    """
    return group_members_visible_to(actor, group, on).order_by("family_name", "given_name", "id")


@dataclass(frozen=True)
class GuardianContact:
    relation: Responsible
    # False for a guardian with protected identity whom the actor is not named for:
    # the name shows that the relation exists, phone, e-mail and address stay hidden.
    shows_contact: bool

    @property
    def person(self) -> Person:
        return self.relation.responsible


@dataclass(frozen=True)
class ClassListRow:
    # A class holds its pupils through memberships; a preschool or fritidshem department
    # (Avdelning) holds its children through their placements. Each row has one of them.
    membership: GroupMembership | None
    guardians: list[GuardianContact]
    placement: Placement | None = None

    @property
    def person(self) -> Person:
        return self.membership.person if self.membership else self.placement.child  # type: ignore[union-attr]

    @property
    def end_date(self) -> date | None:
        return (self.membership or self.placement).end_date  # type: ignore[union-attr]


@dataclass(frozen=True)
class ClassList:
    group: Group
    on: date
    rows: list[ClassListRow]
    staff: list[AssignmentRole]

    @property
    def persons(self) -> list[Person]:
        """Every person the list shows, pupils and guardians, for the audit log."""
        shown = [row.person for row in self.rows]
        shown += [g.person for row in self.rows for g in row.guardians]
        shown += [role.duty.person for role in self.staff]
        return shown


def group_class_list(*, actor: Actor, group: Group, on: date) -> ClassList:
    """Return the class list of `group` on day `on`: pupils, their guardians, the staff.

    `group` must come from `access.group_for_actor`. Pupils are the memberships valid that
    day the actor may see (`access.memberships_visible_to`; protected pupils only for the
    staff named for them); guardians are the responsible relations valid that day, of
    persons the actor may see. Staff with a role in the group (mentors ...) are listed if
    their location is known to the actor. Three queries whatever the size of the class.
    """
    scoped = replace(actor, on=on)
    memberships = list(
        memberships_visible_to(actor, on=on)
        .filter(group=group)
        .select_related("person")
        .order_by("person__family_name", "person__given_name", "person_id", "start_date", "id")
    )
    rows: list[ClassListRow] = []
    by_person: dict[object, ClassListRow] = {}
    for membership in memberships:
        if membership.person_id in by_person:
            continue  # two memberships valid the same day: one row per pupil
        row = ClassListRow(membership, [])
        by_person[membership.person_id] = row
        rows.append(row)
    if group.group_type == GroupType.AVDELNING:
        rows += _placed_rows(actor, group, on, by_person)
        rows.sort(key=lambda r: (r.person.family_name, r.person.given_name, str(r.person.pk)))
    relations = (
        responsibles_visible_to(scoped)
        .filter(valid_on(on), person_id__in=list(by_person))
        .select_related("responsible")
        .order_by("responsible__family_name", "responsible__given_name", "id")
    )
    for relation in relations:
        by_person[relation.person_id].guardians.append(
            GuardianContact(relation, may_see_location(actor, relation.responsible))
        )
    staff = list(
        assignment_role_policy.objects(scoped, Action.VIEW)
        .filter(valid_on(on), group=group)
        .select_related("duty", "duty__person")
        .order_by("assignment_role_type", "duty__person__family_name", "id")
    )
    return ClassList(group=group, on=on, rows=rows, staff=staff)


def _placed_rows(
    actor: Actor, group: Group, on: date, by_person: dict[object, ClassListRow]
) -> list[ClassListRow]:
    """Return a department's placed children on `on` as rows, as the actor may see them.

    The same rules as the memberships: children the actor may see, a protected child only
    for staff named for her. One query; the rows are added to `by_person` too.
    """
    placements = (
        Placement.objects.filter(valid_on(on), group=group)
        .filter(child__in=persons_visible_to(replace(actor, on=on)))
        .filter(located(actor, "child__"))
        .select_related("child")
        .order_by("child__family_name", "child__given_name", "child_id", "start_date", "id")
    )
    rows = []
    for placement in placements:
        if placement.child_id in by_person:
            continue
        row = ClassListRow(None, [], placement)
        by_person[placement.child_id] = row
        rows.append(row)
    return rows


def group_list_for_management(*, actor: Actor, on: date) -> QuerySet[Group]:
    """Return groups at the organisations `actor` manages that are valid on `on` or later."""
    return (
        group_policy.objects(actor, Action.CHANGE)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
        .select_related("organisation")
        .order_by("organisation__display_name", "display_name", "id")
    )
