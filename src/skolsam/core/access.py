"""Decide what each actor may see and do. Every read of personal data goes through here.

Roles are not flags on the account; they follow from the register on a given day:

- a duty with an administrative role (Rektor, Skoladministratör, ...) at a huvudman or
  förvaltning makes a *central administrator* for the whole huvudman; at a school unit
  (or a school or rektorsområde) it makes a *school administrator* for that subtree;
- pupil-health and guidance roles (kurator, skolsköterska, ...) see every pupil of the
  subtree where they hold the duty, like administrators, but may not change the register;
- every other duty (teachers, preschool staff, ...) sees the pupils of the groups the
  person teaches (Activity) or holds an assignment role in (mentor, ...), the guardians of
  those pupils, and colleagues with a duty in the same organisations. Only groups of the
  organisations where the person holds the duty count, and only pupils enrolled or placed
  there: staff never see anyone outside the organisations where they hold a duty;
- a valid responsible relation (vårdnadshavare, god man, ...) shows that child;
- everyone sees themself.

Nobody crosses huvudman boundaries, except that a municipal huvudman's central
administrators see their own residents (folkbokförda) who are or were enrolled or placed
(started and not cancelled by that day) and those residents' enrolments wherever they
are, as hemkommun. That link gives sight only: it lets them neither change those
residents' register nor name staff for them.

Protected identity (sekretessmarkering, skyddad folkbokföring): such a person is not
visible through school-level roles at all, so they never show up in a class list,
a teacher's search or a school export. Central administrators still see that the person
exists (to name authorised staff), the person sees themself and a responsible sees the
child. The location data (address, school unit, class, groups, photo) is shown only to
staff named in a ProtectedIdentityAuthorisation, and to the person themself. A named staff
member counts as named only while they hold a duty in a huvudman where the person is
enrolled, placed or employed.

A forbidden object answers exactly like a missing one: the `*_for_actor` functions raise
Http404 in both cases.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any
from uuid import UUID

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from skolsam.core.choices import DutyRole, OrganisationType, SecurityMarking
from skolsam.core.dates import today
from skolsam.core.db import AmongMany, AnyOf
from skolsam.core.models import valid_on

ADMIN_ROLES = frozenset(
    {
        DutyRole.REKTOR,
        DutyRole.SKOLADMINISTRATOR,
        DutyRole.OVRIG_ARBETSLEDNING,
        DutyRole.FORSKOLECHEF,
    }
)
SCHOOL_WIDE_ROLES = ADMIN_ROLES | {
    DutyRole.KURATOR,
    DutyRole.SKOLSKOTERSKA,
    DutyRole.SKOLLAKARE,
    DutyRole.SKOLPSYKOLOG,
    DutyRole.SPECIALPEDAGOG,
    DutyRole.SYV,
}
CENTRAL_ORGANISATION_TYPES = frozenset(
    {
        OrganisationType.HUVUDMAN,
        OrganisationType.VERKSAMHETSOMRADE,
        OrganisationType.FORVALTNING,
    }
)


@dataclass(frozen=True)
class Actor:
    """Who is asking, on which day, and what the register grants them that day."""

    user_id: int | None
    person_id: UUID | None
    on: date
    # Organisations (whole subtrees, expanded) by the kind of grant.
    central_org_ids: frozenset[UUID] = frozenset()
    admin_org_ids: frozenset[UUID] = frozenset()
    school_wide_org_ids: frozenset[UUID] = frozenset()
    staff_org_ids: frozenset[UUID] = frozenset()
    home_municipality_codes: frozenset[str] = frozenset()
    group_ids: frozenset[UUID] = frozenset()
    responsible_for_ids: frozenset[UUID] = frozenset()
    authorised_protected_ids: frozenset[UUID] = frozenset()
    can_search_audit: bool = False
    roles: frozenset[str] = field(default_factory=frozenset)
    # A system actor (a management command, an import, the demo loader) passes the
    # permission checks in services; it is still written to the audit log under `label`.
    is_system: bool = False
    label: str = ""

    @property
    def is_staff_member(self) -> bool:
        return bool(self.staff_org_ids)

    @property
    def is_central_admin(self) -> bool:
        return bool(self.central_org_ids)

    @property
    def is_admin(self) -> bool:
        return bool(self.admin_org_ids)

    @property
    def is_guardian(self) -> bool:
        return bool(self.responsible_for_ids)


def system_actor(label: str) -> Actor:
    """Return the actor for work no person does by hand: commands, imports, the demo loader."""
    return Actor(user_id=None, person_id=None, on=today(), is_system=True, label=label)


def actor_for_user(user: object, on: date | None = None) -> Actor:
    """Build the Actor for a logged-in user on day `on` (today by default)."""
    from skolsam.accounts.models import User

    day = on or today()
    if not isinstance(user, User) or not user.is_authenticated or not user.is_active:
        return Actor(user_id=None, person_id=None, on=day)
    can_audit = user.has_perm("audit.search_auditentry")
    if user.person_id is None:
        return Actor(
            user_id=user.pk, person_id=None, on=day, can_search_audit=can_audit, label=user.username
        )
    return actor_for_person(
        user.person_id, on=day, user_id=user.pk, can_search_audit=can_audit, label=user.username
    )


def actor_for_person(
    person_id: UUID,
    *,
    on: date | None = None,
    user_id: int | None = None,
    can_search_audit: bool = False,
    label: str = "",
) -> Actor:
    """Build the Actor for a person: their duties, groups and relations on day `on`."""
    from skolsam.activities.models import ActivityTeacher
    from skolsam.duties.models import AssignmentRole, Duty
    from skolsam.organisations.models import Organisation
    from skolsam.people.models import Person, ProtectedIdentityAuthorisation, Responsible

    day = on or today()
    duties = list(
        Duty.objects.filter(valid_on(day), person_id=person_id)
        .select_related("duty_at")
        .only(
            "id",
            "duty_role",
            "duty_at__id",
            "duty_at__organisation_type",
            "duty_at__huvudman_id",
            "duty_at__home_municipality_code",
        )
    )
    tree = _organisation_tree(Organisation, {d.duty_at.huvudman_id or d.duty_at.id for d in duties})

    central: set[UUID] = set()
    admin: set[UUID] = set()
    school_wide: set[UUID] = set()
    staff: set[UUID] = set()
    home_codes: set[str] = set()
    roles: set[str] = set()
    for duty in duties:
        subtree = _subtree(tree, duty.duty_at.id)
        staff |= subtree
        roles.add(duty.duty_role)
        if duty.duty_role in SCHOOL_WIDE_ROLES:
            school_wide |= subtree
        if duty.duty_role in ADMIN_ROLES:
            admin |= subtree
            if duty.duty_at.organisation_type in CENTRAL_ORGANISATION_TYPES:
                central |= subtree
                huvudman = tree.get(duty.duty_at.huvudman_id or duty.duty_at.id)
                if huvudman and huvudman[1]:
                    home_codes.add(huvudman[1])

    duty_ids = [d.id for d in duties]
    group_ids: set[UUID] = set()
    if duty_ids:
        # Only groups of organisations where the person holds a duty: an assignment or an
        # activity pointing into another school or huvudman grants nothing there.
        group_ids |= set(
            AssignmentRole.objects.filter(
                valid_on(day), duty_id__in=duty_ids, group__organisation_id__in=staff
            ).values_list("group_id", flat=True)
        )
        group_ids |= set(
            ActivityTeacher.objects.filter(
                Q(start_date__isnull=True) | Q(start_date__lte=day),
                Q(end_date__isnull=True) | Q(end_date__gte=day),
                duty_id__in=duty_ids,
                activity__start_date__lte=day,
                activity__groups__organisation_id__in=staff,
            )
            .filter(Q(activity__end_date__isnull=True) | Q(activity__end_date__gte=day))
            .values_list("activity__groups__id", flat=True)
        )
        group_ids.discard(None)

    responsible_for = set(
        Responsible.objects.filter(valid_on(day), responsible_id=person_id).values_list(
            "person_id", flat=True
        )
    )
    # A named staff member sees the protected person only while they work, that day, in a
    # huvudman where the person is enrolled, placed or employed: an open-ended authorisation
    # must not follow someone who has moved on to another huvudman.
    authorised: set[UUID] = set()
    if tree:
        authorised = set(
            ProtectedIdentityAuthorisation.objects.filter(valid_on(day), staff_id=person_id)
            .exclude(person__security_marking=SecurityMarking.INGEN)
            .filter(
                person__in=Person.objects.filter(_in_organisations(frozenset(tree), day)).values(
                    "pk"
                )
            )
            .values_list("person_id", flat=True)
        )
    if responsible_for:
        roles.add("Vårdnadshavare")
    return Actor(
        user_id=user_id,
        person_id=person_id,
        on=day,
        central_org_ids=frozenset(central),
        admin_org_ids=frozenset(admin),
        school_wide_org_ids=frozenset(school_wide),
        staff_org_ids=frozenset(staff),
        home_municipality_codes=frozenset(home_codes),
        group_ids=frozenset(group_ids),
        responsible_for_ids=frozenset(responsible_for),
        authorised_protected_ids=frozenset(authorised),
        can_search_audit=can_search_audit,
        roles=frozenset(roles),
        label=label or str(person_id),
    )


def _organisation_tree(model: type, huvudman_ids: Iterable[UUID]) -> dict:
    """Load {id: (parent_id, home_municipality_code)} for the trees of these huvudmän."""
    ids = set(huvudman_ids)
    if not ids:
        return {}
    rows = model.objects.filter(Q(huvudman_id__in=ids) | Q(id__in=ids)).values_list(  # type: ignore[attr-defined]
        "id", "parent_id", "home_municipality_code"
    )
    return {row[0]: (row[1], row[2]) for row in rows}


def _subtree(tree: dict, root: UUID) -> set[UUID]:
    children: dict[UUID, list[UUID]] = {}
    for node, (parent, _code) in tree.items():
        if parent is not None:
            children.setdefault(parent, []).append(node)
    found, stack = set(), [root]
    while stack:
        node = stack.pop()
        if node in found:
            continue
        found.add(node)
        stack.extend(children.get(node, ()))
    return found


# --- persons -------------------------------------------------------------------------
#
# Each helper below is a condition on one candidate person, written as correlated EXISTS
# subqueries on the rows that grant sight (enrolments, placements, duties, memberships,
# relations). A lookup by id, civic number or name then checks the scope for its few
# candidates through the per-person indexes, instead of first building every enrolment,
# duty and relation of the huvudman. `person` names the candidate's id in the enclosing
# query: "pk" on Person, "person_id" inside a query on Responsible.


def _not_ended(day: date) -> Q:
    """Rows current on `day` or starting later: staff must see the pupils and colleagues
    they are about to receive, e.g. a pupil registered now to start next term."""
    return Q(end_date__isnull=True) | Q(end_date__gte=day)


def _pupils_in(org_ids: frozenset[UUID], day: date, person: str = "pk") -> Q:
    """Persons enrolled or placed within these organisations on `day` or from later."""
    from skolsam.enrolment.models import Enrolment, Placement

    if not org_ids:
        return Q(pk__in=[])
    enrolled = Enrolment.objects.filter(
        _not_ended(day),
        AmongMany("enroled_at_id", org_ids),
        person_id=OuterRef(person),
        cancelled=False,
    )
    placed = Placement.objects.filter(
        _not_ended(day), AmongMany("placed_at_id", org_ids), child_id=OuterRef(person)
    )
    return Q(Exists(enrolled)) | Q(Exists(placed))


def _employed_in(org_ids: frozenset[UUID], day: date, person: str = "pk") -> Q:
    """Persons with a duty within these organisations on `day` or from later."""
    from skolsam.duties.models import Duty

    if not org_ids:
        return Q(pk__in=[])
    return Q(
        Exists(
            Duty.objects.filter(
                _not_ended(day), AmongMany("duty_at_id", org_ids), person_id=OuterRef(person)
            )
        )
    )


def _in_organisations(org_ids: frozenset[UUID], day: date, person: str = "pk") -> Q:
    """Persons enrolled, placed or employed within these organisations, now or from later."""
    return _pupils_in(org_ids, day, person) | _employed_in(org_ids, day, person)


def _pupils_of_groups(group_ids: frozenset[UUID], day: date, person: str = "pk") -> Q:
    from skolsam.enrolment.models import Placement
    from skolsam.groups.models import GroupMembership

    if not group_ids:
        return Q(pk__in=[])
    members = GroupMembership.objects.filter(
        valid_on(day), AnyOf("group_id", group_ids), person_id=OuterRef(person)
    )
    placed = Placement.objects.filter(
        valid_on(day), AnyOf("group_id", group_ids), child_id=OuterRef(person)
    )
    return Q(Exists(members)) | Q(Exists(placed))


def _residents(codes: frozenset[str], day: date) -> Q:
    """A hemkommun's residents who are or were in the school system (enrolled or placed).

    "Were" counts only what had started by `day`: a future enrolment does not grant yet,
    and a cancelled one never happened.
    """
    from skolsam.enrolment.models import Enrolment, Placement

    if not codes:
        return Q(pk__in=[])
    return Q(home_municipality_code__in=codes) & (
        Q(
            Exists(
                Enrolment.objects.filter(
                    person_id=OuterRef("pk"), cancelled=False, start_date__lte=day
                )
            )
        )
        | Q(Exists(Placement.objects.filter(child_id=OuterRef("pk"), start_date__lte=day)))
    )


def _school_pupils(
    actor: Actor, school_wide: frozenset[UUID], staff: frozenset[UUID], person: str = "pk"
) -> Q:
    # Staff see only persons enrolled, placed or employed where they hold a duty, so a
    # group member enrolled elsewhere (or no longer enrolled) stays out of the teacher's view.
    day = actor.on
    return _pupils_in(school_wide, day, person) | (
        _pupils_of_groups(actor.group_ids, day, person) & _in_organisations(staff, day, person)
    )


def _school_scope(actor: Actor, *, covered: frozenset[UUID] = frozenset()) -> Q:
    """Persons granted through school-level roles, before protected identity is applied.

    `covered` are organisations whose pupils and staff the caller grants anyway (a central
    administrator's): checking them again here could add nobody, so they are left out.
    """
    from skolsam.people.models import Responsible

    day = actor.on
    school_wide, staff = actor.school_wide_org_ids, actor.staff_org_ids
    pupils = _school_pupils(actor, school_wide - covered, staff - covered)
    colleagues = _employed_in(staff - covered, day)
    # Guardians of the pupils this actor sees, but never through a protected child:
    # the link would reveal where that child goes to school.
    guardians = Q(
        Exists(
            Responsible.objects.filter(
                _school_pupils(actor, school_wide, staff, "person_id"),
                valid_on(day),
                responsible_id=OuterRef("pk"),
                person__security_marking=SecurityMarking.INGEN,
            )
        )
    )
    return pupils | colleagues | guardians


def _personal_scope(actor: Actor) -> Q:
    q = Q(pk__in=actor.responsible_for_ids) | Q(pk__in=actor.authorised_protected_ids)
    if actor.person_id is not None:
        q |= Q(pk=actor.person_id)
    return q


def persons_visible_to(actor: Actor) -> QuerySet:
    """Return every person `actor` may see on `actor.on`, as a queryset."""
    from skolsam.people.models import Person

    if actor.person_id is None:
        return Person.objects.none()
    central = _in_organisations(actor.central_org_ids, actor.on) | _residents(
        actor.home_municipality_codes, actor.on
    )
    school = (
        _school_scope(actor, covered=actor.central_org_ids) if actor.staff_org_ids else Q(pk__in=[])
    )
    return Person.objects.filter(
        _personal_scope(actor) | central | (school & Q(security_marking=SecurityMarking.INGEN))
    )


def persons_listable_by(actor: Actor) -> QuerySet:
    """Return the persons `actor` may meet in name searches and lists.

    Like `persons_visible_to`, but a protected person appears only to themself, to a
    responsible adult and to staff named for them: a name typed in a search box or a list
    of a huvudman's pupils must not be enough to learn that a protected person is in the
    register. A whole civic number still finds them through `persons_visible_to`.
    """
    known = Q(pk__in=actor.responsible_for_ids) | Q(pk__in=actor.authorised_protected_ids)
    if actor.person_id is not None:
        known |= Q(pk=actor.person_id)
    return persons_visible_to(actor).filter(Q(security_marking=SecurityMarking.INGEN) | known)


def _get_or_404(queryset: QuerySet, pk: UUID | str, message: str) -> Any:
    """Fetch one row by id; a malformed id, a missing row and a forbidden row all give 404."""
    try:
        key = pk if isinstance(pk, UUID) else UUID(str(pk))
    except (ValueError, TypeError, AttributeError):
        raise Http404(message) from None
    obj = queryset.filter(pk=key).first()
    if obj is None:
        raise Http404(message)
    return obj


def person_for_actor(actor: Actor, person_id: UUID | str) -> Any:
    """Return the person if `actor` may see them; Http404 if not, or if there is none."""
    return _get_or_404(persons_visible_to(actor), person_id, "Personen finns inte.")


def may_see_location(actor: Actor, person: Any) -> bool:
    """Tell whether `actor` may see the person's address, school, class, groups and photo."""
    if getattr(person, "security_marking", SecurityMarking.INGEN) == SecurityMarking.INGEN:
        return True
    pk = getattr(person, "pk", None)
    return pk is not None and (pk == actor.person_id or pk in actor.authorised_protected_ids)


def may_edit_person(actor: Actor, person: Any) -> bool:
    """Tell whether `actor` may change the person's register data.

    Administrators may change the persons they see through their school or central
    scope (pupils, staff and the pupils' guardians); a protected person only when
    they are named for that person. Seeing someone only as their guardian or as
    hemkommun gives no right to change them.
    """
    from skolsam.people.models import Person

    if not actor.admin_org_ids or person is None or actor.person_id is None:
        return False
    if person.is_protected and person.pk not in actor.authorised_protected_ids:
        return False
    scope = _in_organisations(actor.central_org_ids, actor.on) | _school_scope(actor)
    return Person.objects.filter(scope, pk=person.pk).exists()


def may_grant_protected_access(actor: Actor, person: Any) -> bool:
    """Tell whether `actor` may name staff for a protected person: central administrators.

    Only for persons enrolled, placed or employed in their own organisations: naming staff
    for a resident at another huvudman's school would hand out that school's location data.
    """
    from skolsam.people.models import Person

    if not actor.central_org_ids or not isinstance(person, Person):
        return False
    return Person.objects.filter(
        _in_organisations(actor.central_org_ids, actor.on), pk=person.pk
    ).exists()


# --- organisations and groups --------------------------------------------------------


def organisations_visible_to(actor: Actor) -> QuerySet:
    """Return the organisations where `actor` holds a duty (whole subtrees)."""
    from skolsam.organisations.models import Organisation

    return Organisation.objects.filter(pk__in=actor.staff_org_ids)


def may_manage_organisation(actor: Actor, organisation_id: UUID) -> bool:
    """Tell whether `actor` may enrol, create groups and register staff at this organisation."""
    return organisation_id in actor.admin_org_ids


def organisation_for_actor(actor: Actor, organisation_id: UUID | str) -> Any:
    """Return an organisation where `actor` holds a duty; Http404 otherwise."""
    return _get_or_404(
        organisations_visible_to(actor), organisation_id, "Organisationen finns inte."
    )


def groups_visible_to(actor: Actor) -> QuerySet:
    """Return groups of organisations where `actor` sees every pupil, plus their own groups."""
    from skolsam.groups.models import Group

    return Group.objects.filter(
        Q(organisation_id__in=actor.school_wide_org_ids) | Q(pk__in=actor.group_ids)
    )


def group_for_actor(actor: Actor, group_id: UUID | str) -> Any:
    """Return a group `actor` may see; Http404 otherwise."""
    return _get_or_404(
        groups_visible_to(actor).select_related("organisation"), group_id, "Gruppen finns inte."
    )


def memberships_visible_to(actor: Actor, *, on: date | None = None) -> QuerySet:
    """Return group memberships `actor` may see on a day; protected pupils only if authorised.

    The actor's grants are those of `actor.on`; the register (memberships, enrolments) is
    read as of `on`, so "who was in 7B on 15 October" still lists a pupil who has left since.
    """
    from skolsam.groups.models import GroupMembership

    day = on or actor.on
    scoped = replace(actor, on=day)
    visible_groups = groups_visible_to(actor)
    located = Q(person__security_marking=SecurityMarking.INGEN) | Q(
        person_id__in=actor.authorised_protected_ids
    )
    if actor.person_id is not None:
        located |= Q(person_id=actor.person_id)
    return GroupMembership.objects.filter(valid_on(day), located, group__in=visible_groups).filter(
        person__in=persons_visible_to(scoped)
    )


def enrolments_visible_to(actor: Actor, *, on: date | None = None) -> QuerySet:
    """Return the enrolments valid on a day that `actor` may see.

    An enrolment names the pupil's school, so it is location data: for a protected pupil
    only the pupil and the named staff see it. Staff see enrolments at their own
    organisations; a hemkommun sees its residents' enrolments wherever they are; the
    pupil and their guardians see all of the pupil's enrolments. Grants are those of
    `actor.on`, the register is read as of `on`.
    """
    from skolsam.enrolment.models import Enrolment

    day = on or actor.on
    if actor.person_id is None:
        return Enrolment.objects.none()
    located = Q(person__security_marking=SecurityMarking.INGEN) | Q(
        person_id__in=actor.authorised_protected_ids
    )
    located |= Q(person_id=actor.person_id)
    where = (
        Q(enroled_at_id__in=actor.staff_org_ids)
        | Q(person_id__in=actor.responsible_for_ids)
        | Q(person_id=actor.person_id)
    )
    if actor.home_municipality_codes:
        where |= Q(person__home_municipality_code__in=actor.home_municipality_codes)
    return Enrolment.objects.filter(valid_on(day), located, where, cancelled=False).filter(
        person__in=persons_visible_to(replace(actor, on=day))
    )
