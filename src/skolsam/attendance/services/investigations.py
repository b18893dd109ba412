"""Open, follow and close absence investigations (SL 7:19a)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skolsam.attendance.access import investigation_policy
from skolsam.attendance.models import (
    AbsenceInvestigation,
    InvestigationStatus,
    InvestigationStep,
    StepKind,
)
from skolsam.audit.services import audit_record
from skolsam.core.access import Actor
from skolsam.core.errors import DomainError
from skolsam.core.policy import Action
from skolsam.organisations.models import Organisation
from skolsam.people.models import Person


@transaction.atomic
def investigation_open(
    *,
    actor: Actor,
    student: Person,
    organisation: Organisation,
    period_start: date,
    period_end: date,
    basis: dict[str, Any],
) -> AbsenceInvestigation:
    """Start an absence investigation (SL 7:19a) as the pupil's mentor or school staff."""
    investigation_policy.require(
        actor,
        Action.FOLLOW_UP,
        AbsenceInvestigation(student=student, organisation=organisation),
        "Du kan inte starta en utredning för eleven.",
    )
    if AbsenceInvestigation.objects.filter(
        student=student, organisation=organisation, status=InvestigationStatus.OPEN
    ).exists():
        raise DomainError(_("Det finns redan en pågående utredning för eleven."))
    row = AbsenceInvestigation.objects.create(
        student=student,
        organisation=organisation,
        opened_by_id=actor.person_id,
        opened_at=timezone.now(),
        period_start=period_start,
        period_end=period_end,
        basis=basis,
    )
    audit_record(
        actor=actor,
        action="investigation.open",
        object_type="AbsenceInvestigation",
        object_id=row.pk,
        person_id=student.pk,
        detail=basis,
    )
    return row


@transaction.atomic
def investigation_add_step(
    *, actor: Actor, investigation: AbsenceInvestigation, kind: str, day: date, note: str
) -> InvestigationStep:
    investigation_policy.require(
        actor, Action.FOLLOW_UP, investigation, "Du kan inte ändra utredningen."
    )
    if investigation.status != InvestigationStatus.OPEN:
        raise DomainError(_("Utredningen är avslutad."))
    if kind not in StepKind.values:
        raise DomainError({"kind": _("Välj vilket slags steg det är.")})
    if not note.strip():
        raise DomainError({"note": _("Skriv vad som gjordes eller beslutades.")})
    if day > actor.on:
        raise DomainError({"date": _("Ett steg kan inte dateras i framtiden.")})
    step = InvestigationStep.objects.create(
        investigation=investigation,
        kind=kind,
        date=day,
        note=note.strip(),
        recorded_by_id=actor.person_id,
        recorded_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action="investigation.step",
        object_type="AbsenceInvestigation",
        object_id=investigation.pk,
        person_id=investigation.student_id,
        detail={"kind": kind, "date": day},
    )
    return step


@transaction.atomic
def investigation_close(
    *, actor: Actor, investigation: AbsenceInvestigation, conclusion: str
) -> AbsenceInvestigation:
    investigation_policy.require(
        actor, Action.DECIDE, investigation, "Bara rektor kan avsluta en utredning."
    )
    if not conclusion.strip():
        raise DomainError({"conclusion": _("Skriv utredningens slutsats.")})
    investigation.status = InvestigationStatus.CLOSED
    investigation.closed_at = timezone.now()
    investigation.conclusion = conclusion.strip()
    investigation.save(update_fields=["status", "closed_at", "conclusion"])
    audit_record(
        actor=actor,
        action="investigation.close",
        object_type="AbsenceInvestigation",
        object_id=investigation.pk,
        person_id=investigation.student_id,
    )
    return investigation
