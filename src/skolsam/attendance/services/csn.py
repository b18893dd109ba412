"""Decide on reporting pupils to CSN, record their return to full-time study, write the file."""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skolsam.attendance.models import CsnDecision, CsnDecisionKind, CsnReport, CsnReturn
from skolsam.audit.services import audit_export, audit_record
from skolsam.core.access import Actor
from skolsam.core.errors import DomainError
from skolsam.core.policy import Action
from skolsam.organisations.access import organisation_policy
from skolsam.organisations.models import Organisation
from skolsam.people.models import Person


@transaction.atomic
def csn_decide(
    *,
    actor: Actor,
    student: Person,
    organisation: Organisation,
    month: date,
    invalid_minutes: int,
    decision: str,
    reason: str = "",
) -> CsnDecision:
    """Record the rektor's decision to report a pupil to CSN for a month, or to refrain."""
    organisation_policy.require(
        actor, Action.DECIDE, organisation.pk, "Bara rektor beslutar om rapportering till CSN."
    )
    if decision not in CsnDecisionKind.values:
        raise DomainError({"decision": _("Välj rapportera eller avstå.")})
    if decision == CsnDecisionKind.REFRAIN and not reason.strip():
        raise DomainError({"reason": _("Skriv skälet till att avstå.")})
    month = month.replace(day=1)
    existing = CsnDecision.objects.filter(
        student=student, organisation=organisation, month=month
    ).first()
    if existing is not None and existing.report_id is not None:
        raise DomainError(_("Beslutet är redan rapporterat till CSN och kan inte ändras."))
    try:
        row, _created = CsnDecision.objects.update_or_create(
            student=student,
            organisation=organisation,
            month=month,
            defaults={
                "invalid_minutes": invalid_minutes,
                "decision": decision,
                "reason": reason.strip()[:300],
                "decided_by_id": actor.person_id,
                "decided_at": timezone.now(),
            },
        )
    except IntegrityError:  # pragma: no cover - two rektorer at once
        raise DomainError(
            _("Beslutet sparades samtidigt av någon annan; ladda om sidan.")
        ) from None
    audit_record(
        actor=actor,
        action="csn.decide",
        object_type="CsnDecision",
        object_id=row.pk,
        person_id=student.pk,
        detail={"month": month, "decision": decision, "minutes": invalid_minutes},
    )
    return row


@transaction.atomic
def csn_return_create(
    *,
    actor: Actor,
    student: Person,
    organisation: Organisation,
    return_date: date,
    note: str = "",
) -> CsnReturn:
    """Record that a pupil reported to CSN is back in full-time study, for the next file.

    Ends the pupil's latest reported decision at the unit; each reported decision has at
    most one return, dated no earlier than the month it reported and not in the future.
    """
    organisation_policy.require(
        actor,
        Action.DECIDE,
        organisation.pk,
        "Bara rektor anmäler återgång till heltidsstudier till CSN.",
    )
    decision = (
        CsnDecision.objects.select_for_update()
        .filter(
            student=student,
            organisation=organisation,
            decision=CsnDecisionKind.REPORT,
            report__isnull=False,
        )
        .order_by("-month", "-pk")
        .first()
    )
    if decision is None:
        raise DomainError(
            {
                "student": _("%(student)s är inte rapporterad till CSN från skolenheten.")
                % {"student": student.full_name}
            }
        )
    if CsnReturn.objects.filter(decision=decision).exists():
        raise DomainError(
            {
                "student": _(
                    "Återgången för %(student)s efter rapporten för %(month)s är redan registrerad."
                )
                % {"student": student.full_name, "month": f"{decision.month:%Y-%m}"}
            }
        )
    if return_date < decision.month:
        raise DomainError(
            {
                "return_date": _(
                    "Återgången kan inte ligga före månaden eleven rapporterades för (%(month)s)."
                )
                % {"month": f"{decision.month:%Y-%m}"}
            }
        )
    if return_date > actor.on:
        raise DomainError({"return_date": _("Återgången kan inte ligga i framtiden.")})
    row = CsnReturn.objects.create(
        student=student,
        organisation=organisation,
        decision=decision,
        return_date=return_date,
        note=note.strip()[:300],
        decided_by_id=actor.person_id,
        decided_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action="csn.return",
        object_type="CsnReturn",
        object_id=row.pk,
        person_id=student.pk,
        detail={"return_date": return_date, "reported_month": decision.month},
    )
    return row


@transaction.atomic
def csn_report_export(*, actor: Actor, organisation: Organisation, month: date) -> CsnReport:
    """Write the CSN file: the month's decisions to report and every return to full-time
    study not yet reported; keep it, and mark what it carried as reported."""
    from skolsam.attendance.csn import csn_file

    organisation_policy.require(
        actor, Action.DECIDE, organisation.pk, "Bara rektor kan skapa CSN-rapporten."
    )
    month = month.replace(day=1)
    decisions = list(
        CsnDecision.objects.select_for_update()
        .filter(
            organisation=organisation,
            month=month,
            decision=CsnDecisionKind.REPORT,
            report__isnull=True,
        )
        .select_related("student")
        .order_by("student__civic_no", "pk")
    )
    returns = list(
        CsnReturn.objects.select_for_update()
        .filter(organisation=organisation, report__isnull=True)
        .select_related("student")
        .order_by("student__civic_no", "return_date", "pk")
    )
    if not decisions and not returns:
        raise DomainError(
            _(
                "Det finns inget att rapportera: inga beslut om rapportering för månaden och "
                "ingen återgång till heltidsstudier."
            )
        )
    now = timezone.now()
    content = csn_file(
        organisation=organisation, month=month, decisions=decisions, returns=returns, created=now
    )
    report = CsnReport.objects.create(
        organisation=organisation,
        month=month,
        created_at=now,
        created_by_id=actor.person_id,
        filename=f"csn-{organisation.school_unit_code or organisation.pk}-{month:%Y-%m}-{now:%Y%m%d%H%M%S}.txt",
        content=content,
        row_count=len(decisions),
        return_count=len(returns),
    )
    CsnDecision.objects.filter(pk__in=[d.pk for d in decisions]).update(report=report)
    CsnReturn.objects.filter(pk__in=[r.pk for r in returns]).update(report=report)
    audit_export(
        actor=actor,
        what="CsnReport",
        rows=len(decisions) + len(returns),
        person_ids=[d.student_id for d in decisions] + [r.student_id for r in returns],
        report=str(report.pk),
        month=month.isoformat(),
        returns=len(returns),
    )
    return report
