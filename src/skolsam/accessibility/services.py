"""Take in accessibility reports and let the huvudman answer them."""

from __future__ import annotations

from uuid import UUID

from django.db import transaction
from django.utils import timezone

from skolsam.accessibility.access import huvudman_choices, report_policy
from skolsam.accessibility.models import AccessibilityReport, ReportStatus
from skolsam.audit.services import audit_record
from skolsam.core.access import Actor
from skolsam.core.errors import DomainError, text_problem
from skolsam.core.policy import Action

DESCRIPTION_MAX = 4000


def _text(
    errors: dict[str, str], field: str, value: str, *, max_length: int, multiline: bool = False
) -> str:
    value = value.strip()
    problem = text_problem(value, max_length=max_length, multiline=multiline)
    if problem:
        errors[field] = problem
    return value


def accessibility_report_create(
    *,
    actor: Actor | None,
    huvudman_id: str | UUID | None,
    description: str,
    page_url: str = "",
    contact_name: str = "",
    contact_email: str = "",
) -> AccessibilityReport:
    """File a report as a case for the huvudman; anyone may, logged in or not."""
    errors: dict[str, str] = {}
    huvudman = huvudman_choices().filter(pk=huvudman_id).first() if huvudman_id else None
    if huvudman is None:
        errors["huvudman"] = "Välj vilken skolhuvudman det gäller."
    description = _text(
        errors, "description", description, max_length=DESCRIPTION_MAX, multiline=True
    )
    if "description" not in errors and len(description) < 10:
        errors["description"] = (
            "Beskriv problemet med minst 10 tecken: vad du försökte göra och vad som hände."
        )
    page_url = _text(errors, "page_url", page_url, max_length=500)
    contact_name = _text(errors, "contact_name", contact_name, max_length=200)
    contact_email = _text(errors, "contact_email", contact_email, max_length=254)
    if errors or huvudman is None:
        raise DomainError(errors)
    with transaction.atomic():
        report = AccessibilityReport.objects.create(
            huvudman=huvudman,
            description=description,
            page_url=page_url,
            contact_name=contact_name,
            contact_email=contact_email,
            reporter_id=actor.person_id if actor is not None else None,
        )
        if actor is not None:
            audit_record(
                actor=actor,
                action="accessibility.report",
                object_type="AccessibilityReport",
                object_id=report.pk,
            )
        transaction.on_commit(lambda: _tell_the_huvudman(report))
    return report


def _tell_the_huvudman(report: AccessibilityReport) -> None:
    from skolsam.accessibility.tasks import accessibility_report_notify_task

    accessibility_report_notify_task.enqueue(report_id=str(report.pk))


def accessibility_report_handle(
    *, actor: Actor, report: AccessibilityReport, response: str
) -> AccessibilityReport:
    """Record the huvudman's answer and close the case."""
    report_policy.require(actor, Action.CHANGE, report, "Du kan inte hantera ärendet.")
    errors: dict[str, str] = {}
    response = _text(errors, "response", response, max_length=DESCRIPTION_MAX, multiline=True)
    if not errors and not response:
        errors["response"] = "Skriv vad ni gjorde eller svarade."
    if errors:
        raise DomainError(errors)
    with transaction.atomic():
        locked = AccessibilityReport.objects.select_for_update().get(pk=report.pk)
        before = locked.status
        locked.status = ReportStatus.HANDLED
        locked.response = response
        locked.handled_by_id = actor.person_id
        locked.handled_at = timezone.now()
        locked.save(update_fields=["status", "response", "handled_by", "handled_at"])
        audit_record(
            actor=actor,
            action="accessibility.handle",
            object_type="AccessibilityReport",
            object_id=locked.pk,
            changes={"status": [before, locked.status]},
        )
    return locked
