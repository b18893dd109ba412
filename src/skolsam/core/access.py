"""Define the Actor: who is asking, on which day, and what the register grants them.

The rules that read a domain's models live in that domain's `access.py`, declared through
`core.policy` (persons in `people.access`, groups in `groups.access`, ...); every read of
personal data goes through one of them. What follows is the model they share. The Actor
is built from the register by `accounts.actor` (above the register apps, which it reads);
core only defines it, so core imports no domain app.

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

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet
from django.http import Http404

from skolsam.core.choices import DutyRole, OrganisationType, SecurityMarking
from skolsam.core.dates import today

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
    # The Django permission ss12000.change_apiclient: issue and manage SS 12000 API clients
    # (api.ss12000.access.api_client_policy); not a register grant.
    can_manage_api_clients: bool = False
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
