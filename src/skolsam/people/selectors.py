"""Read persons for the pages: search, the person card, a guardian's children.

Every function starts from `access.persons_visible_to(actor)` or from a person that
`access.person_for_actor` returned; none of them widens what the actor may see.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import CharField, F, Q, QuerySet, UUIDField, Value
from django.db.models.functions import Coalesce

from skolsam.core.access import Actor, may_see_location
from skolsam.core.choices import GroupType, PlacementSchoolType, SecurityMarking
from skolsam.core.db import AnyOf
from skolsam.core.models import valid_on
from skolsam.core.policy import Action
from skolsam.duties.models import Duty
from skolsam.enrolment.models import Enrolment, Placement
from skolsam.groups.models import GroupMembership
from skolsam.people import civicno
from skolsam.people.access import children_of, persons_listable_by, persons_visible_to
from skolsam.people.folding import fold
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
class PersonHit:
    person: Person
    # What tells namesakes apart: "elev 7A Scheeleskolan", "lärare Ullviskolan",
    # "vårdnadshavare". Empty for a protected person the actor may not locate.
    roles: list[str]


@dataclass(frozen=True)
class PersonSearchResult:
    query: str
    hits: list[PersonHit]
    # More persons matched than were returned; the user should narrow the search.
    truncated: bool
    by_civic_no: bool
    # The query is the start of a civic number, too short to search by.
    too_few_digits: bool = False

    @property
    def searched(self) -> bool:
        return len(self.query) >= SEARCH_MIN_LENGTH and not self.too_few_digits

    @property
    def persons(self) -> list[Person]:
        return [hit.person for hit in self.hits]


def person_search(*, actor: Actor, query: str, limit: int = SEARCH_LIMIT) -> PersonSearchResult:
    """Find persons the actor may see, by civic number (whole or its start) or by name.

    Names match word by word from the start of any word of the name, ignoring case and
    diacritics ("asa berg" finds "Åsa Öberg-Berg"), through the folded `search_name`.
    A whole civic number finds the person even when they have protected identity, as far
    as the access layer lets the actor see them. A name or the start of a number leaves
    protected persons out unless the actor is that person, is responsible for them or is
    named for them: what is typed in a search box must not be enough to learn that a
    protected person is in the register.

    Two queries whatever the number of hits: the persons, with the scope checked per
    candidate, then the roles, schools and classes shown beside them.
    """
    text = " ".join(query.split())[:100]
    if len(text) < SEARCH_MIN_LENGTH:
        return PersonSearchResult(text, [], truncated=False, by_civic_no=False)

    whole = civicno.search_forms(text, today=actor.on)
    prefixes = None if whole else civicno.search_prefixes(text, today=actor.on)
    if whole is not None:
        found = persons_visible_to(actor).filter(civic_no=whole)
    elif prefixes is not None:
        if not prefixes:
            return PersonSearchResult(text, [], False, by_civic_no=True, too_few_digits=True)
        starts = Q()
        for prefix in prefixes:
            starts |= Q(civic_no__startswith=prefix)
        found = persons_listable_by(actor).filter(starts).order_by("civic_no")
    else:
        folded = fold(text)
        # Counted after folding, so "Å-" searches exactly what "a" does: nothing.
        if len(folded) < SEARCH_MIN_LENGTH:
            return PersonSearchResult(text, [], truncated=False, by_civic_no=False)
        terms = folded.split()[:_MAX_NAME_TERMS]
        words = Q()
        for term in terms:
            # search_name starts every word with a space: this is "a word starting with term".
            words &= Q(search_name__contains=f" {term}")
        found = persons_listable_by(actor).filter(words)
    rows = list(found.only(*_LIST_FIELDS)[: limit + 1])
    shown = rows[:limit]
    roles = _roles_of(actor, shown)
    hits = [PersonHit(person, roles.get(person.pk, [])) for person in shown]
    return PersonSearchResult(
        text, hits, len(rows) > limit, by_civic_no=whole is not None or prefixes is not None
    )


def _roles_of(actor: Actor, persons: list[Person]) -> dict[UUID, list[str]]:
    """Return, per person, their roles with school and class, for telling namesakes apart.

    Current and coming enrolments (with the class at that school), preschool placements
    (with the department), duties, and current responsible relations, in one query. A
    protected person whom the actor may not locate is left out before anything is read:
    a school, class or duty tells where she is.
    """
    ids = [p.pk for p in persons if may_see_location(actor, p)]
    if not ids:
        return {}
    day = actor.on
    not_ended = Q(end_date__isnull=True) | Q(end_date__gte=day)
    text, uuid = CharField(), UUIDField()
    nothing = Value("", output_field=text)

    def rows(queryset: QuerySet, kind: str, person: str, place: str, detail: Any, at: Any) -> Any:
        return (
            queryset.order_by()
            .annotate(
                k=Value(kind, output_field=text),
                p=F(person),
                place=F(place) if place else nothing,
                detail=detail,
                at=at,
                since=F("start_date"),
            )
            .values_list("k", "p", "place", "detail", "at", "since")
        )

    union = rows(
        Enrolment.objects.filter(not_ended, AnyOf("person_id", ids), cancelled=False),
        "enrolment",
        "person_id",
        "enroled_at__display_name",
        nothing,
        F("enroled_at_id"),
    ).union(
        rows(
            GroupMembership.objects.filter(
                not_ended, AnyOf("person_id", ids), group__group_type=GroupType.KLASS
            ),
            "class",
            "person_id",
            "",
            F("group__display_name"),
            F("group__organisation_id"),
        ),
        rows(
            Placement.objects.filter(
                not_ended, AnyOf("child_id", ids), school_type=PlacementSchoolType.FS
            ),
            "placement",
            "child_id",
            "placed_at__display_name",
            Coalesce(F("group__display_name"), nothing),
            F("placed_at_id"),
        ),
        rows(
            Duty.objects.filter(not_ended, AnyOf("person_id", ids)),
            "duty",
            "person_id",
            "duty_at__display_name",
            F("duty_role"),
            F("duty_at_id"),
        ),
        rows(
            Responsible.objects.filter(valid_on(day), AnyOf("responsible_id", ids)),
            "responsible",
            "responsible_id",
            "",
            F("relation_type"),
            Value(None, output_field=uuid),
        ),
        all=True,
    )
    found = sorted(union, key=lambda r: (r[5], r[0], r[2], r[3]))
    classes = {(r[1], r[4]): r[3] for r in reversed(found) if r[0] == "class"}
    labels: dict[UUID, list[str]] = {}
    for kind, person_id, place, detail, at, _since in found:
        if kind == "enrolment":
            label = " ".join(filter(None, ("elev", classes.get((person_id, at)), place)))
        elif kind == "placement":
            label = " ".join(filter(None, ("barn", detail, place)))
        elif kind == "duty":
            label = f"{detail.lower()} {place}"
        elif kind == "responsible":
            label = detail.lower()
        else:
            continue
        own = labels.setdefault(person_id, [])
        if label not in own:
            own.append(label)
    return labels


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


def person_organisation_ids(person_ids: Iterable[UUID]) -> set[UUID]:
    """Return the organisations people belong to: enrolled, placed, employed, or their children's.

    What a change of a Person concerns, for the SS 12000 API's subscribers and tombstones
    (`skolsam.core.changes.change_record`). A protected person's school, class or
    workplace must not follow from a tombstone or a webhook either: where the person (or
    the child through whom a guardian belongs) is protected, the change concerns the
    huvudman only, which a client bound to the whole huvudman may know and a school's
    client may not (docs/architecture.md, SS 12000 API).
    """
    return {org for orgs in organisation_ids_by_person(person_ids).values() for org in orgs}


def organisation_ids_by_person(person_ids: Iterable[UUID]) -> dict[UUID, set[UUID]]:
    """Return each person's organisations, as `person_organisation_ids` names them.

    Enrolled, placed, employed, owner of a placement, or guardian of a child enrolled or
    placed there; the huvudman instead of the school where the person, or the child, is
    protected. In six queries, however many people.
    """
    people = set(person_ids)
    out: dict[UUID, set[UUID]] = {pk: set() for pk in people}
    if not people:
        return out
    protected = set(
        Person.objects.filter(pk__in=people)
        .exclude(security_marking=SecurityMarking.INGEN)
        .values_list("pk", flat=True)
    )
    guardians: dict[UUID, set[UUID]] = {}
    for child, guardian in Responsible.objects.filter(responsible_id__in=people).values_list(
        "person_id", "responsible_id"
    ):
        guardians.setdefault(child, set()).add(guardian)

    def add(whom: set[UUID], org: UUID, huvudman: UUID | None, marking: str) -> None:
        for pk in whom:
            hidden = marking != SecurityMarking.INGEN or pk in protected
            out[pk].add((huvudman or org) if hidden else org)

    for pk, org, huvudman, marking in Enrolment.objects.filter(
        person_id__in=people | set(guardians)
    ).values_list(
        "person_id", "enroled_at_id", "enroled_at__huvudman_id", "person__security_marking"
    ):
        add(({pk} & people) | guardians.get(pk, set()), org, huvudman, marking)
    for pk, org, huvudman, marking in Placement.objects.filter(
        child_id__in=people | set(guardians)
    ).values_list("child_id", "placed_at_id", "placed_at__huvudman_id", "child__security_marking"):
        add(({pk} & people) | guardians.get(pk, set()), org, huvudman, marking)
    for pk, org, huvudman, marking in Placement.owners.through.objects.filter(
        person_id__in=people
    ).values_list(
        "person_id",
        "placement__placed_at_id",
        "placement__placed_at__huvudman_id",
        "placement__child__security_marking",
    ):
        add({pk}, org, huvudman, marking)
    for pk, org, huvudman, marking in Duty.objects.filter(person_id__in=people).values_list(
        "person_id", "duty_at_id", "duty_at__huvudman_id", "person__security_marking"
    ):
        add({pk}, org, huvudman, marking)
    return out
