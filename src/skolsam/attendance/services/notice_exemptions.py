"""Record the rektor's decision not to notify the guardians of absence (särskilda skäl)."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skolsam.attendance.models import NoticeExemption
from skolsam.attendance.services._common import _school_unit_of
from skolsam.audit.services import audit_record
from skolsam.core.access import Actor
from skolsam.core.errors import DomainError
from skolsam.core.policy import Action
from skolsam.organisations.access import organisation_policy
from skolsam.people.models import Person


@transaction.atomic
def notice_exemption_create(
    *, actor: Actor, student: Person, start_date: date, end_date: date, reason: str
) -> NoticeExemption:
    """Record the rektor's decision not to notify the guardians (särskilda skäl)."""
    unit = _school_unit_of(student, start_date)
    organisation_policy.require(
        actor, Action.DECIDE, unit.pk, "Bara rektor kan besluta om särskilda skäl."
    )
    if end_date < start_date:
        raise DomainError({"end_date": _("Slutdatum kan inte ligga före startdatum.")})
    if not reason.strip():
        raise DomainError({"reason": _("Skriv de särskilda skälen.")})
    row = NoticeExemption.objects.create(
        student=student,
        organisation=unit,
        start_date=start_date,
        end_date=end_date,
        reason=reason.strip()[:300],
        decided_by_id=actor.person_id,
        created=timezone.now(),
    )
    audit_record(
        actor=actor,
        action="notice.exemption",
        object_type="NoticeExemption",
        object_id=row.pk,
        person_id=student.pk,
        detail={"start": start_date, "end": end_date},
    )
    return row
