"""Write staff duties and their assignment roles to groups."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skolsam.audit.services import audit_record
from skolsam.core.access import Actor
from skolsam.core.changes import change_record
from skolsam.core.choices import AssignmentRoleType, DutyRole, SecurityMarking
from skolsam.core.errors import DomainError, period_validate
from skolsam.core.policy import Action
from skolsam.duties.access import duty_policy
from skolsam.duties.models import AssignmentRole, Duty
from skolsam.groups.access import group_policy
from skolsam.groups.models import Group
from skolsam.organisations.access import organisation_policy
from skolsam.organisations.models import Organisation
from skolsam.people.models import Person
from skolsam.people.services import person_change_record


def _duty_changed(duty: Duty) -> None:
    # A duty is also part of its person's Person (the staff member's duties).
    # A protected person's duty concerns the huvudman only (where she works, is secret).
    at = duty.duty_at_id
    if duty.person.security_marking != SecurityMarking.INGEN:
        at = duty.duty_at.huvudman_id or at
    change_record(entity_type="Duty", ids=[duty.pk], organisation_ids=[at])
    # A duty brings its person into (or out of) the organisation's view.
    person_change_record([duty.person_id])


@transaction.atomic
def duty_create(
    *,
    actor: Actor,
    person: Person,
    duty_at: Organisation,
    duty_role: str,
    start_date: date,
    end_date: date | None = None,
    duty_percent: int | None = None,
    signature: str = "",
    description: str = "",
) -> Duty:
    """Give a person a duty (tjänst) at an organisation for a period."""
    organisation_policy.require(
        actor,
        Action.CREATE,
        duty_at,
        "Du har inte behörighet att registrera personal vid den enheten.",
    )
    if duty_role not in DutyRole.values:
        raise DomainError(
            {"duty_role": _("Okänd befattning %(duty_role)r.") % {"duty_role": duty_role}}
        )
    if duty_percent is not None and not 0 < duty_percent <= 100:
        raise DomainError({"duty_percent": _("Tjänstgöringsgraden ska vara 1–100 procent.")})
    period_validate(start_date, end_date)
    duty = Duty.objects.create(
        person=person,
        duty_at=duty_at,
        duty_role=duty_role,
        start_date=start_date,
        end_date=end_date,
        duty_percent=duty_percent,
        signature=signature,
        description=description,
    )
    _duty_changed(duty)
    audit_record(
        actor=actor,
        action="duty.create",
        object_type="Duty",
        object_id=duty.pk,
        person_id=person.pk,
        changes={
            "duty_at": [None, str(duty_at.pk)],
            "duty_role": [None, duty_role],
            "start_date": [None, start_date.isoformat()],
            "end_date": [None, end_date.isoformat() if end_date else None],
        },
    )
    return duty


@transaction.atomic
def duty_end(*, actor: Actor, duty: Duty, end_date: date) -> Duty:
    """End a duty on `end_date` (inclusive)."""
    duty_policy.require(actor, Action.CHANGE, duty, "Du har inte behörighet att ändra tjänsten.")
    period_validate(duty.start_date, end_date)
    before = duty.end_date
    duty.end_date = end_date
    duty.modified = timezone.now()
    duty.save(update_fields=["end_date", "modified"])
    _duty_changed(duty)
    audit_record(
        actor=actor,
        action="duty.end",
        object_type="Duty",
        object_id=duty.pk,
        person_id=duty.person_id,
        changes={"end_date": [before.isoformat() if before else None, end_date.isoformat()]},
    )
    return duty


@transaction.atomic
def assignment_role_add(
    *,
    actor: Actor,
    duty: Duty,
    group: Group,
    assignment_role_type: str,
    start_date: date,
    end_date: date | None = None,
) -> AssignmentRole:
    """Give a duty a role towards a group, e.g. mentor for a class."""
    group_policy.require(actor, Action.CHANGE, group, "Du har inte behörighet att ändra gruppen.")
    if assignment_role_type not in AssignmentRoleType.values:
        raise DomainError(
            {
                "assignment_role_type": _("Okänd roll %(assignment_role_type)r.")
                % {"assignment_role_type": assignment_role_type}
            }
        )
    period_validate(start_date, end_date)
    if duty.duty_at.huvudman_id != group.organisation.huvudman_id:
        raise DomainError({"duty": _("Tjänsten hör till en annan huvudman än gruppen.")})
    role = AssignmentRole.objects.create(
        duty=duty,
        group=group,
        assignment_role_type=assignment_role_type,
        start_date=start_date,
        end_date=end_date,
    )
    # A role is part of both the Duty and the Group in SS 12000.
    for entity_type, pk in (("Duty", duty.pk), ("Group", group.pk)):
        change_record(entity_type=entity_type, ids=[pk], organisation_ids=[group.organisation_id])
    audit_record(
        actor=actor,
        action="assignment_role.add",
        object_type="AssignmentRole",
        object_id=role.pk,
        person_id=duty.person_id,
        detail={"group": group.pk, "role": assignment_role_type},
        changes={
            "duty": [None, str(duty.pk)],
            "group": [None, str(group.pk)],
            "assignment_role_type": [None, assignment_role_type],
            "start_date": [None, start_date.isoformat()],
            "end_date": [None, end_date.isoformat() if end_date else None],
        },
    )
    return role
