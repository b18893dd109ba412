"""The rektor's betygskatalog and certificates of a grading period, and their PDFs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from skolsam.accounts.federation.views import LOGIN_METHOD_SESSION_KEY
from skolsam.audit.services import audit_record
from skolsam.core.choices import SchoolType
from skolsam.core.errors import DomainError
from skolsam.core.ids import uuid_or_none
from skolsam.core.policy import Action
from skolsam.core.views import request_actor
from skolsam.curriculum.models import Syllabus
from skolsam.grades import selectors_documents as selectors
from skolsam.grades.access import grade_policy, grading_period_policy
from skolsam.grades.models import (
    DocumentKind,
    GradeCatalogue,
    GradeDocument,
    GradingPeriod,
)
from skolsam.grades.selectors_summary import grade_summary_for
from skolsam.grades.services.documents import (
    catalogue_lock,
    catalogue_sign,
    certificate_issue,
    certificate_run_start,
)
from skolsam.groups.models import Group

MISSING = "Betygsperioden finns inte."
# What the rektor may make for a whole unit from a period's page.
RUN_KINDS = (DocumentKind.TERMINSBETYG, DocumentKind.SLUTBETYG, DocumentKind.SAMMANSTALLNING)


def _period(request: HttpRequest, period_id: UUID) -> GradingPeriod:
    """The period, if the actor is its unit's rektor; 404 for any other and a missing one."""
    return grading_period_policy.get(request_actor(request), Action.DECIDE, period_id, MISSING)


def _login_method(request: HttpRequest) -> str:
    user: Any = request.user
    method = request.session.get(LOGIN_METHOD_SESSION_KEY)
    if method:
        return str(method)
    return _("Lösenord och tvåstegsverifiering") if user.is_verified() else _("Lösenord")


@require_GET
@login_required
def period_documents(request: HttpRequest, period_id: UUID) -> HttpResponse:
    """Show the period's subjects with their catalogues, and its certificate runs."""
    period = _period(request, period_id)
    actor = request_actor(request)
    return render(
        request,
        "grades/period_documents.html",
        {
            "period": period,
            "lines": selectors.period_catalogue_lines(actor=actor, period=period),
            "runs": selectors.period_runs(period=period),
            "kinds": RUN_KINDS,
            "upper_secondary_pupils": selectors.period_upper_secondary_pupils(
                actor=actor, period=period
            ),
        },
    )


def _back(period: GradingPeriod) -> HttpResponse:
    return redirect("grades_documents:period", period_id=period.pk)


def _done(
    request: HttpRequest, period: GradingPeriod, act: Callable[[], object], success: str
) -> HttpResponse:
    """Run one of the page's actions; say what came of it (the rule that refused, or
    `success`) on the period's page."""
    try:
        act()
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success)
    return _back(period)


@require_POST
@login_required
def catalogue_lock_view(request: HttpRequest, period_id: UUID) -> HttpResponse:
    """Lock the catalogue of one subject (and group) of the period."""
    period = _period(request, period_id)
    syllabus_id = uuid_or_none(request.POST.get("syllabus"))
    syllabus = Syllabus.objects.filter(pk=syllabus_id).first() if syllabus_id else None
    group_id = uuid_or_none(request.POST.get("group")) if request.POST.get("group") else None
    group = Group.objects.filter(pk=group_id).first() if group_id else None
    if syllabus is None or (group_id and group is None):
        messages.error(request, _("Välj ett ämne i listan."))
        return _back(period)
    return _done(
        request,
        period,
        lambda: catalogue_lock(
            actor=request_actor(request), period=period, syllabus=syllabus, group=group
        ),
        _("Katalogen är låst. Granska den och signera."),
    )


@require_POST
@login_required
def catalogue_sign_view(request: HttpRequest, period_id: UUID, catalogue_id: UUID) -> HttpResponse:
    """Sign a locked catalogue as the rektor."""
    period = _period(request, period_id)
    catalogue = GradeCatalogue.objects.filter(pk=catalogue_id, grading_period=period).first()
    if catalogue is None:
        raise Http404("Katalogen finns inte.")
    return _done(
        request,
        period,
        lambda: catalogue_sign(
            actor=request_actor(request), catalogue=catalogue, login_method=_login_method(request)
        ),
        _("Katalogen är signerad och sparad som PDF/A."),
    )


@require_GET
@login_required
def catalogue_pdf(request: HttpRequest, period_id: UUID, catalogue_id: UUID) -> HttpResponse:
    """Download a signed catalogue's PDF/A (audited under its pupils)."""
    period = _period(request, period_id)
    catalogue = GradeCatalogue.objects.filter(
        pk=catalogue_id, grading_period=period, signed_at__isnull=False
    ).first()
    if catalogue is None:
        raise Http404("Katalogen finns inte.")
    audit_record(
        actor=request_actor(request),
        action="grades.catalogue_view",
        object_type="GradeCatalogue",
        object_id=catalogue.pk,
        person_ids=[UUID(r["student"]) for r in catalogue.rows],
    )
    return _pdf(bytes(catalogue.pdf or b""), f"betygskatalog-{catalogue.pk}.pdf")


@require_POST
@login_required
def run_start(request: HttpRequest, period_id: UUID) -> HttpResponse:
    """Start making every pupil's certificate of the period in the background."""
    period = _period(request, period_id)
    kind = request.POST.get("kind", "")
    if kind not in RUN_KINDS:
        messages.error(
            request, _("Välj terminsbetyg, slutbetyg eller examensbevis eller studiebevis.")
        )
        return _back(period)
    return _done(
        request,
        period,
        lambda: certificate_run_start(actor=request_actor(request), period=period, kind=kind),
        _("Betygen skrivs ut i bakgrunden. Förloppet visas nedan."),
    )


@require_GET
@login_required
def run_progress(request: HttpRequest, period_id: UUID, run_id: UUID) -> HttpResponse:
    """Answer the progress of one run (htmx polls it while the run works)."""
    period = _period(request, period_id)
    run = selectors.period_run(period=period, run_id=run_id)
    if run is None:
        raise Http404("Utskriften finns inte.")
    return render(request, "grades/_run.html", {"run": run, "period": period})


@require_http_methods(["GET"])
@login_required
def document_pdf(request: HttpRequest, period_id: UUID, document_id: UUID) -> HttpResponse:
    """Download one issued certificate's PDF/A (audited under the pupil)."""
    period = _period(request, period_id)
    document = (
        GradeDocument.objects.filter(pk=document_id, organisation_id=period.organisation_id)
        .select_related("student")
        .first()
    )
    if document is None:
        raise Http404("Dokumentet finns inte.")
    audit_record(
        actor=request_actor(request),
        action="grades.certificate_view",
        object_type="GradeDocument",
        object_id=document.pk,
        person_id=document.student_id,
    )
    # An ASCII file name, after what the document is: "hogskoleforberedande-examen-…".
    return _pdf(
        bytes(document.pdf), f"{slugify(document.examen or document.kind)}-{document.pk}.pdf"
    )


def _upper_secondary_pupil(request: HttpRequest, period: GradingPeriod, student_id: UUID) -> Any:
    """The pupil, if the rektor sees an upper-secondary grade of theirs at the period's
    unit (so a protected pupil only when named for her); 404 otherwise, like a missing one."""
    grade = (
        grade_policy.objects(request_actor(request), Action.VIEW)
        .filter(
            student_id=student_id,
            organisation_id=period.organisation_id,
            school_type=SchoolType.GY,
        )
        .select_related("student")
        .first()
    )
    if grade is None:
        raise Http404("Eleven finns inte.")
    return grade.student


@require_GET
@login_required
def summary(request: HttpRequest, period_id: UUID, student_id: UUID) -> HttpResponse:
    """Show a pupil's upper-secondary grades against the examen, and issue the summary."""
    period = _period(request, period_id)
    student = _upper_secondary_pupil(request, period, student_id)
    actor = request_actor(request)
    found = grade_summary_for(actor=actor, student=student, organisation=period.organisation_id)
    audit_record(
        actor=actor,
        action="grades.summary_view",
        object_type="Person",
        object_id=student.pk,
        person_id=student.pk,
        detail={"organisation": str(period.organisation_id)},
    )
    return render(
        request,
        "grades/summary.html",
        {
            "period": period,
            "student": student,
            "summary": found,
            "documents": selectors.summary_documents(
                student=student, organisation_id=period.organisation_id
            ),
        },
    )


@require_POST
@login_required
def summary_issue(request: HttpRequest, period_id: UUID, student_id: UUID) -> HttpResponse:
    """Issue the pupil's examensbevis or studiebevis as PDF/A."""
    period = _period(request, period_id)
    student = _upper_secondary_pupil(request, period, student_id)
    try:
        document = certificate_issue(
            actor=request_actor(request),
            student=student,
            organisation=period.organisation_id,
            kind=DocumentKind.SAMMANSTALLNING,
        )
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("%(document)s är utfärdat och sparat som PDF/A.")
            % {"document": _document_title(document.examen)},
        )
    return redirect("grades_documents:summary", period_id=period.pk, student_id=student.pk)


def _document_title(examen: str) -> str:
    return _("Studiebeviset") if examen == "Studiebevis" else _("Examensbeviset")


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
