"""The staff pages of offensive treatment (kränkande behandling, SL 6:10): where to report
and which cases one handles, the report form, a unit's cases for its rektor (overdue
flags, forward to the huvudman), one case with its investigation, and the huvudman's
overview with statistics without names. Thin: fetch through access, one service or
selector call, audit the read under every person named in the case, render."""

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
from skolsam.core.choices import OrganisationType
from skolsam.core.policy import Action
from skolsam.core.views import request_actor
from skolsam.organisations.access import organisation_for_actor, organisations_visible_to
from skolsam.pupil_documentation import selectors
from skolsam.pupil_documentation.access import (
    offence_for_actor,
    offence_policy,
    offence_pupils_at,
    offence_staff_at,
    offence_units,
)
from skolsam.pupil_documentation.forms_offence import (
    ConclusionForm,
    InterviewForm,
    OffenceReportForm,
)
from skolsam.pupil_documentation.models import InvolvedRole, OffensiveTreatmentLimits
from skolsam.pupil_documentation.services.offensive_treatment import (
    involved_ids,
    offence_conclude,
    offence_forward,
    offence_interview_record,
    offence_report,
)
from skolsam.pupil_documentation.views import _errors, _form_errors


def _ids(reports: list[Any]) -> list[Any]:
    return sorted({i.person_id for r in reports for i in r.involved.all()}, key=str)


def _flagged(reports: list[Any], on: Any) -> list[tuple[Any, bool, bool]]:
    """Pair each report with its overdue flags: the rektor's step, the huvudman's."""
    return [(r, r.rektor_overdue(on), r.huvudman_overdue(on)) for r in reports]


@require_GET
@login_required
def offence_index(request: HttpRequest) -> HttpResponse:
    """List the units where the actor reports, and those whose cases they handle."""
    actor = request_actor(request)
    report_at = organisations_visible_to(actor).filter(organisation_type=OrganisationType.SKOLENHET)
    return render(
        request,
        "pupil_documentation/offence/index.html",
        {
            "report_at": report_at.order_by("display_name"),
            "handles": offence_units(actor) if offence_policy.any(actor, Action.VIEW) else [],
            "huvudman": bool(actor.central_org_ids),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def offence_new(request: HttpRequest, organisation_id: UUID) -> HttpResponse:
    """Report offensive treatment at a unit where the actor works."""
    actor = request_actor(request)
    organisation = organisation_for_actor(actor, organisation_id)
    if not offence_policy.can(actor, Action.CREATE, organisation):
        raise Http404(_("Organisationen finns inte."))
    form = OffenceReportForm(
        request.POST if request.method == "POST" else None,
        pupils=list(offence_pupils_at(actor, organisation)),
        duties=list(offence_staff_at(actor, organisation)),
        initial={"occurred_on": actor.on},
    )
    errors: list[str] = []
    if request.method == "POST":
        if form.is_valid():
            try:
                report = offence_report(
                    actor=actor,
                    organisation=organisation,
                    subjected=form.chosen("subjected"),
                    pupil_actors=form.chosen("pupil_actors"),
                    staff_actors=form.chosen("staff_actors"),
                    description=form.cleaned_data["description"],
                    occurred_on=form.cleaned_data["occurred_on"],
                    place=form.cleaned_data["place"],
                )
            except ValidationError as exc:
                errors = _errors(exc)
            else:
                messages.success(
                    request,
                    _("Anmälan är skickad till huvudmannen.")
                    if report.rektor_step_skipped
                    else _("Anmälan är skickad till rektor."),
                )
                return redirect("pupil_documentation:offence", report.pk)
        else:
            errors = _form_errors(form)
    return render(
        request,
        "pupil_documentation/offence/new.html",
        {"organisation": organisation, "form": form, "errors": errors},
        status=400 if errors else 200,
    )


@require_GET
@login_required
def offence_unit(request: HttpRequest, organisation_id: UUID) -> HttpResponse:
    """Show the unit's cases to its rektor or the huvudman: overdue steps flagged."""
    actor = request_actor(request)
    organisation = organisation_for_actor(actor, organisation_id)
    if not offence_units(actor).filter(pk=organisation.pk).exists():
        raise Http404(_("Organisationen finns inte."))
    reports = selectors.unit_offences(actor=actor, organisation=organisation)
    audit_record(
        actor=actor,
        action="offence.unit_list",
        object_type="Organisation",
        object_id=organisation.pk,
        detail={"reports": len(reports)},
        person_ids=_ids(reports),
    )
    return render(
        request,
        "pupil_documentation/offence/unit.html",
        {
            "organisation": organisation,
            "rows": _flagged(reports, actor.on),
            "forwardable": set(
                offence_policy.objects(actor, Action.DECIDE)
                .filter(organisation_id=organisation.pk)
                .values_list("pk", flat=True)
            ),
            "today": actor.on,
            "limits": OffensiveTreatmentLimits,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def offence(request: HttpRequest, report_id: UUID) -> HttpResponse:
    """Show one case: the report; to the rektor the forward button; to the rektor and the
    huvudman the investigation (interviews, conclusions, measures, closing)."""
    actor = request_actor(request)
    report = offence_for_actor(actor, report_id)
    investigates = offence_policy.can(actor, Action.FOLLOW_UP, report)
    may_forward = report.forwarded_at is None and offence_policy.can(actor, Action.DECIDE, report)
    interview_form = InterviewForm(initial={"held_on": actor.on})
    conclusion_form = ConclusionForm(
        initial={
            "conclusions": report.conclusions,
            "measures": report.measures,
            "follow_up_date": report.follow_up_date,
        }
    )
    errors: list[str] = []
    if request.method == "POST":
        step = request.POST.get("step")
        if step == "forward" and may_forward:
            try:
                offence_forward(actor=actor, report=report)
            except ValidationError as exc:
                errors = _errors(exc)
            else:
                messages.success(request, _("Anmälan är skickad till huvudmannen."))
                if request.POST.get("next") == "unit":
                    return redirect("pupil_documentation:offence_unit", report.organisation_id)
                return redirect("pupil_documentation:offence", report.pk)
        elif step == "interview" and investigates and report.is_open:
            interview_form = InterviewForm(request.POST)
            if interview_form.is_valid():
                try:
                    offence_interview_record(
                        actor=actor, report=report, **interview_form.cleaned_data
                    )
                except ValidationError as exc:
                    errors = _errors(exc)
                else:
                    messages.success(request, _("Samtalet är sparat."))
                    return redirect("pupil_documentation:offence", report.pk)
            else:
                errors = _form_errors(interview_form)
        elif step == "conclude" and investigates and report.is_open:
            conclusion_form = ConclusionForm(request.POST)
            if conclusion_form.is_valid():
                try:
                    offence_conclude(actor=actor, report=report, **conclusion_form.cleaned_data)
                except ValidationError as exc:
                    errors = _errors(exc)
                else:
                    messages.success(request, _("Utredningen är sparad."))
                    return redirect("pupil_documentation:offence", report.pk)
            else:
                errors = _form_errors(conclusion_form)
        else:
            errors = [_("Det går inte att göra det med ärendet.")]
    involved = list(report.involved.select_related("person", "duty").order_by("role", "pk"))
    audit_record(
        actor=actor,
        action="offence.view" if investigates else "offence.view_report",
        object_type="OffensiveTreatmentReport",
        object_id=report.pk,
        person_ids=involved_ids(report),
    )
    return render(
        request,
        "pupil_documentation/offence/case.html",
        {
            "report": report,
            "subjected": [i for i in involved if i.role == InvolvedRole.SUBJECTED],
            "alleged": [i for i in involved if i.role != InvolvedRole.SUBJECTED],
            "investigates": investigates,
            "may_forward": may_forward,
            "interviews": list(report.interviews.select_related("recorded_by"))
            if investigates
            else [],
            "interview_form": interview_form if investigates and report.is_open else None,
            "conclusion_form": conclusion_form if investigates and report.is_open else None,
            "errors": errors,
            "today": actor.on,
        },
        status=400 if errors else 200,
    )


@require_GET
@login_required
def offence_overview(request: HttpRequest) -> HttpResponse:
    """Show the huvudman's open cases across its schools, with delays, and the statistics
    per school and term without names."""
    actor = request_actor(request)
    if not actor.central_org_ids or actor.person_id is None:
        raise Http404(_("Sidan finns inte."))
    open_cases, stats = selectors.huvudman_offences(actor=actor)
    audit_record(
        actor=actor,
        action="offence.overview",
        object_type="Organisation",
        detail={"open": len(open_cases)},
        person_ids=_ids(open_cases),
    )
    return render(
        request,
        "pupil_documentation/offence/overview.html",
        {"rows": _flagged(open_cases, actor.on), "stats": stats, "today": actor.on},
    )
