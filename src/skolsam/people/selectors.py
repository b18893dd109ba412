"""Read persons for the pages: search, the person card, a guardian's children.

Every function starts from `access.persons_visible_to(actor)` or from a person that
`access.person_for_actor` returned; none of them widens what the actor may see.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from uuid import UUID

from django.db.models import Q, QuerySet

from skolsam.core.access import Actor, may_see_location
from skolsam.core.choices import SecurityMarking
from skolsam.core.models import valid_on
from skolsam.core.policy import Action
from skolsam.duties.models import Duty
from skolsam.enrolment.models import Enrolment
from skolsam.groups.models import GroupMembership
from skolsam.people import civicno
from skolsam.people.access import children_of, persons_listable_by, persons_visible_to
from skolsam.people.models import Person, Responsible

SEARCH_LIMIT = 50
SEARCH_MIN_LENGTH = 2
_MAX_NAME_TERMS = 5
_LIST_FIELDS = (
    "id",
    "given_name",
    "middle_name",
    "family_name",
    "civic_no",
    "birth_date",
    "security_marking",
)


@dataclass(frozen=True)
class PersonSearchResult:
    query: str
    persons: list[Person]
    # More persons matched than were returned; the user should narrow the search.
    truncated: bool
    by_civic_no: bool

    @property
    def searched(self) -> bool:
        return len(self.query) >= SEARCH_MIN_LENGTH


def person_search(*, actor: Actor, query: str, limit: int = SEARCH_LIMIT) -> PersonSearchResult:
    """Find persons the actor may see, by civic number (any usual form) or by name.

    A whole civic number finds the person even when they have protected identity, as far as
    the access layer lets the actor see them. A name search leaves protected persons out
    unless the actor is that person, is responsible for them or is named for them: a name
    typed in a search box must not be enough to learn that a protected person is in the
    register.
    """
    text = " ".join(query.split())[:100]
    if len(text) < SEARCH_MIN_LENGTH:
        return PersonSearchResult(text, [], truncated=False, by_civic_no=False)

    visible = persons_visible_to(actor).only(*_LIST_FIELDS)
    civic_no = civicno.search_forms(text, today=actor.on)
    if civic_no is not None:
        rows = list(visible.filter(civic_no=civic_no)[: limit + 1])
        return PersonSearchResult(text, rows[:limit], len(rows) > limit, by_civic_no=True)

    terms = [t for t in re.split(r"[\s,]+", text) if t][:_MAX_NAME_TERMS]
    matches = Q()
    for term in terms:
        matches &= (
            Q(given_name__icontains=term)
            | Q(middle_name__icontains=term)
            | Q(family_name__icontains=term)
        )
    listable = persons_listable_by(actor).only(*_LIST_FIELDS)
    rows = list(listable.filter(matches)[: limit + 1])
    return PersonSearchResult(text, rows[:limit], len(rows) > limit, by_civic_no=False)


def person_list_children(*, actor: Actor) -> QuerySet:
    """Return the children the actor is responsible for today, as far as the actor may see them."""
    return children_of(actor, Action.SEE_CHILD).only(*_LIST_FIELDS)


@dataclass(frozen=True)
class GuardianRow:
    relation: Responsible
    # Whether the actor may see this guardian's address (the guardian may be protected).
    shows_location: bool

    @property
    def person(self) -> Person:
        return self.relation.responsible


@dataclass(frozen=True)
class PersonCard:
    """What the person card shows; hidden parts are empty lists and `shows_location` False."""

    person: Person
    shows_location: bool
    addresses: list[dict]
    guardians: list[GuardianRow]
    enrolments: list[Enrolment]
    memberships: list[GroupMembership]
    duties: list[Duty]


def person_card(*, actor: Actor, person: Person) -> PersonCard:
    """Gather a person's card for the actor in a fixed number of queries.

    `person` must come from `access.person_for_actor`. For a protected person whom the actor
    may not locate, the address, guardians, enrolments, groups and duties are not even read:
    each of them tells where the person is.
    """
    shows_location = may_see_location(actor, person)
    if not shows_location:
        return PersonCard(person, False, [], [], [], [], [])

    relations = (
        Responsible.objects.filter(
            valid_on(actor.on),
            person=person,
            responsible__in=persons_visible_to(actor),
        )
        .select_related("responsible")
        .order_by("responsible__family_name", "responsible__given_name", "id")
    )
    guardians = [
        GuardianRow(relation, may_see_location(actor, relation.responsible))
        for relation in relations
    ]
    enrolments = list(
        Enrolment.objects.filter(person=person)
        .select_related("enroled_at", "programme")
        .order_by("-start_date", "id")
    )
    memberships = list(
        GroupMembership.objects.filter(person=person)
        .select_related("group", "group__organisation")
        .order_by("-start_date", "group__display_name", "id")
    )
    duties = list(
        Duty.objects.filter(person=person).select_related("duty_at").order_by("-start_date", "id")
    )
    return PersonCard(
        person=person,
        shows_location=True,
        addresses=list(person.addresses or []),
        guardians=guardians,
        enrolments=enrolments,
        memberships=memberships,
        duties=duties,
    )


def person_find_id_by_civic_no(*, civic_no: str) -> UUID | None:
    """Return the id of the person with this civic number (stored 12-character form), if any.

    Not scoped by the access layer: it exists for the audit search, where the permission
    to search the log is the grant, and it returns an id only, never personal data.
    """
    return Person.objects.filter(civic_no=civic_no).values_list("pk", flat=True).first()


@dataclass(frozen=True)
class PersonLabel:
    """How the audit log names a person: name, civic number, and whether protected."""

    pk: UUID
    name: str
    civic_no: str
    protected: bool
    security_marking: str


def person_labels_for_audit(*, person_ids: set[UUID]) -> dict[UUID, PersonLabel]:
    """Return name and civic number of each person, in one query, for the auditors' page.

    Not scoped by the access layer, like `person_find_id_by_civic_no`: the permission to
    search the log is the grant. Names and civic numbers only, never where a person is.
    """
    if not person_ids:
        return {}
    rows = Person.objects.filter(pk__in=person_ids).values_list(
        "pk", "given_name", "middle_name", "family_name", "civic_no", "security_marking"
    )
    return {
        pk: PersonLabel(
            pk=pk,
            name=" ".join(p for p in (given, middle, family) if p),
            civic_no=f"{civic[:8]}-{civic[8:]}" if civic and len(civic) == 12 else (civic or ""),
            protected=marking != SecurityMarking.INGEN,
            security_marking=marking,
        )
        for pk, given, middle, family, civic, marking in rows
    }
