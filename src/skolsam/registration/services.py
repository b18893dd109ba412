"""Register pupils with their guardians, register staff, and move pupils between schools.

Each function here is one thing a school administrator does at the counter, made of the
register's own services (`person_create`, `responsible_add`, `enrolment_create`,
`group_membership_add`, `duty_create` ...) inside one transaction: everything is written,
or nothing is. The services keep checking permissions and domain rules and writing the
audit log; these functions only add the rules that span several of them.

Errors are `DomainError`s whose fields carry a prefix naming the part of the form they
belong to (`pupil-civic_no`, `guardian2-phone_numbers`, `enrolment-school_type`), so a page
with several sections can put each message on its own field.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from skolsam.core.access import Actor
from skolsam.core.errors import DomainError
from skolsam.core.policy import Action
from skolsam.duties.models import Duty
from skolsam.duties.services import duty_create
from skolsam.enrolment.models import Enrolment
from skolsam.enrolment.services import enrolment_create, enrolment_end
from skolsam.groups.models import Group, GroupMembership
from skolsam.groups.services import group_membership_add, group_membership_end
from skolsam.organisations.access import organisation_policy
from skolsam.organisations.models import Organisation
from skolsam.people import civicno
from skolsam.people.access import person_policy
from skolsam.people.models import Person
from skolsam.people.services import PersonDetails, person_create, responsible_add


@dataclass(frozen=True)
class PupilRegistration:
    pupil: Person
    enrolment: Enrolment
    membership: GroupMembership | None
    guardians: list[Person]
    # Guardians who were in the register already and were linked, not created.
    linked: list[Person] = field(default_factory=list)


@dataclass(frozen=True)
class StaffRegistration:
    person: Person
    duty: Duty
    linked: bool


@contextmanager
def _section(prefix: str) -> Iterator[None]:
    """Re-raise a service's DomainError with its fields named `<prefix>-<field>`."""
    try:
        yield
    except DomainError as error:
        if hasattr(error, "error_dict"):
            raise DomainError(
                {f"{prefix}-{name}": messages for name, messages in error.message_dict.items()}
            ) from None
        raise


def _existing_person(actor: Actor, civic_no: str) -> Person | None:
    """Return the registered person with this civic number, if the actor may see them.

    Raises a DomainError when someone has the number but is hidden from the actor: the
    register cannot hold the number twice, and the message must not say who it is.
    """
    try:
        number = civicno.parse(civic_no, today=actor.on).value
    except civicno.CivicNoError:
        return None  # person_create reports the malformed number on the field
    person = Person.objects.filter(civic_no=number).first()
    if person is None:
        return None
    if person_policy.objects(actor, Action.VIEW).filter(pk=person.pk).exists():
        return person
    raise DomainError(
        {
            "civic_no": _(
                "Det finns redan en person med det personnumret i registret, men du har "
                "inte behörighet att se personen, så den kan inte kopplas härifrån. Kontakta en "
                "central administratör."
            )
        }
    )


def _create_person(actor: Actor, details: PersonDetails, *, email_type: str) -> Person:
    return person_create(
        actor=actor,
        given_name=details.given_name,
        middle_name=details.middle_name,
        family_name=details.family_name,
        civic_no=details.civic_no,
        **details.contacts(email_type=email_type),
    )


@transaction.atomic
def pupil_enrol(
    *,
    actor: Actor,
    person: Person,
    school_unit: Organisation,
    school_type: str,
    start_date: date,
    school_year: int | None = None,
    end_date: date | None = None,
    group: Group | None = None,
) -> tuple[Enrolment, GroupMembership | None]:
    """Enrol a pupil at a school unit and, if given, put them in a class there from day one."""
    enrolment = enrolment_create(
        actor=actor,
        person=person,
        school_unit=school_unit,
        school_type=school_type,
        school_year=school_year,
        start_date=start_date,
        end_date=end_date,
    )
    membership = None
    if group is not None:
        if group.organisation_id != school_unit.pk:
            raise DomainError(
                {
                    "group": _("%(group)s hör inte till %(school_unit)s.")
                    % {"group": group.display_name, "school_unit": school_unit.display_name}
                }
            )
        membership = group_membership_add(
            actor=actor, group=group, person=person, start_date=start_date, end_date=end_date
        )
    return enrolment, membership


@transaction.atomic
def pupil_register(
    *,
    actor: Actor,
    pupil: PersonDetails,
    guardians: Sequence[PersonDetails],
    school_unit: Organisation,
    school_type: str,
    start_date: date,
    end_date: date | None = None,
    school_year: int | None = None,
    group: Group | None = None,
) -> PupilRegistration:
    """Register a new pupil with guardians, enrolled at a school unit (and a class), at once.

    A guardian who is in the register already (same civic number) is linked, not created,
    and their details are left as they are; if the actor may not see that person, the
    registration is refused. Custody is recorded from the pupil's birth date (the usual
    case, parents), or from the first school day when the civic number has no birth date.
    """
    organisation_policy.require(
        actor,
        Action.CREATE,
        school_unit,
        f"Du har inte behörighet att skriva in elever vid {school_unit.display_name}.",
    )
    numbers: dict[str, str] = {}
    for prefix, details in (
        ("pupil", pupil),
        *((f"guardian{i}", g) for i, g in enumerate(guardians, 1)),
    ):
        if not civicno.is_valid(details.civic_no, today=actor.on):
            continue
        number = civicno.parse(details.civic_no, today=actor.on).value
        if number in numbers:
            raise DomainError(
                {
                    f"{prefix}-civic_no": _("Samma personnummer som %(section_name)s.")
                    % {"section_name": _section_name(numbers[number])}
                }
            )
        numbers[number] = prefix

    with _section("pupil"):
        pupil_person = _create_person(actor, pupil, email_type="Skola elev")
    with _section("enrolment"):
        enrolment, membership = pupil_enrol(
            actor=actor,
            person=pupil_person,
            school_unit=school_unit,
            school_type=school_type,
            school_year=school_year,
            start_date=start_date,
            end_date=end_date,
            group=group,
        )
    # The administrator may change the new pupil's relations once the pupil is enrolled at
    # their unit. A pupil registered ahead of the first school day is enrolled only from
    # then, so the relations are checked as of that day, with today's grants.
    as_of_start = replace(actor, on=max(actor.on, start_date))
    custody_from = pupil_person.birth_date or start_date
    created: list[Person] = []
    linked: list[Person] = []
    for i, details in enumerate(guardians, 1):
        with _section(f"guardian{i}"):
            guardian = _existing_person(actor, details.civic_no)
            if guardian is None:
                guardian = _create_person(actor, details, email_type="Privat")
                created.append(guardian)
            else:
                linked.append(guardian)
            responsible_add(
                actor=as_of_start,
                person=pupil_person,
                responsible=guardian,
                relation_type=details.relation_type,
                start_date=custody_from,
            )
    return PupilRegistration(
        pupil=pupil_person,
        enrolment=enrolment,
        membership=membership,
        guardians=created + linked,
        linked=linked,
    )


def _section_name(prefix: str) -> str:
    if prefix == "pupil":
        return "eleven"
    return f"vårdnadshavare {prefix.removeprefix('guardian')}"


def _leave_groups(actor: Actor, enrolment: Enrolment, last_day: date) -> list[GroupMembership]:
    """End the pupil's memberships in groups of the enrolment's unit after `last_day`."""
    ended = []
    memberships = (
        GroupMembership.objects.filter(
            person_id=enrolment.person_id, group__organisation_id=enrolment.enroled_at_id
        )
        .exclude(end_date__lte=last_day)
        .select_related("group")
        .order_by("start_date", "id")
    )
    for membership in memberships:
        if membership.start_date > last_day:
            raise DomainError(
                {
                    "end_date": _(
                        "Eleven ska börja i %(membership)s %(start_date)s, efter sista dagen "
                        "på skolan. Ändra det medlemskapet först."
                    )
                    % {
                        "membership": membership.group.display_name,
                        "start_date": membership.start_date,
                    }
                }
            )
        ended.append(group_membership_end(actor=actor, membership=membership, end_date=last_day))
    return ended


@transaction.atomic
def pupil_leave_school(
    *, actor: Actor, enrolment: Enrolment, end_date: date, leave_groups: bool = True
) -> Enrolment:
    """End an enrolment on `end_date` (the last day) and, by default, the unit's groups too."""
    enrolment = enrolment_end(actor=actor, enrolment=enrolment, end_date=end_date)
    if leave_groups:
        _leave_groups(actor, enrolment, end_date)
    return enrolment


@transaction.atomic
def pupil_move_school(
    *,
    actor: Actor,
    enrolment: Enrolment,
    school_unit: Organisation,
    school_type: str,
    on: date,
    school_year: int | None = None,
    group: Group | None = None,
) -> tuple[Enrolment, GroupMembership | None]:
    """Move a pupil to another school unit from `on`.

    The old enrolment and the old unit's group memberships end the day before; the new
    enrolment (and class, if given) start on `on`. Both units must be the actor's to manage.
    """
    organisation_policy.require(
        actor,
        Action.CREATE,
        school_unit,
        f"Du har inte behörighet att skriva in elever vid {school_unit.display_name}.",
    )
    old_unit = enrolment.enroled_at
    if school_unit.pk == old_unit.pk:
        raise DomainError(
            {
                "school_unit": _("Eleven går redan på %(old_unit)s. Välj en annan skolenhet.")
                % {"old_unit": old_unit.display_name}
            }
        )
    if on <= enrolment.start_date:
        raise DomainError(
            {
                "on": _(
                    "Eleven började på %(old_unit)s %(start_date)s. Flyttdatumet måste "
                    "komma efter det."
                )
                % {"old_unit": old_unit.display_name, "start_date": enrolment.start_date}
            }
        )
    if enrolment.end_date is not None and enrolment.end_date < on - timedelta(days=1):
        raise DomainError(
            {
                "on": _(
                    "Inskrivningen vid %(old_unit)s slutade redan %(end_date)s. Skriv in "
                    "eleven på den nya skolan i stället."
                )
                % {"old_unit": old_unit.display_name, "end_date": enrolment.end_date}
            }
        )
    last_day = on - timedelta(days=1)
    try:
        pupil_leave_school(actor=actor, enrolment=enrolment, end_date=last_day)
    except DomainError as error:
        if hasattr(error, "error_dict"):
            raise DomainError(
                {"on": [m for messages in error.message_dict.values() for m in messages]}
            ) from None
        raise
    return pupil_enrol(
        actor=actor,
        person=enrolment.person,
        school_unit=school_unit,
        school_type=school_type,
        school_year=school_year,
        start_date=on,
        group=group,
    )


@transaction.atomic
def staff_register(
    *,
    actor: Actor,
    person: PersonDetails,
    duty_at: Organisation,
    duty_role: str,
    start_date: date,
    end_date: date | None = None,
    duty_percent: int | None = None,
    signature: str = "",
) -> StaffRegistration:
    """Register a staff member with a duty at a unit; link them if already registered.

    An existing person (same civic number) gets the duty if the actor may see them; their
    details are left as they are.
    """
    organisation_policy.require(
        actor,
        Action.CREATE,
        duty_at,
        f"Du har inte behörighet att registrera personal vid {duty_at.display_name}.",
    )
    existing = _existing_person(actor, person.civic_no)
    staff = existing or _create_person(actor, person, email_type="Skola personal")
    duty = duty_create(
        actor=actor,
        person=staff,
        duty_at=duty_at,
        duty_role=duty_role,
        start_date=start_date,
        end_date=end_date,
        duty_percent=duty_percent,
        signature=signature,
    )
    return StaffRegistration(person=staff, duty=duty, linked=existing is not None)
