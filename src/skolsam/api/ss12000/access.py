"""Decide what an API client may read: the API's side of the access layer.

An API client is bound to organisations (a huvudman, or chosen school units), not to a
person, so `core.access.persons_visible_to` (which starts from the actor's own person and
duties) does not fit it: for an actor without a person it returns nothing. The functions
here are the API's equivalent, built on the same register facts and the same rules:

- the client sees the subtrees of its organisations and nothing outside them;
- persons: those enrolled, placed or employed there (current or planned), the owners of
  those placements, and the responsible adults (guardians) of those pupils;
- history is not handed out: relations that ended before today are left out;
- protected identity (sekretessmarkering, skyddad folkbokföring): the person is delivered
  with `securityMarking` but without location data, and is never reached through a
  guardian link; relations that say where they are (enrolments, placements, group
  memberships, duties, guardian links) are left out, and only a client bound to a whole
  huvudman learns the person exists. A client explicitly authorised for protected data
  (`ApiClient.allow_protected_data`) sees everything in its scope;
- filters and lookups match only through the relations these functions hand out, so
  they find nothing the listings hide.

Every view calls these functions; a view never starts from `Model.objects` itself.
Anything outside the scope answers like something missing (404).

Who manages the clients themselves, in the web UI, is `api_client_policy`: a person's
side of the API, answered from the Actor like every other policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from django.db.models import Exists, OuterRef, Q, QuerySet

from skolsam.activities.models import Activity, ActivityTeacher
from skolsam.api.ss12000.models import ApiClient
from skolsam.attendance.models import Absence, Attendance, AttendanceEvent, AttendanceSchedule
from skolsam.core.access import Actor
from skolsam.core.choices import SecurityMarking
from skolsam.core.dates import today
from skolsam.core.policy import Action, Policy
from skolsam.curriculum.models import Programme, SchoolUnitOffering, Syllabus
from skolsam.duties.models import AssignmentRole, Duty
from skolsam.enrolment.models import Enrolment, Placement
from skolsam.grades.models import PublishedGrade, StudyPlan
from skolsam.groups.models import Group, GroupMembership
from skolsam.organisations.models import Organisation
from skolsam.people.models import Person, Responsible
from skolsam.schedule.models import CalendarEvent, Resource, Room


class ProbeExists(Exists):
    """EXISTS that PostgreSQL checks row by row through an index.

    A plain EXISTS under OR is planned as a hashed subplan: the whole relation table is
    read and hashed for every page, which makes a page cost grow with the register. The
    OFFSET keeps the planner from rewriting it, so a page of 1,000 costs 1,000 index
    probes however large the municipality.
    """

    template = "EXISTS(%(subquery)s OFFSET 0)"


@dataclass(frozen=True)
class ApiScope:
    """What one API client may see, as of one day."""

    client_pk: UUID
    client_id: str
    org_ids: frozenset[UUID]  # the bound organisations' subtrees
    # Huvudmän bound whole, and the other organisations in scope: how queries say "in
    # scope" compactly (one join instead of hundreds of ids in every subquery).
    whole_huvudman_ids: frozenset[UUID]
    partial_org_ids: frozenset[UUID]
    visible_org_ids: frozenset[UUID]  # those plus their ancestors, for /organisations
    allow_protected: bool
    consumer_profile: str
    on: date
    actor: Actor  # for the audit log

    def __hash__(self) -> int:
        return hash(self.client_pk)


def scope_for_client(client: object, *, on: date | None = None) -> ApiScope:
    """Build the scope of an ApiClient: its organisations' subtrees, on day `on`."""
    from skolsam.api.ss12000.models import ApiClient

    assert isinstance(client, ApiClient)
    day = on or today()
    bound = list(client.organisations.values_list("id", "huvudman_id"))
    roots = {huvudman or pk for pk, huvudman in bound}
    tree: dict[UUID, UUID | None] = {}
    root_of: dict[UUID, UUID] = {}
    for pk, parent_id, huvudman_id in Organisation.objects.filter(
        Q(huvudman_id__in=roots) | Q(id__in=roots)
    ).values_list("id", "parent_id", "huvudman_id"):
        tree[pk] = parent_id
        root_of[pk] = huvudman_id or pk
    children: dict[UUID, list[UUID]] = {}
    for node, above in tree.items():
        if above is not None:
            children.setdefault(above, []).append(node)
    subtree: set[UUID] = set()
    stack = [pk for pk, _ in bound]
    while stack:
        node = stack.pop()
        if node not in subtree:
            subtree.add(node)
            stack.extend(children.get(node, ()))
    ancestors: set[UUID] = set()
    for pk, _ in bound:
        parent: UUID | None = tree.get(pk)
        while parent is not None and parent not in ancestors:
            ancestors.add(parent)
            parent = tree.get(parent)
    org_ids = frozenset(subtree)
    whole = frozenset(pk for pk, huvudman in bound if huvudman in (None, pk))
    covered = {node for node in subtree if root_of[node] in whole}
    actor = Actor(
        user_id=None,
        person_id=None,
        on=day,
        central_org_ids=org_ids,
        label=f"API-klient {client.name} ({client.client_id})"[:200],
    )
    return ApiScope(
        client_pk=client.pk,
        client_id=client.client_id,
        org_ids=org_ids,
        whole_huvudman_ids=whole,
        partial_org_ids=frozenset(subtree - covered),
        visible_org_ids=frozenset(subtree | ancestors),
        allow_protected=client.allow_protected_data,
        consumer_profile=client.consumer_profile,
        on=day,
        actor=actor,
    )


def in_scope(scope: ApiScope, organisation: str, *, whole_only: bool = False) -> Q:
    """Rows whose organisation (a foreign key named `organisation`) is in the scope.

    `whole_only`: only in the huvudmän the client is bound to whole.
    """
    q = Q(pk__in=[])
    if scope.whole_huvudman_ids:
        q |= Q(**{f"{organisation}__huvudman_id__in": scope.whole_huvudman_ids})
    if scope.partial_org_ids and not whole_only:
        q |= Q(**{f"{organisation}_id__in": scope.partial_org_ids})
    return q


def current_or_planned(day: date, prefix: str = "") -> Q:
    """Rows whose period has not ended before `day` (running now or starting later)."""
    return Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": day})


def not_protected(scope: ApiScope, prefix: str = "") -> Q:
    """Persons (through `prefix`) whose location the client may see."""
    if scope.allow_protected:
        return Q()
    return Q(**{f"{prefix}security_marking": SecurityMarking.INGEN})


# --- persons ---------------------------------------------------------------------------


def _enrolled(scope: ApiScope, person_field: str = "pk", *, whole_only: bool = False) -> Exists:
    return ProbeExists(
        Enrolment.objects.filter(
            current_or_planned(scope.on),
            in_scope(scope, "enroled_at", whole_only=whole_only),
            person_id=OuterRef(person_field),
            cancelled=False,
        )
    )


def _placed(scope: ApiScope, person_field: str = "pk", *, whole_only: bool = False) -> Exists:
    return ProbeExists(
        Placement.objects.filter(
            current_or_planned(scope.on),
            in_scope(scope, "placed_at", whole_only=whole_only),
            child_id=OuterRef(person_field),
        )
    )


def _employed(scope: ApiScope, *, whole_only: bool = False) -> Exists:
    return ProbeExists(
        Duty.objects.filter(
            current_or_planned(scope.on),
            in_scope(scope, "duty_at", whole_only=whole_only),
            person_id=OuterRef("pk"),
        )
    )


def persons_visible_to_client(scope: ApiScope) -> QuerySet:
    """Return every person the client may see (location data is a separate question).

    A protected person is seen (that she exists, never where) only through a huvudman the
    client is bound to whole, as a central administrator sees her. Through school units
    she is not seen at all, as through any school-level role: the persons of a client
    bound to a school are that school's, so her being among them would say where she is.
    """
    day = scope.on
    if not scope.org_ids:
        return Person.objects.none()
    employed = _employed(scope)
    owner = ProbeExists(
        Placement.owners.through.objects.filter(
            current_or_planned(day, "placement__"),
            in_scope(scope, "placement__placed_at"),
            person_id=OuterRef("pk"),
        )
    )
    children = Responsible.objects.filter(
        current_or_planned(day),
        not_protected(scope, "person__"),
        responsible_id=OuterRef("pk"),
    ).filter(
        _enrolled(scope, "person_id") | _placed(scope, "person_id"),
    )
    guardian = Q(ProbeExists(children)) & not_protected(scope)
    owner_q = Q(owner) & not_protected(scope)
    related = Q(_enrolled(scope)) | Q(_placed(scope)) | Q(employed) | owner_q | guardian
    if scope.allow_protected or not scope.partial_org_ids:
        return Person.objects.filter(related)
    # Checked only for the rare protected person: OR stops at the marking for the rest.
    central = Q(pk__in=[])
    if scope.whole_huvudman_ids:
        central = (
            Q(_enrolled(scope, whole_only=True))
            | Q(_placed(scope, whole_only=True))
            | Q(_employed(scope, whole_only=True))
        )
    return Person.objects.filter(related, not_protected(scope) | central)


def may_see_location(scope: ApiScope, security_marking: str) -> bool:
    """Tell whether the client may see a person's address, school, groups and photo."""
    return scope.allow_protected or security_marking == SecurityMarking.INGEN


def enrolments_visible_to_client(scope: ApiScope) -> QuerySet:
    return Enrolment.objects.filter(
        current_or_planned(scope.on),
        not_protected(scope, "person__"),
        in_scope(scope, "enroled_at"),
    )


def responsibles_visible_to_client(scope: ApiScope) -> QuerySet:
    """Guardian links of pupils in scope, never through a protected person.

    The same rule that makes a guardian visible in `persons_visible_to_client`: a current
    relation to a child enrolled or placed in the client's organisations.
    """
    return Responsible.objects.filter(
        current_or_planned(scope.on),
        not_protected(scope, "person__"),
        not_protected(scope, "responsible__"),
    ).filter(_enrolled(scope, "person_id") | _placed(scope, "person_id"))


# --- other entities --------------------------------------------------------------------


def organisations_visible_to_client(scope: ApiScope) -> QuerySet:
    return Organisation.objects.filter(pk__in=scope.visible_org_ids)


def groups_visible_to_client(scope: ApiScope) -> QuerySet:
    return Group.objects.filter(in_scope(scope, "organisation"))


def memberships_visible_to_client(scope: ApiScope) -> QuerySet:
    return GroupMembership.objects.filter(
        current_or_planned(scope.on),
        not_protected(scope, "person__"),
        in_scope(scope, "group__organisation"),
    )


def duties_visible_to_client(scope: ApiScope) -> QuerySet:
    return Duty.objects.filter(
        current_or_planned(scope.on),
        not_protected(scope, "person__"),
        in_scope(scope, "duty_at"),
    )


def assignment_roles_visible_to_client(scope: ApiScope) -> QuerySet:
    return AssignmentRole.objects.filter(
        current_or_planned(scope.on),
        not_protected(scope, "duty__person__"),
        in_scope(scope, "group__organisation"),
        in_scope(scope, "duty__duty_at"),
    )


def placements_visible_to_client(scope: ApiScope) -> QuerySet:
    return Placement.objects.filter(
        current_or_planned(scope.on),
        not_protected(scope, "child__"),
        in_scope(scope, "placed_at"),
    )


def activities_visible_to_client(scope: ApiScope) -> QuerySet:
    # SS 12000 requires at least one group on an activity; one without is not handed out.
    return Activity.objects.filter(in_scope(scope, "organisation")).filter(
        Exists(Activity.groups.through.objects.filter(activity_id=OuterRef("pk")))
    )


def placement_owners_visible_to_client(scope: ApiScope) -> QuerySet:
    """Owner links (Placement.owners) of visible placements, never to a protected owner."""
    return Placement.owners.through.objects.filter(
        not_protected(scope, "person__"),
        placement__in=placements_visible_to_client(scope),
    )


def activity_teachers_visible_to_client(scope: ApiScope) -> QuerySet:
    return ActivityTeacher.objects.filter(
        not_protected(scope, "duty__person__"), in_scope(scope, "duty__duty_at")
    )


def offerings_visible_to_client(scope: ApiScope) -> QuerySet:
    return SchoolUnitOffering.objects.filter(in_scope(scope, "offered_at"))


def syllabuses_visible_to_client(scope: ApiScope) -> QuerySet:
    """Syllabuses are national reference data: every client sees them."""
    return Syllabus.objects.all()


def programmes_visible_to_client(scope: ApiScope) -> QuerySet:
    """Programmes are national reference data: every client sees them."""
    return Programme.objects.all()


# --- attendance: lessons, minutes, absences, check-ins, care schedules -------------------


def calendar_events_visible_to_client(scope: ApiScope) -> QuerySet:
    return CalendarEvent.objects.filter(organisation_id__in=scope.org_ids)


def attendances_visible_to_client(scope: ApiScope) -> QuerySet:
    return Attendance.objects.filter(
        not_protected(scope, "student__"), organisation_id__in=scope.org_ids
    )


def absences_visible_to_client(scope: ApiScope) -> QuerySet:
    return Absence.objects.filter(
        not_protected(scope, "student__"), organisation_id__in=scope.org_ids
    )


def attendance_events_visible_to_client(scope: ApiScope) -> QuerySet:
    return AttendanceEvent.objects.filter(
        not_protected(scope, "person__"), group__organisation_id__in=scope.org_ids
    )


def schedules_visible_to_client(scope: ApiScope) -> QuerySet:
    return AttendanceSchedule.objects.filter(
        not_protected(scope, "placement__child__"), placement__placed_at_id__in=scope.org_ids
    )


# --- grades -------------------------------------------------------------------------------


def grades_visible_to_client(scope: ApiScope) -> QuerySet:
    """Published grades set at the client's organisations; a protected pupil's only for a
    client that may see protected data (a grade names the pupil's school)."""
    return PublishedGrade.objects.filter(
        not_protected(scope, "grade__student__"), grade__organisation_id__in=scope.org_ids
    )


def study_plans_visible_to_client(scope: ApiScope) -> QuerySet:
    """Study plans set at the client's organisations; a protected pupil's only for a client
    that may see protected data (a plan says where the pupil goes to school)."""
    return StudyPlan.objects.filter(
        not_protected(scope, "student__"), organisation_id__in=scope.org_ids
    )


def rooms_visible_to_client(scope: ApiScope) -> QuerySet:
    return Room.objects.filter(owner_id__in=scope.org_ids)


def resources_visible_to_client(scope: ApiScope) -> QuerySet:
    return Resource.objects.filter(owner_id__in=scope.org_ids)


class ApiClientPolicy(Policy[ApiClient]):
    """VIEW, CREATE and CHANGE (issue a client, set its scopes, rotate or revoke its secret,
    read what it reports): holders of the Django permission ss12000.change_apiclient
    (`Actor.can_manage_api_clients`). A client is bound to organisations, not to the person
    who issued it, so the permission covers every client; for anyone else the pages are
    missing (404)."""

    model = ApiClient
    actions = frozenset({Action.VIEW, Action.CREATE, Action.CHANGE})

    def allows(self, actor: Actor, action: Action, obj: Any) -> bool:
        return actor.can_manage_api_clients

    def allows_any(self, actor: Actor, action: Action) -> bool:
        return actor.can_manage_api_clients

    def scope(self, actor: Actor, action: Action) -> QuerySet[ApiClient]:
        if not actor.can_manage_api_clients:
            return ApiClient.objects.none()
        return ApiClient.objects.all()


api_client_policy = ApiClientPolicy()
