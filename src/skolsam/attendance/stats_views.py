"""Serve follow-up pages: absence statistics, a pupil's absence and investigations, CSN."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from skolsam.attendance import access as attendance_access
from skolsam.attendance.access import csn_report_policy, investigation_policy
from skolsam.attendance.csn import csn_candidates, csn_reported, month_bounds
from skolsam.attendance.forms import (
    CloseForm,
    CsnDecisionForm,
    CsnReturnForm,
    PeriodForm,
    StepForm,
)
from skolsam.attendance.models import Attendance, AttendanceKind
from skolsam.attendance.services.csn import csn_decide, csn_report_export, csn_return_create
from skolsam.attendance.services.investigations import (
    investigation_add_step,
    investigation_close,
    investigation_open,
)
from skolsam.attendance.stats import pupil_figures, school_figures
from skolsam.audit.services import audit_export, audit_record
from skolsam.core.dates import month_param
from skolsam.core.policy import Action
from skolsam.core.views import request_actor
from skolsam.organisations.access import organisation_for_actor, organisation_policy
from skolsam.schedule.access import may_manage_settings
from skolsam.schedule.models import Term


def _default_period(org_id: UUID, today: date) -> tuple[date, date]:
    from skolsam.schedule.calendar import ancestors_and_self

    term = (
        Term.objects.filter(
            organisation_id__in=ancestors_and_self(org_id),
            start_date__lte=today,
            end_date__gte=today,
        )
        .order_by("-start_date")
        .first()
    )
    return (
        (term.start_date, min(term.end_date, today))
        if term
        else (today - timedelta(days=30), today)
    )


def _school_wide_unit(request: HttpRequest, org_id: UUID) -> tuple[Any, Any]:
    actor = request_actor(request)
    unit = organisation_for_actor(actor, org_id)
    if not organisation_policy.can(actor, Action.VIEW_PUPILS, unit):
        raise Http404("Organisationen finns inte.")
    return actor, unit


@require_GET
@login_required
def statistics(request: HttpRequest, org_id: UUID) -> HttpResponse:
    """Show a school unit's absence for a period, per class and pupil, with the flag list."""
    actor, unit = _school_wide_unit(request, org_id)
    form = PeriodForm(request.GET or None)
    start, end = form.period(_default_period(unit.pk, actor.on))
    figures = school_figures(
        organisation_id=unit.pk,
        start=start,
        end=end,
        visible=attendance_access.pupils_located_by(actor),
    )
    audit_record(
        actor=actor,
        action="attendance.statistics",
        object_type="Organisation",
        object_id=unit.pk,
        detail={"start": start, "end": end, "pupils": len(figures.pupils)},
    )
    return render(
        request,
        "attendance/statistics.html",
        {
            "unit": unit,
            "form": form,
            "start": start,
            "end": end,
            "f": figures,
            "may_manage": may_manage_settings(actor, unit),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def pupil(request: HttpRequest, org_id: UUID, person_id: UUID) -> HttpResponse:
    """Show one pupil's absence at a unit; start an investigation from here."""
    actor = request_actor(request)
    unit = organisation_for_actor(actor, org_id)
    person = attendance_access.pupil_located_for_actor(actor, person_id)
    if not attendance_access.may_follow_up(actor, person, unit.pk):
        raise Http404("Personen finns inte.")
    form = PeriodForm(request.GET or None)
    start, end = form.period(_default_period(unit.pk, actor.on))
    figures = pupil_figures(person_id=person.pk, organisation_id=unit.pk, start=start, end=end)
    if request.method == "POST":
        try:
            investigation = investigation_open(
                actor=actor,
                student=person,
                organisation=unit,
                period_start=start,
                period_end=end,
                basis={
                    "scheduled": figures.scheduled,
                    "valid": figures.valid,
                    "invalid": figures.invalid,
                    "percent": figures.absent_percent,
                    "invalid_occasions": figures.invalid_occasions,
                },
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            return redirect("attendance:investigation", investigation_id=investigation.pk)
    absences = list(
        Attendance.objects.filter(student=person, organisation=unit, date__range=(start, end))
        .exclude(kind=AttendanceKind.PRESENT)
        .select_related("calendar_event__activity")
        .order_by("-date", "calendar_event__start_time")[:200]
    )
    investigations = list(
        investigation_policy.objects(actor, Action.VIEW).filter(student=person, organisation=unit)
    )
    audit_record(
        actor=actor,
        action="attendance.view_pupil",
        object_type="Person",
        object_id=person.pk,
        person_id=person.pk,
        detail={"start": start, "end": end},
    )
    return render(
        request,
        "attendance/pupil.html",
        {
            "unit": unit,
            "person": person,
            "f": figures,
            "start": start,
            "end": end,
            "absences": absences,
            "investigations": investigations,
            "form": form,
            # The exemption page's gate, for this unit (the service lets only the rektor decide).
            "may_exempt": organisation_policy.can(actor, Action.CHANGE, unit),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def investigation(request: HttpRequest, investigation_id: int) -> HttpResponse:
    """Show an investigation's steps; record a step or close it."""
    actor = request_actor(request)
    found = (
        investigation_policy.objects(actor, Action.VIEW)
        .filter(pk=investigation_id, student__in=attendance_access.pupils_located_by(actor))
        .select_related("student", "organisation")
        .first()
    )
    if found is None or not investigation_policy.can(actor, Action.VIEW, found):
        raise Http404("Utredningen finns inte.")
    step_form = StepForm(
        request.POST if request.POST.get("action") == "step" else None, initial={"date": actor.on}
    )
    close_form = CloseForm(request.POST if request.POST.get("action") == "close" else None)
    if request.method == "POST":
        try:
            if step_form.is_bound and step_form.is_valid():
                d = step_form.cleaned_data
                investigation_add_step(
                    actor=actor, investigation=found, kind=d["kind"], day=d["date"], note=d["note"]
                )
                return redirect("attendance:investigation", investigation_id=found.pk)
            if close_form.is_bound and close_form.is_valid():
                investigation_close(
                    actor=actor,
                    investigation=found,
                    conclusion=close_form.cleaned_data["conclusion"],
                )
                return redirect("attendance:investigation", investigation_id=found.pk)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    audit_record(
        actor=actor,
        action="investigation.view",
        object_type="AbsenceInvestigation",
        object_id=found.pk,
        person_id=found.student_id,
    )
    return render(
        request,
        "attendance/investigation.html",
        {
            "inv": found,
            "steps": list(found.steps.select_related("recorded_by")),
            "step_form": step_form,
            "close_form": close_form,
            "may_close": investigation_policy.can(actor, Action.DECIDE, found),
        },
        status=400 if step_form.errors or close_form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def csn(request: HttpRequest, org_id: UUID) -> HttpResponse:
    """List upper-secondary pupils over the CSN threshold; decide, export the file."""
    actor, unit = _school_wide_unit(request, org_id)
    month = month_param(
        request.POST if request.method == "POST" else request.GET,
        "manad",
        default=(actor.on.replace(day=1) - timedelta(days=1)).replace(day=1),
        label=_("Månaden"),
    )
    visible = attendance_access.pupils_located_by(actor)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "export":
                report = csn_report_export(actor=actor, organisation=unit, month=month)
                messages.success(
                    request,
                    _(
                        "CSN-filen är skapad med %(rows)s elever rapporterade för månaden och "
                        "%(returns)s återgångar till heltidsstudier."
                    )
                    % {"rows": report.row_count, "returns": report.return_count},
                )
            elif action == "return":
                return_form = CsnReturnForm(request.POST)
                if not return_form.is_valid():
                    raise ValidationError(
                        _("Ange ett giltigt datum då eleven återgick till heltidsstudier.")
                    )
                reported = {
                    r.student.pk: r for r in csn_reported(organisation=unit, visible=visible)
                }
                found = reported.get(return_form.cleaned_data["student"])
                if found is None:
                    raise Http404("Eleven finns inte i listan.")
                csn_return_create(
                    actor=actor,
                    student=found.student,
                    organisation=unit,
                    return_date=return_form.cleaned_data["return_date"],
                    note=return_form.cleaned_data["note"],
                )
                messages.success(
                    request,
                    _("Återgången för %(name)s är sparad och kommer med i nästa CSN-fil.")
                    % {"name": found.student.full_name},
                )
            else:
                form = CsnDecisionForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(_("Välj ett beslut."))
                by_pupil = {
                    c.student.pk: c
                    for c in csn_candidates(organisation=unit, month=month, visible=visible)
                }
                candidate = by_pupil.get(form.cleaned_data["student"])
                if candidate is None:
                    raise Http404("Eleven finns inte i listan.")
                csn_decide(
                    actor=actor,
                    student=candidate.student,
                    organisation=unit,
                    month=month,
                    invalid_minutes=candidate.invalid_minutes,
                    decision=form.cleaned_data["decision"],
                    reason=form.cleaned_data["reason"],
                )
                messages.success(request, _("Beslutet är sparat."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect(f"{request.path}?manad={month:%Y-%m}")
    candidates = csn_candidates(organisation=unit, month=month, visible=visible)
    first, last = month_bounds(month)
    reports = list(
        csn_report_policy.objects(actor, Action.VIEW)
        .filter(organisation=unit)
        .order_by("-created_at")[:24]
    )
    audit_record(
        actor=actor,
        action="csn.view",
        object_type="Organisation",
        object_id=unit.pk,
        detail={"month": month, "pupils": len(candidates)},
    )
    return render(
        request,
        "attendance/csn.html",
        {
            "unit": unit,
            "month": month,
            "first": first,
            "last": last,
            "candidates": candidates,
            "reports": reports,
            "downloadable": set(
                csn_report_policy.objects(actor, Action.EXPORT)
                .filter(pk__in=[r.pk for r in reports])
                .values_list("pk", flat=True)
            ),
            "reported": csn_reported(organisation=unit, visible=visible),
            # Only the rektor decides, records returns and makes the file: others get no forms.
            "may_decide": attendance_access.may_decide_for_unit(actor, unit.pk),
            "form": CsnDecisionForm(),
            "today": actor.on,
        },
    )


@require_GET
@login_required
def csn_download(request: HttpRequest, report_id: int) -> HttpResponse:
    actor = request_actor(request)
    report = csn_report_policy.get(actor, Action.EXPORT, report_id, "Rapporten finns inte.")
    audit_export(actor=actor, what="CsnReportDownload", rows=report.row_count, report=report.pk)
    response = HttpResponse(report.content, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{report.filename}"'
    return response
