"""Build the Actor: who is asking, on which day, and what the register grants them.

The rules that read a domain's models live in that domain's `access.py`, declared through
`core.policy` (persons in `people.access`, groups in `groups.access`, ...); every read of
personal data goes through one of them. What follows is the model they share.

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
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet
from django.http import Http404

from skolsam.core.choices import DutyRole, OrganisationType, SecurityMarking
from skolsam.core.dates import today
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


def system_actor(label: str) -> Actor:
    """Return the actor for work no person does by hand: commands, imports, the demo loader."""
    return Actor(user_id=None, person_id=None, on=today(), is_system=True, label=label)


def actor_for_user(user: Any, on: date | None = None) -> Actor:
    """Build the Actor for a logged-in user on day `on` (today by default)."""
    day = on or today()
    # Duck-typed rather than isinstance(User): core knows no domain app (import-linter).
    if (
        not getattr(user, "is_authenticated", False)
        or not getattr(user, "is_active", False)
        or not hasattr(user, "has_perm")
    ):
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
    from skolsam.people.access import in_organisations, minor_on
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

    # Every relation type shows the child, but only while the child is a minor: at 18
    # custody ends, and Skolsam has no consent of the adult pupil to keep anything by
    # (docs/architecture.md, "Who acts for a child").
    responsible_for = set(
        Responsible.objects.filter(
            valid_on(day), minor_on(day, "person__"), responsible_id=person_id
        ).values_list("person_id", flat=True)
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
                person__in=Person.objects.filter(in_organisations(frozenset(tree), day)).values(
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


def get_or_404(queryset: QuerySet, pk: UUID | str, message: str) -> Any:
    """Fetch one row by id; a malformed id, a missing row and a forbidden row all give 404."""
    try:
        key = pk if isinstance(pk, UUID) else UUID(str(pk))
    except (ValueError, TypeError, AttributeError):
        raise Http404(message) from None
    obj = queryset.filter(pk=key).first()
    if obj is None:
        raise Http404(message)
    return obj


def located(actor: Actor, prefix: str = "") -> Q:
    """Rows about persons whose school and groups `actor` may know (see may_see_location).

    A protected person is left out, even from a count, unless the actor is named for them
    or is that person: "one more pupil in 7B" already says where the child goes to school.
    """
    known = set(actor.authorised_protected_ids)
    if actor.person_id is not None:
        known.add(actor.person_id)
    return Q(**{f"{prefix}security_marking": SecurityMarking.INGEN}) | Q(
        **{f"{prefix}id__in": known}
    )


def may_see_location(actor: Actor, person: Any) -> bool:
    """Tell whether `actor` may see the person's address, school, class, groups and photo."""
    if getattr(person, "security_marking", SecurityMarking.INGEN) == SecurityMarking.INGEN:
        return True
    pk = getattr(person, "pk", None)
    return pk is not None and (pk == actor.person_id or pk in actor.authorised_protected_ids)


# --- the Actor kept per session --------------------------------------------------------------

_SESSION_ACTOR = "skolsam_actor"
_ID_SETS = (
    "central_org_ids",
    "admin_org_ids",
    "school_wide_org_ids",
    "staff_org_ids",
    "group_ids",
    "responsible_for_ids",
    "authorised_protected_ids",
)


def actor_for_session(user: Any, session: Any) -> Actor:
    """Return `actor_for_user(user)`, built once per session, day and register version.

    Building an Actor costs about eight queries (duties, the organisation tree, assignment
    roles, taught groups, guardian relations, authorisations, permissions); reading the
    register version costs one. The version (`accounts.RegisterVersion`) is raised by
    database triggers on every table the Actor is built from, and is read before a new
    Actor is built, so a session never keeps rights past the change that ended them.
    """
    from skolsam.accounts.models import RegisterVersion

    if not getattr(user, "is_authenticated", False) or not user.is_active or session is None:
        return actor_for_user(user)
    day = today()
    key = [RegisterVersion.current(), day.isoformat(), user.pk, str(user.person_id)]
    kept = session.get(_SESSION_ACTOR)
    if kept and kept.get("key") == key:
        # Django's ModelBackend keeps a user's permissions in `_perm_cache`; the tables
        # they come from raise the version, so the kept set is current.
        user._perm_cache = set(kept["perms"])
        return _actor_from_json(kept["actor"])
    actor = actor_for_user(user, day)
    session[_SESSION_ACTOR] = {
        "key": key,
        "actor": _actor_to_json(actor),
        # Loaded already by the audit permission check above: no query.
        "perms": sorted(user.get_all_permissions()),
    }
    return actor


def session_memo(session: Any, name: str, compute: Any) -> Any:
    """Return a per-session answer kept beside the Actor, computed once per its version.

    Only for answers that depend on tables that raise the register version; call it after
    `actor_for_session` in the same request, so the entry is the current one.
    """
    kept = session.get(_SESSION_ACTOR) if session is not None else None
    if kept is None:
        return compute()
    memo = kept.setdefault("memo", {})
    if name not in memo:
        memo[name] = compute()
        session.modified = True
    return memo[name]


def _actor_to_json(actor: Actor) -> dict[str, Any]:
    return {
        "user_id": actor.user_id,
        "person_id": str(actor.person_id) if actor.person_id else None,
        "on": actor.on.isoformat(),
        **{name: sorted(str(v) for v in getattr(actor, name)) for name in _ID_SETS},
        "home_municipality_codes": sorted(actor.home_municipality_codes),
        "roles": sorted(actor.roles),
        "can_search_audit": actor.can_search_audit,
        "label": actor.label,
    }


def _actor_from_json(data: dict[str, Any]) -> Actor:
    def ids(name: str) -> frozenset[UUID]:
        return frozenset(UUID(v) for v in data[name])

    return Actor(
        user_id=data["user_id"],
        person_id=UUID(data["person_id"]) if data["person_id"] else None,
        on=date.fromisoformat(data["on"]),
        central_org_ids=ids("central_org_ids"),
        admin_org_ids=ids("admin_org_ids"),
        school_wide_org_ids=ids("school_wide_org_ids"),
        staff_org_ids=ids("staff_org_ids"),
        group_ids=ids("group_ids"),
        responsible_for_ids=ids("responsible_for_ids"),
        authorised_protected_ids=ids("authorised_protected_ids"),
        home_municipality_codes=frozenset(data["home_municipality_codes"]),
        roles=frozenset(data["roles"]),
        can_search_audit=data["can_search_audit"],
        label=data["label"],
    )
