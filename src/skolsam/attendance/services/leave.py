"""Apply for leave, consent as the other guardian, and decide as the rektor."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skolsam.attendance.models import (
    Absence,
    AbsenceChannel,
    AbsenceType,
    LeaveConsent,
    LeaveRequest,
    LeaveStatus,
)
from skolsam.attendance.policy import policy_for
from skolsam.attendance.services._common import _apply_absence, _guardians_of, _school_unit_of
from skolsam.attendance.services.absence import day_span
from skolsam.audit.services import audit_record
from skolsam.core.access import Actor
from skolsam.core.changes import change_record
from skolsam.core.errors import DomainError
from skolsam.core.policy import Action
from skolsam.organisations.access import organisation_policy
from skolsam.people.access import child_policy
from skolsam.people.models import Person


@transaction.atomic
def leave_request_create(
    *, actor: Actor, student: Person, start_date: date, end_date: date, reason: str
) -> LeaveRequest:
    """Apply for leave for one's child. With the huvudman's setting, every guardian must agree."""
    child_policy.require(
        actor, Action.APPLY_FOR_LEAVE, student, "Du kan bara ansöka om ledighet för dina egna barn."
    )
    if end_date < start_date:
        raise DomainError({"end_date": _("Slutdatum kan inte ligga före startdatum.")})
    if start_date < actor.on:
        raise DomainError({"start_date": _("Ledighet söks i förväg; startdatum har passerat.")})
    if not reason.strip():
        raise DomainError({"reason": _("Skriv skälet till ledigheten.")})
    unit = _school_unit_of(student, start_date)
    guardians = _guardians_of(student, actor.on, Action.CONSENT)
    policy = policy_for(unit.pk)
    everyone = policy.leave_requires_all_guardians and len(guardians) > 1
    leave = LeaveRequest.objects.create(
        student=student,
        organisation=unit,
        start_date=start_date,
        end_date=end_date,
        reason=reason.strip()[:500],
        requested_by_id=actor.person_id,
        status=LeaveStatus.AWAITING_GUARDIANS if everyone else LeaveStatus.REQUESTED,
    )
    assert actor.person_id is not None  # a guardian is a person
    LeaveConsent.objects.create(leave_request=leave, guardian_id=actor.person_id, at=timezone.now())
    audit_record(
        actor=actor,
        action="leave.request",
        object_type="LeaveRequest",
        object_id=leave.pk,
        person_id=student.pk,
        detail={"start": start_date, "end": end_date, "status": leave.status},
    )
    return leave


@transaction.atomic
def leave_request_consent(*, actor: Actor, leave: LeaveRequest) -> LeaveRequest:
    """Agree, as the other guardian, to a leave request; when all have, it goes to the rektor."""
    leave = LeaveRequest.objects.select_for_update().get(pk=leave.pk)
    child_policy.require(
        actor, Action.CONSENT, leave.student, "Du är inte vårdnadshavare för eleven."
    )
    if leave.status != LeaveStatus.AWAITING_GUARDIANS:
        raise DomainError(_("Ansökan väntar inte på ditt godkännande."))
    LeaveConsent.objects.get_or_create(
        leave_request=leave, guardian_id=actor.person_id, defaults={"at": timezone.now()}
    )
    agreed = set(leave.consents.values_list("guardian_id", flat=True))
    student = Person.objects.get(pk=leave.student_id)
    if {g.pk for g in _guardians_of(student, actor.on, Action.CONSENT)} <= agreed:
        leave.status = LeaveStatus.REQUESTED
        leave.modified = timezone.now()
        leave.save(update_fields=["status", "modified"])
    audit_record(
        actor=actor,
        action="leave.consent",
        object_type="LeaveRequest",
        object_id=leave.pk,
        person_id=leave.student_id,
        detail={"status": leave.status},
    )
    return leave


@transaction.atomic
def leave_request_decide(
    *, actor: Actor, leave: LeaveRequest, grant: bool, reason: str = ""
) -> LeaveRequest:
    """Grant or reject leave as the rektor; granted leave becomes valid absence; the
    guardians are told, after commit."""
    leave = LeaveRequest.objects.select_for_update().get(pk=leave.pk)
    organisation_policy.require(
        actor, Action.DECIDE, leave.organisation_id, "Bara rektor kan besluta om ledighet."
    )
    if leave.status != LeaveStatus.REQUESTED:
        raise DomainError(_("Ansökan är inte redo för beslut."))
    if not grant and not reason.strip():
        raise DomainError({"decision_reason": _("Skriv skälet till avslaget.")})
    leave.status = LeaveStatus.GRANTED if grant else LeaveStatus.REJECTED
    leave.decided_by_id = actor.person_id
    leave.decided_at = timezone.now()
    leave.decision_reason = reason.strip()[:500]
    leave.modified = leave.decided_at
    leave.save()
    lessons = 0
    if grant:
        start, end = day_span(leave.start_date, leave.end_date)
        absence = Absence.objects.create(
            student_id=leave.student_id,
            organisation_id=leave.organisation_id,
            start_time=start,
            end_time=end,
            type=AbsenceType.LEDIGHET,
            channel=AbsenceChannel.LEAVE,
            registered_by_id=actor.person_id,
            leave_request=leave,
        )
        change_record(
            entity_type="Absence", ids=[absence.pk], organisation_ids=[leave.organisation_id]
        )
        lessons = _apply_absence(absence)
    audit_record(
        actor=actor,
        action="leave.decide",
        object_type="LeaveRequest",
        object_id=leave.pk,
        person_id=leave.student_id,
        changes={"status": [LeaveStatus.REQUESTED, leave.status]},
        detail={"reason": leave.decision_reason, "lessons": lessons},
    )
    from skolsam.attendance.notices import schedule_leave_decision_notices

    transaction.on_commit(lambda: schedule_leave_decision_notices(leave_id=leave.pk))
    return leave
