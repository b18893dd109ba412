"""The staff pages of special support (särskilt stöd): the pupil's page (report a need,
see her reports and decided programmes), the reports and investigations to choose from,
a unit's open reports and investigations (its rektor and pupil health), one report with
its investigation and the rektor's decision, and one decision (printable). Thin: fetch
through access, one service call, audit the read under the pupil, render."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from skolsam.audit.services import audit_record
from skolsam.core.access import may_see_location
from skolsam.core.policy import Action
from skolsam.core.views import request_actor
from skolsam.people.access import person_for_actor
from skolsam.pupil_documentation.access import (
    support_decision_for_actor,
    support_decision_policy,
    support_report_for_actor,
    support_report_policy,
    support_units,
    unit_staff,
    units_to_report_at,
)
from skolsam.pupil_documentation.documents import decision_filename, decision_pdf
from skolsam.pupil_documentation.forms_support import (
    ConcludeForm,
    DecisionForm,
    NoteForm,
    OpenForm,
    ReportForm,
)
from skolsam.pupil_documentation.models import DecisionKind
from skolsam.pupil_documentation.services.special_support import (
    support_decide,
    support_investigation_conclude,
    support_investigation_open,
    support_note_record,
    support_report,
)
from skolsam.pupil_documentation.views import _errors, _form_errors

REPORT_RELATED = ("student", "organisation", "reported_by", "investigation__assigned_to")


@require_GET
@login_required
def support_index(request: HttpRequest) -> HttpResponse:
    """List the units whose reports the actor sees as a whole, and the reports and
    investigations that are the actor's own (made by them or assigned to them)."""
    actor = request_actor(request)
    units = support_units(actor)
    own = list(
        support_report_policy.objects(actor, Action.VIEW)
        .exclude(organisation_id__in=[u.pk for u in units])
        .select_related(*REPORT_RELATED)
        .order_by("-reported_at")
    )
    if own:
        audit_record(
            actor=actor,
            action="support.unit_list",
            object_type="SupportReport",
            detail={"reports": len(own)},
            person_ids=sorted({r.student_id for r in own}),
        )
    return render(request, "pupil_documentation/support/index.html", {"units": units, "own": own})


@require_GET
@login_required
def support_unit(request: HttpRequest, organisation_id: UUID) -> HttpResponse:
    """Show a unit's open reports (no investigation yet) and investigations (no decision
    yet) to its rektor and pupil health."""
    actor = request_actor(request)
    found = [u for u in support_units(actor) if u.pk == organisation_id]
    if not found:
        raise Http404(_("Organisationen finns inte."))
    organisation = found[0]
    rows = list(
        support_report_policy.objects(actor, Action.VIEW)
        .filter(organisation_id=organisation.pk, investigation__decisions__isnull=True)
        .select_related(*REPORT_RELATED)
        .order_by("reported_at")
    )
    audit_record(
        actor=actor,
        action="support.unit_list",
        object_type="Organisation",
        object_id=organisation.pk,
        detail={"reports": len(rows)},
        person_ids=sorted({r.student_id for r in rows}),
    )
    reports = [r for r in rows if not _has_investigation(r)]
    investigations = [r for r in rows if _has_investigation(r)]
    return render(
        request,
        "pupil_documentation/support/unit.html",
        {"organisation": organisation, "reports": reports, "investigations": investigations},
    )


def _has_investigation(report: Any) -> bool:
    return getattr(report, "investigation", None) is not None


@require_http_methods(["GET", "POST"])
@login_required
def support_pupil(request: HttpRequest, person_id: UUID) -> HttpResponse:
    """Show what the actor may see of a pupil's special support, and report a need."""
    actor = request_actor(request)
    student = person_for_actor(actor, person_id)
    units = units_to_report_at(actor, student)
    reports = list(
        support_report_policy.objects(actor, Action.VIEW)
        .filter(student_id=student.pk)
        .select_related(*REPORT_RELATED)
        .order_by("-reported_at")
    )
    decisions = list(
        support_decision_policy.objects(actor, Action.VIEW)
        .filter(investigation__report__student_id=student.pk)
        .filter(superseded_by__isnull=True)
        .select_related("decided_by", "investigation__report__organisation")
        .order_by("-decided_at")
    )
    if not (units or reports or decisions):
        raise Http404(_("Personen finns inte."))
    form = ReportForm(
        request.POST if request.method == "POST" else None,
        units=units,
        initial={"observed_on": actor.on},
    )
    errors: list[str] = []
    if request.method == "POST":
        if not units:
            raise Http404(_("Personen finns inte."))
        if form.is_valid():
            try:
                report = support_report(
                    actor=actor,
                    student=student,
                    organisation=form.chosen_unit(),
                    observation=form.cleaned_data["observation"],
                    observed_on=form.cleaned_data["observed_on"],
                )
            except ValidationError as exc:
                errors = _errors(exc)
            else:
                messages.success(request, _("Anmälan är skickad till rektor."))
                return redirect("pupil_documentation:support_report", report.pk)
        else:
            errors = _form_errors(form)
    audit_record(
        actor=actor,
        action="support.view",
        object_type="Person",
        object_id=student.pk,
        person_id=student.pk,
        detail={
            "reports": [str(r.pk) for r in reports],
            "decisions": [str(d.pk) for d in decisions],
        },
    )
    return render(
        request,
        "pupil_documentation/support/pupil.html",
        {
            "student": student,
            "reports": reports,
            "decisions": decisions,
            "form": form if units else None,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


def _post(request: HttpRequest, actor: Any, report: Any, step: str, forms: dict) -> list[str]:
    """Run the step the page's form posted; return its errors (none: it was saved)."""
    form = forms.get(step)
    if form is None:
        return [_("Det här steget går inte att göra nu.")]
    if not form.is_valid():
        return _form_errors(form)
    data = form.cleaned_data
    try:
        if step == "open":
            support_investigation_open(actor=actor, report=report, assigned_to=form.chosen())
            messages.success(request, _("Utredningen är inledd."))
        elif step == "note":
            support_note_record(actor=actor, report=report, **data)
            messages.success(request, _("Anteckningen är sparad."))
        elif step == "conclude":
            support_investigation_conclude(actor=actor, report=report, **data)
            messages.success(request, _("Utredningens slutsats är sparad."))
        else:
            support_decide(
                actor=actor,
                report=report,
                kind=data["kind"],
                decided_on=data["decided_on"],
                needs=data["needs"],
                measures=data["measures"],
                responsible=data["responsible"],
                evaluation_dates=form.evaluation_dates(),
                reasons=data["reasons"],
                guardians_notified_on=data.get("guardians_notified_on"),
            )
            messages.success(request, _("Beslutet är fattat."))
    except ValidationError as exc:
        return _errors(exc)
    return []


@require_http_methods(["GET", "POST"])
@login_required
def support_report_page(request: HttpRequest, report_id: UUID) -> HttpResponse:
    """Show one report; to the rektor, pupil health and the investigator also its
    investigation, notes, conclusion and decisions, with the forms the actor may use."""
    actor = request_actor(request)
    report = support_report_for_actor(actor, report_id)
    investigation = getattr(report, "investigation", None)
    decides = support_report_policy.can(actor, Action.DECIDE, report)
    follows = investigation is not None and support_report_policy.can(
        actor, Action.FOLLOW_UP, report
    )
    data = request.POST if request.method == "POST" else None
    step = request.POST.get("step", "") if data is not None else ""
    forms: dict[str, Any] = {}
    if decides and investigation is None:
        staff = unit_staff(report.organisation_id, actor.on)
        forms["open"] = OpenForm(data if step == "open" else None, staff=staff)
    if follows and investigation is not None and investigation.concluded_at is None:
        forms["note"] = NoteForm(data if step == "note" else None, initial={"held_on": actor.on})
        forms["conclude"] = ConcludeForm(data if step == "conclude" else None)
    if decides and investigation is not None and investigation.concluded_at is not None:
        forms["decide"] = DecisionForm(
            data if step == "decide" else None,
            initial={"decided_on": actor.on, "kind": DecisionKind.PROGRAMME},
        )
    errors: list[str] = []
    if data is not None:
        errors = _post(request, actor, report, step, forms)
        if not errors:
            return redirect("pupil_documentation:support_report", report.pk)
    sees_investigation = decides or follows
    notes = (
        list(investigation.notes.select_related("recorded_by"))
        if sees_investigation and investigation is not None
        else []
    )
    decisions = (
        list(
            support_decision_policy.objects(actor, Action.VIEW)
            .filter(investigation__report_id=report.pk)
            .select_related("decided_by")
            .order_by("-version")
        )
        if sees_investigation
        else []
    )
    audit_record(
        actor=actor,
        action="support.view",
        object_type="SupportReport",
        object_id=report.pk,
        person_id=report.student_id,
        detail={"investigation": sees_investigation},
    )
    return render(
        request,
        "pupil_documentation/support/report.html",
        {
            "report": report,
            "investigation": investigation if sees_investigation else None,
            "notes": notes,
            "decisions": decisions,
            "forms": forms,
            "errors": errors,
            "step": step,
        },
        status=400 if errors else 200,
    )


@require_GET
@login_required
def support_decision(request: HttpRequest, decision_id: UUID) -> HttpResponse:
    """Show one decision as it was made, printable, with its appeal information."""
    actor = request_actor(request)
    decision = support_decision_for_actor(actor, decision_id)
    report = decision.investigation.report
    audit_record(
        actor=actor,
        action="support.decision_view",
        object_type="SupportDecision",
        object_id=decision.pk,
        person_id=report.student_id,
    )
    superseded = getattr(decision, "superseded_by", None)
    return render(
        request,
        "pupil_documentation/support/decision.html",
        {"decision": decision, "report": report, "superseded": superseded},
    )


@require_GET
@login_required
def support_decision_pdf(request: HttpRequest, decision_id: UUID) -> HttpResponse:
    """Download one decision as PDF/A, as it was made, with its appeal information."""
    actor = request_actor(request)
    decision = support_decision_for_actor(actor, decision_id)
    report = decision.investigation.report
    pdf = decision_pdf(decision, show_unit=may_see_location(actor, report.student))
    audit_record(
        actor=actor,
        action="support.decision_pdf",
        object_type="SupportDecision",
        object_id=decision.pk,
        person_id=report.student_id,
    )
    return pdf_response(pdf, decision_filename(decision))


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    """Answer with the PDF as a download."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
