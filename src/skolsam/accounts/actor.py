"""Build the Actor from the register, and keep it per session until the register changes.

`core.access` defines the Actor and the rules it stands for; this module reads the
register to fill it in: duties, the organisation tree, assignment roles, taught groups,
responsible relations and protected-identity authorisations on a given day. It lives in
`accounts`, above the register apps and schedule/activities it reads, so that `core`
imports no domain app (the import-linter layers contract in pyproject.toml).

Views get the Actor through `core.views.request_actor`, which asks the builder that
`accounts.middleware.ActorMiddleware` puts on every request; a view never builds one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any
from uuid import UUID

from django.db.models import Q

from skolsam.accounts.models import RegisterVersion
from skolsam.activities.models import ActivityTeacher
from skolsam.core.access import (
    ADMIN_ROLES,
    CENTRAL_ORGANISATION_TYPES,
    SCHOOL_WIDE_ROLES,
    Actor,
)
from skolsam.core.choices import SecurityMarking
from skolsam.core.dates import today
from skolsam.core.models import valid_on
from skolsam.duties.models import AssignmentRole, Duty
from skolsam.organisations.models import Organisation
from skolsam.people.access import in_organisations, minor_on
from skolsam.people.models import Person, ProtectedIdentityAuthorisation, Responsible


def actor_for_user(user: Any, on: date | None = None) -> Actor:
    """Build the Actor for a logged-in user on day `on` (today by default)."""
    day = on or today()
    # Duck-typed: an AnonymousUser, or an inactive account, gets the actor of nobody.
    if (
        not getattr(user, "is_authenticated", False)
        or not getattr(user, "is_active", False)
        or not hasattr(user, "has_perm")
    ):
        return Actor(user_id=None, person_id=None, on=day)
    can_audit = user.has_perm("audit.search_auditentry")
    can_api = user.has_perm("ss12000.change_apiclient")
    if user.person_id is None:
        return Actor(
            user_id=user.pk,
            person_id=None,
            on=day,
            can_search_audit=can_audit,
            can_manage_api_clients=can_api,
            label=user.username,
        )
    return actor_for_person(
        user.person_id,
        on=day,
        user_id=user.pk,
        can_search_audit=can_audit,
        can_manage_api_clients=can_api,
        label=user.username,
    )


def actor_for_person(
    person_id: UUID,
    *,
    on: date | None = None,
    user_id: int | None = None,
    can_search_audit: bool = False,
    can_manage_api_clients: bool = False,
    label: str = "",
) -> Actor:
    """Build the Actor for a person: their duties, groups and relations on day `on`."""
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
        can_manage_api_clients=can_manage_api_clients,
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


# --- the Actor kept per session --------------------------------------------------------------

_SESSION_ACTOR = "skolsam_actor"
# Raised whenever the Actor's JSON gains or loses a field: a session kept in the old shape
# is then rebuilt rather than read (2: can_manage_api_clients).
_SESSION_FORMAT = 2
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
    if not getattr(user, "is_authenticated", False) or not user.is_active or session is None:
        return actor_for_user(user)
    day = today()
    key = [
        _SESSION_FORMAT,
        RegisterVersion.current(),
        day.isoformat(),
        user.pk,
        str(user.person_id),
    ]
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
        "can_manage_api_clients": actor.can_manage_api_clients,
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
        can_manage_api_clients=data["can_manage_api_clients"],
        label=data["label"],
    )
