"""Decide which persons an actor may see and change, and who may act for a child.

Moved here from `core/access.py` so that `core` knows no domain model: the rules are the
same (see the module docstring of `core.access` for the roles). Three policies sit on top:

- `person_policy` (Person): VIEW is `persons_visible_to`, CHANGE `may_edit_person`, AUTHORISE
  (naming staff for a protected person) `may_grant_protected_access`;
- `staff_naming_policy` (Duty): whom such a grant may name (staff of the granting huvudman);
- `child_policy` (Person, asked about a child): what a responsible adult may do for the child,
  by relation type and by the child's age, exactly as the table "Who acts for a child" in
  docs/architecture.md says (a test parses that table and runs every cell through here).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any
from uuid import UUID

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL

from skolsam.core.access import Actor, get_or_404
from skolsam.core.choices import RelationType, SecurityMarking
from skolsam.core.db import AmongMany, AnyOf
from skolsam.core.models import periods_overlap, valid_on
from skolsam.core.policy import Action, Policy
from skolsam.duties.models import Duty
from skolsam.enrolment.models import Enrolment, Placement
from skolsam.groups.models import GroupMembership
from skolsam.people.models import AdultConsent, Person, Responsible

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

    if not org_ids:
        return Q(pk__in=[])
    return Q(
        Exists(
            Duty.objects.filter(
                _not_ended(day), AmongMany("duty_at_id", org_ids), person_id=OuterRef(person)
            )
        )
    )


def in_organisations(org_ids: frozenset[UUID], day: date, person: str = "pk") -> Q:
    """Persons enrolled, placed or employed within these organisations, now or from later."""
    return _pupils_in(org_ids, day, person) | _employed_in(org_ids, day, person)


def _pupils_of_groups(group_ids: frozenset[UUID], day: date, person: str = "pk") -> Q:

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
        _pupils_of_groups(actor.group_ids, day, person) & in_organisations(staff, day, person)
    )


def _school_scope(actor: Actor, *, covered: frozenset[UUID] = frozenset()) -> Q:
    """Persons granted through school-level roles, before protected identity is applied.

    `covered` are organisations whose pupils and staff the caller grants anyway (a central
    administrator's): checking them again here could add nobody, so they are left out.
    """

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
    """Return every person `actor` may see on `actor.on`, as a queryset.

    On PostgreSQL the scope's SQL is compiled once per Actor and process (`_visible_sql`)
    and the queryset is `pk IN (that SQL)`: building and compiling the scope's dozen
    subqueries cost more than running them (about 12 ms against 3 for one person's card
    at demo size), and the Actor, a frozen value that includes the day, determines the
    SQL exactly. PostgreSQL pushes `pk = …` and the other conditions of the outer query
    into the subquery, so the scope is still checked per candidate (EXPLAIN: an index
    scan on the person's key inside the semi-join). SQLite evaluates an uncorrelated
    `IN (SELECT …)` whole, so there the scope stays a plain filter.
    """

    if actor.person_id is None:
        return Person.objects.none()
    if connection.vendor != "postgresql":
        return _persons_visible(actor)
    sql, params = _visible_sql(actor)
    # The SQL is Django's own compilation of the scope; every value stays a parameter.
    return Person.objects.filter(pk__in=RawSQL(sql, params))  # noqa: S611


@lru_cache(maxsize=1024)
def _visible_sql(actor: Actor) -> tuple[str, tuple[Any, ...]]:
    """Compile the ids of the persons `actor` may see, once per Actor (see above)."""
    sql, params = _persons_visible(actor).order_by().values("pk").query.sql_with_params()
    return sql, tuple(params)


def _persons_visible(actor: Actor) -> QuerySet:
    central = in_organisations(actor.central_org_ids, actor.on) | _residents(
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


def person_for_actor(actor: Actor, person_id: UUID | str) -> Any:
    """Return the person if `actor` may see them; Http404 if not, or if there is none."""
    return get_or_404(persons_visible_to(actor), person_id, "Personen finns inte.")


def may_edit_person(actor: Actor, person: Any) -> bool:
    """Tell whether `actor` may change the person's register data.

    Administrators may change the persons they see through their school or central
    scope (pupils, staff and the pupils' guardians); a protected person only when
    they are named for that person. Seeing someone only as their guardian or as
    hemkommun gives no right to change them.
    """

    if not actor.admin_org_ids or person is None or actor.person_id is None:
        return False
    if person.is_protected and person.pk not in actor.authorised_protected_ids:
        return False
    scope = in_organisations(actor.central_org_ids, actor.on) | _school_scope(actor)
    return Person.objects.filter(scope, pk=person.pk).exists()


def may_grant_protected_access(actor: Actor, person: Any) -> bool:
    """Tell whether `actor` may name staff for a protected person: central administrators.

    Only for persons enrolled, placed or employed in their own organisations: naming staff
    for a resident at another huvudman's school would hand out that school's location data.
    """

    if not actor.central_org_ids or not isinstance(person, Person):
        return False
    return Person.objects.filter(
        in_organisations(actor.central_org_ids, actor.on), pk=person.pk
    ).exists()


# --- the policies --------------------------------------------------------------------


class PersonPolicy(Policy[Person]):
    """VIEW: whom the actor sees; CHANGE: whose register data they change; CREATE: who
    registers a new person (administrators: anyone else could create persons and then
    relate themselves to them); AUTHORISE: for whom they name staff who may see protected
    location data."""

    model = Person
    actions = frozenset({Action.VIEW, Action.CHANGE, Action.CREATE, Action.AUTHORISE})

    def allows(self, actor: Actor, action: Action, obj: Any) -> bool:
        if action == Action.CREATE:
            # The person is not saved yet: the rule is about the actor alone.
            return actor.is_admin
        if action == Action.CHANGE:
            return may_edit_person(actor, obj)
        if action == Action.AUTHORISE:
            return may_grant_protected_access(actor, obj)
        return super().allows(actor, action, obj)

    def scope(self, actor: Actor, action: Action) -> QuerySet[Person]:
        if action == Action.VIEW:
            return persons_visible_to(actor)
        if action == Action.CREATE:
            return Person.objects.none()  # a new person is in no scope until it is saved
        if action == Action.AUTHORISE:
            if not actor.central_org_ids:
                return Person.objects.none()
            return Person.objects.filter(in_organisations(actor.central_org_ids, actor.on))
        if not actor.admin_org_ids or actor.person_id is None:
            return Person.objects.none()
        scope = in_organisations(actor.central_org_ids, actor.on) | _school_scope(actor)
        return Person.objects.filter(scope).filter(
            Q(security_marking=SecurityMarking.INGEN) | Q(pk__in=actor.authorised_protected_ids)
        )


person_policy = PersonPolicy()


# --- who acts for a child ------------------------------------------------------------

CUSTODY = frozenset({RelationType.VARDNADSHAVARE, RelationType.GOD_MAN})
OTHER_RESPONSIBLE = frozenset({RelationType.ANNAN_ANSVARIG, RelationType.UTSEDD_BEHORIG})
ADULT_AGE = 18

# The table "Who acts for a child" in docs/architecture.md, as data: which relation types
# may take each action for a child under 18. A child of 18 or more has no one acting for
# them: custody ends, except where the adult pupil consents (AdultConsent), per adult and
# per category, for the actions in CONSENTABLE.
# people/tests/test_child_policy_table.py parses the table and checks every cell here.
ACTING_FOR_CHILD: dict[Action, frozenset[str]] = {
    Action.SEE_CHILD: CUSTODY | OTHER_RESPONSIBLE,
    Action.REPORT_ABSENCE: CUSTODY | OTHER_RESPONSIBLE,
    Action.APPLY_FOR_LEAVE: CUSTODY,
    Action.CONSENT: CUSTODY,
    Action.SUBMIT_SCHEDULE: CUSTODY,
    Action.RECEIVE_NOTICES: CUSTODY,
    Action.SEE_RECORDS: CUSTODY,
    Action.UPDATE_CONTACT: CUSTODY,
}
# What an adult pupil may let a former guardian keep (the table's "consented" column).
CONSENTABLE: frozenset[Action] = frozenset(
    {Action.SEE_CHILD, Action.RECEIVE_NOTICES, Action.SEE_RECORDS}
)


def minor_on(day: date, prefix: str = "") -> Q:
    """Persons under 18 on `day`; an unknown birth date counts as a minor (a TF-nummer
    pupil is a child until the register says otherwise)."""
    try:
        born_after = day.replace(year=day.year - ADULT_AGE)
    except ValueError:  # 29 February
        born_after = day.replace(year=day.year - ADULT_AGE, day=28)
    return Q(**{f"{prefix}birth_date__isnull": True}) | Q(**{f"{prefix}birth_date__gt": born_after})


def is_adult_on(person: Any, day: date) -> bool:
    """Tell whether the person is 18 or over on `day` (an unknown birth date: a minor)."""
    born = person.birth_date
    if born is None:
        return False
    try:
        eighteenth = born.replace(year=born.year + ADULT_AGE)
    except ValueError:  # born 29 February: of age on 1 March
        eighteenth = date(born.year + ADULT_AGE, 3, 1)
    return eighteenth <= day


def relations_acting_for(action: Action, day: date) -> QuerySet[Responsible]:
    """Return the responsible relations that may take `action` for their child on `day`.

    The one answer to "who acts for a child": notices, leave, consent and absence reports
    all ask here, and `Actor.responsible_for_ids` is the SEE_CHILD answer for one adult.
    """
    age = minor_on(day, "person__")
    if action in CONSENTABLE:
        age |= Q(
            Exists(
                AdultConsent.objects.filter(
                    pupil_id=OuterRef("person_id"),
                    responsible_id=OuterRef("responsible_id"),
                    category=action.value,
                    withdrawn_at__isnull=True,
                )
            )
        )
    return Responsible.objects.filter(
        age, valid_on(day), relation_type__in=ACTING_FOR_CHILD[action]
    )


class ChildPolicy(Policy[Person]):
    """What a responsible adult may do for a child (obj is the child)."""

    model = Person
    actions = frozenset(ACTING_FOR_CHILD)

    def allows(self, actor: Actor, action: Action, obj: Any) -> bool:
        # responsible_for_ids already holds every relation type, minors only: most
        # answers need no query at all. An adult pupil's consent is asked of the database.
        if obj.pk not in actor.responsible_for_ids:
            return action in CONSENTABLE and super().allows(actor, action, obj)
        if ACTING_FOR_CHILD[action] >= CUSTODY | OTHER_RESPONSIBLE:
            return True
        return super().allows(actor, action, obj)

    def allows_any(self, actor: Actor, action: Action) -> bool:
        if ACTING_FOR_CHILD[action] >= CUSTODY | OTHER_RESPONSIBLE and (
            actor.responsible_for_ids or action not in CONSENTABLE
        ):
            return actor.person_id is not None and bool(actor.responsible_for_ids)
        return super().allows_any(actor, action)

    def scope(self, actor: Actor, action: Action) -> QuerySet[Person]:
        if actor.person_id is None:
            return Person.objects.none()
        if ACTING_FOR_CHILD[action] >= CUSTODY | OTHER_RESPONSIBLE and action not in CONSENTABLE:
            # The Actor already holds this answer: every relation type, minors only.
            return Person.objects.filter(pk__in=actor.responsible_for_ids)
        return Person.objects.filter(
            pk__in=relations_acting_for(action, actor.on)
            .filter(responsible_id=actor.person_id)
            .values("person_id")
        )


child_policy = ChildPolicy()


def responsibles_visible_to(actor: Actor) -> QuerySet[Responsible]:
    """Return the responsible relations whose adult `actor` may see (any period).

    The callers add the day and the children: a class list's or an export's guardians.
    """
    return Responsible.objects.filter(responsible__in=persons_visible_to(actor))


def children_of(actor: Actor, action: Action = Action.SEE_CHILD) -> QuerySet[Person]:
    """Return the children the actor may take `action` for: minors they are responsible
    for, and adult pupils who consented to it (`child_policy` decides both)."""
    if not actor.responsible_for_ids and action not in CONSENTABLE:
        return Person.objects.none()
    return Person.objects.filter(pk__in=child_policy.objects(actor, action)).order_by(
        "family_name", "given_name", "id"
    )


@dataclass(frozen=True)
class StaffNaming:
    """A staff member to be named, for a period, to see a protected person's location."""

    staff: Person
    start_date: date
    end_date: date | None

    @property
    def pk(self) -> Any:
        return self.staff.pk


class StaffNamingPolicy(Policy[Duty]):
    """AUTHORISE: whom the actor may name to see a protected person (obj: a StaffNaming).

    Only staff of the granting huvudman (a duty in the actor's central organisations for
    some of the period): the access layer would otherwise be the only thing keeping a
    guardian or another huvudman's teacher out. The system may name anyone (`Policy.can`).
    `objects` gives the duties that make their holders nameable.
    """

    model = Duty
    actions = frozenset({Action.AUTHORISE})

    def allows(self, actor: Actor, action: Action, obj: Any) -> bool:
        return any(
            periods_overlap(obj.start_date, obj.end_date, d.start_date, d.end_date)
            for d in self.scope(actor, action).filter(person=obj.staff)
        )

    def scope(self, actor: Actor, action: Action) -> QuerySet[Duty]:
        return Duty.objects.filter(duty_at_id__in=actor.central_org_ids)


staff_naming_policy = StaffNamingPolicy()


def responsibles_of_child(actor: Actor, child: Any) -> list[Responsible]:
    """Return who acts for the child today (every relation type), for its custody holders.

    A custody holder sees who else has rights for the child; anyone else gets an empty
    list. One query.
    """
    if not child_policy.can(actor, Action.CONSENT, child):
        return []
    return list(
        relations_acting_for(Action.SEE_CHILD, actor.on)
        .filter(person=child)
        .select_related("responsible")
        .order_by("relation_type", "responsible__family_name", "responsible__given_name")
    )


def consents_of_adult_pupil(actor: Actor) -> tuple[list[Responsible], set[tuple[UUID, str]]]:
    """Return the adult pupil's own responsible relations valid today, and the active
    consents as (adult, category) pairs. Only the pupil themself, and only from 18."""
    if actor.person_id is None:
        return [], set()
    me = Person.objects.filter(pk=actor.person_id).first()
    if me is None or not is_adult_on(me, actor.on):
        return [], set()
    relations = list(
        Responsible.objects.filter(valid_on(actor.on), person_id=actor.person_id)
        .select_related("responsible")
        .order_by("responsible__family_name", "responsible__given_name", "id")
    )
    active = set(
        AdultConsent.objects.filter(
            pupil_id=actor.person_id, withdrawn_at__isnull=True
        ).values_list("responsible_id", "category")
    )
    return relations, active


def own_language(person_id: UUID) -> str:
    """Return the language a person chose for themselves ("" for the default).

    A person's own setting, read for their own session: no scope applies.
    """
    return Person.objects.filter(pk=person_id).values_list("language", flat=True).first() or ""
