"""The accessibility statement, the report form, and the huvudman's cases."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from skolsam.accessibility.access import huvudman_choices, report_policy
from skolsam.accessibility.forms import HandleForm, ReportForm
from skolsam.accessibility.services import accessibility_report_create, accessibility_report_handle
from skolsam.core.errors import DomainError
from skolsam.core.policy import Action
from skolsam.core.views import request_actor


@require_http_methods(["GET"])
def statement(request: HttpRequest) -> HttpResponse:
    """Show the accessibility statement (tillgänglighetsredogörelse), open to anyone."""
    return render(request, "accessibility/statement.html", {"huvudman": huvudman_choices()})


def _referer_path(request: HttpRequest) -> str:
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}):
        return referer
    return ""


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    """Take a report of an accessibility problem; it becomes a case for the huvudman."""
    user: Any = request.user
    actor = request_actor(request) if user.is_authenticated else None
    if request.method == "POST":
        form = ReportForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                accessibility_report_create(
                    actor=actor,
                    huvudman_id=data["huvudman"],
                    description=data["description"],
                    page_url=data["page_url"],
                    contact_name=data["contact_name"],
                    contact_email=data["contact_email"],
                )
            except DomainError as error:
                form.add_domain_error(error)
            else:
                return redirect("accessibility:report_sent")
        return render(request, "accessibility/report.html", {"form": form}, status=400)
    form = ReportForm(initial={"page_url": _referer_path(request)})
    return render(request, "accessibility/report.html", {"form": form})


@require_http_methods(["GET"])
def report_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "accessibility/report_sent.html")


@require_http_methods(["GET"])
@login_required
def cases(request: HttpRequest) -> HttpResponse:
    """List the huvudman's reports for its central administrators; others get a missing page."""
    actor = request_actor(request)
    if not report_policy.any(actor, Action.VIEW):
        raise Http404("Sidan finns inte.")
    reports = report_policy.objects(actor, Action.VIEW).select_related("huvudman")[:200]
    return render(request, "accessibility/cases.html", {"reports": reports, "form": HandleForm()})


@require_POST
@login_required
def case_handle(request: HttpRequest, report_id: UUID) -> HttpResponse:
    actor = request_actor(request)
    found = report_policy.get(actor, Action.CHANGE, report_id, "Ärendet finns inte.")
    form = HandleForm(request.POST)
    if form.is_valid():
        try:
            accessibility_report_handle(
                actor=actor, report=found, response=form.cleaned_data["response"]
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            return redirect("accessibility:cases")
    reports = report_policy.objects(actor, Action.VIEW).select_related("huvudman")[:200]
    return render(
        request,
        "accessibility/cases.html",
        {"reports": reports, "form": HandleForm(), "failed": found.pk, "failed_form": form},
        status=400,
    )
