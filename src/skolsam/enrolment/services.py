"""Write enrolments and placements, enforcing the register's rules."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skolsam.audit.services import audit_record
from skolsam.core.access import Actor
from skolsam.core.changes import change_record
from skolsam.core.choices import OrganisationType, PlacementSchoolType, SecurityMarking
from skolsam.core.errors import DomainError, period_validate
from skolsam.core.models import periods_overlap
from skolsam.core.policy import Action
from skolsam.curriculum.models import Programme
from skolsam.enrolment.access import enrolment_policy
from skolsam.enrolment.models import Enrolment, Placement
from skolsam.groups.models import Group
from skolsam.organisations.access import organisation_policy
from skolsam.organisations.models import Organisation
from skolsam.people.models import Person
from skolsam.people.services import person_change_record


def school_unit_offers_validate(unit: Organisation, school_type: str) -> None:
    """Refuse anything but a school unit that offers `school_type` (public for imports)."""
    if unit.organisation_type != OrganisationType.SKOLENHET:
        raise DomainError(
            {"enroled_at": _("%(unit)s är ingen skolenhet.") % {"unit": unit.display_name}}
        )
    if school_type not in unit.school_types:
        offered = ", ".join(unit.school_types) or "inga"
        raise DomainError(
            {
                "school_type": _(
                    "%(unit)s erbjuder inte skolformen %(school_type)s (erbjuder: %(offered)s)."
                )
                % {"unit": unit.display_name, "school_type": school_type, "offered": offered}
            }
        )


def _enrolment_changed(enrolment: Enrolment) -> None:
    # An enrolment is part of the pupil's Person in SS 12000, and brings her guardians
    # into (or out of) the school's view.
    person_change_record([enrolment.person_id], with_guardians=True)


@transaction.atomic
def enrolment_create(
    *,
    actor: Actor,
    person: Person,
    school_unit: Organisation,
    school_type: str,
    start_date: date,
    end_date: date | None = None,
    school_year: int | None = None,
    programme: Programme | None = None,
    education_code: str = "",
    specification: str = "",
) -> Enrolment:
    """Enrol a pupil at a school unit in a school type from `start_date`."""
    organisation_policy.require(
        actor,
        Action.CREATE,
        school_unit,
        "Du har inte behörighet att ändra inskrivningar vid den enheten.",
    )
    period_validate(start_date, end_date)
    school_unit_offers_validate(school_unit, school_type)
    if school_year is not None and not 0 <= school_year <= 10:
        raise DomainError({"school_year": _("Årskursen måste vara mellan 0 och 10.")})
    # Lock the pupil's row so two concurrent enrolments cannot both pass the overlap check.
    Person.objects.select_for_update().filter(pk=person.pk).first()
    for other in Enrolment.objects.filter(person=person, school_type=school_type, cancelled=False):
        if periods_overlap(start_date, end_date, other.start_date, other.end_date):
            raise DomainError(
                {
                    "start_date": _(
                        "Eleven är redan inskriven i %(school_type)s vid %(other)s från "
                        "%(start_date)s. Avsluta den inskrivningen först."
                    )
                    % {
                        "school_type": school_type,
                        "other": other.enroled_at.display_name,
                        "start_date": other.start_date,
                    }
                }
            )
    enrolment = Enrolment.objects.create(
        person=person,
        enroled_at=school_unit,
        school_type=school_type,
        school_year=school_year,
        programme=programme,
        education_code=education_code or (programme.code if programme else ""),
        specification=specification,
        start_date=start_date,
        end_date=end_date,
    )
    _enrolment_changed(enrolment)
    audit_record(
        actor=actor,
        action="enrolment.create",
        object_type="Enrolment",
        object_id=enrolment.pk,
        person_id=person.pk,
        changes={
            "enroled_at": [None, str(school_unit.pk)],
            "school_type": [None, school_type],
            "school_year": [None, school_year],
            "start_date": [None, start_date.isoformat()],
            "end_date": [None, end_date.isoformat() if end_date else None],
        },
    )
    return enrolment


@transaction.atomic
def enrolment_end(*, actor: Actor, enrolment: Enrolment, end_date: date) -> Enrolment:
    """End an enrolment on `end_date` (the last day, inclusive)."""
    enrolment_policy.require(
        actor,
        Action.CHANGE,
        enrolment,
        "Du har inte behörighet att ändra inskrivningar vid den enheten.",
    )
    period_validate(enrolment.start_date, end_date)
    before = enrolment.end_date
    enrolment.end_date = end_date
    enrolment.modified = timezone.now()
    enrolment.save(update_fields=["end_date", "modified"])
    _enrolment_changed(enrolment)
    audit_record(
        actor=actor,
        action="enrolment.end",
        object_type="Enrolment",
        object_id=enrolment.pk,
        person_id=enrolment.person_id,
        changes={"end_date": [before.isoformat() if before else None, end_date.isoformat()]},
    )
    return enrolment


@transaction.atomic
def enrolment_cancel(*, actor: Actor, enrolment: Enrolment) -> Enrolment:
    """Cancel an enrolment that should never have started (SS 12000 `cancelled`)."""
    enrolment_policy.require(
        actor,
        Action.CHANGE,
        enrolment,
        "Du har inte behörighet att ändra inskrivningar vid den enheten.",
    )
    enrolment.cancelled = True
    enrolment.modified = timezone.now()
    enrolment.save(update_fields=["cancelled", "modified"])
    _enrolment_changed(enrolment)
    audit_record(
        actor=actor,
        action="enrolment.cancel",
        object_type="Enrolment",
        object_id=enrolment.pk,
        person_id=enrolment.person_id,
        changes={"cancelled": [False, True]},
    )
    return enrolment


@transaction.atomic
def placement_create(
    *,
    actor: Actor,
    child: Person,
    placed_at: Organisation,
    school_type: str,
    start_date: date,
    end_date: date | None = None,
    group: Group | None = None,
    owners: list[Person] | None = None,
    reason: str = "",
    max_weekly_schedule_hours: int | None = None,
) -> Placement:
    """Place a child in preschool or fritidshem, with the guardians who own the placement."""
    organisation_policy.require(
        actor,
        Action.CREATE,
        placed_at,
        "Du har inte behörighet att ändra inskrivningar vid den enheten.",
    )
    period_validate(start_date, end_date)
    if school_type not in PlacementSchoolType.values:
        raise DomainError(
            {
                "school_type": _(
                    "Placeringar gäller förskola, fritidshem eller öppen fritidsverksamhet."
                )
            }
        )
    school_unit_offers_validate(placed_at, school_type)
    for other in Placement.objects.filter(child=child, school_type=school_type):
        if periods_overlap(start_date, end_date, other.start_date, other.end_date):
            raise DomainError(
                {"start_date": _("Barnet har redan en placering i den skolformen för perioden.")}
            )
    placement = Placement.objects.create(
        child=child,
        placed_at=placed_at,
        school_type=school_type,
        start_date=start_date,
        end_date=end_date,
        group=group,
        reason=reason,
        max_weekly_schedule_hours=max_weekly_schedule_hours,
    )
    if owners:
        placement.owners.set(owners)
    # A protected child's placement concerns the huvudman only (where she is, is secret).
    place = (
        placed_at.pk if child.security_marking == SecurityMarking.INGEN else placed_at.huvudman_id
    )
    change_record(entity_type="Placement", ids=[placement.pk], organisation_ids=[place])
    person_change_record([child.pk, *(o.pk for o in owners or [])], with_guardians=True)
    audit_record(
        actor=actor,
        action="placement.create",
        object_type="Placement",
        object_id=placement.pk,
        person_id=child.pk,
        changes={
            "placed_at": [None, str(placed_at.pk)],
            "school_type": [None, school_type],
            "start_date": [None, start_date.isoformat()],
        },
    )
    return placement
