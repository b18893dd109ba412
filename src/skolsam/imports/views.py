"""Serve the import pages: upload and check, confirm, and the result."""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from skolsam.core.access import Actor
from skolsam.core.errors import DomainError
from skolsam.core.views import is_htmx, request_actor
from skolsam.imports.access import may_import_at
from skolsam.imports.forms import ImportConfirmForm, ImportUploadForm
from skolsam.imports.parser import GUARDIAN_COLUMNS, PUPIL_COLUMNS, guardian_header
from skolsam.imports.report import summary_rows
from skolsam.imports.selectors import register_import_committed, register_import_pending
from skolsam.imports.services import (
    ImportRefused,
    register_import_check,
    register_import_commit,
)
from skolsam.organisations.access import organisation_for_actor
from skolsam.organisations.models import Organisation


def _unit(actor: Actor, organisation_id: UUID) -> Organisation:
    """Return the school unit if the actor may import there; 404 otherwise, like missing."""
    unit = organisation_for_actor(actor, organisation_id)
    if not may_import_at(actor, unit):
        raise Http404("Organisationen finns inte.")
    return unit


def _columns() -> list[tuple[str, bool, str]]:
    rows = [(c.header, c.required, c.help) for c in PUPIL_COLUMNS]
    rows += [(guardian_header(1, c), False, c.help) for c in GUARDIAN_COLUMNS]
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest, organisation_id: UUID) -> HttpResponse:
    """Show the upload form; on upload, check the file and show the report."""
    actor = request_actor(request)
    unit = _unit(actor, organisation_id)
    context: dict = {"unit": unit, "columns": _columns()}
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            plan, staged = register_import_check(
                actor=actor,
                school_unit=unit,
                data=upload.read(),
                file_name=upload.name,
                create_classes=form.cleaned_data["create_classes"],
            )
            context.update(plan=plan, staged=staged, summary=summary_rows(plan.summary()))
    else:
        form = ImportUploadForm()
    context["form"] = form
    template = "imports/_report.html" if is_htmx(request) else "imports/upload.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_POST
def import_confirm(request: HttpRequest, organisation_id: UUID) -> HttpResponse:
    """Commit a staged import: all rows or none, checked again against today's register."""
    actor = request_actor(request)
    unit = _unit(actor, organisation_id)
    form = ImportConfirmForm(request.POST)
    staged = (
        register_import_pending(actor=actor, school_unit=unit, token=form.cleaned_data["token"])
        if form.is_valid()
        else None
    )
    context: dict = {"unit": unit, "columns": _columns(), "form": ImportUploadForm()}
    if staged is None:
        context["problem"] = (
            " ".join(str(e) for e in form.errors["guardian_rows"])
            if "guardian_rows" in form.errors
            else _(
                "Importen finns inte längre: den har redan genomförts eller gått ut. "
                "Ladda upp filen igen."
            )
        )
        return render(request, "imports/upload.html", context, status=409)
    try:
        register_import_commit(
            actor=actor,
            register_import=staged,
            guardian_rows=form.cleaned_data.get("guardian_rows") or frozenset(),
        )
    except ImportRefused as refused:
        context.update(plan=refused.plan, summary=summary_rows(refused.plan.summary()))
        return render(request, "imports/upload.html", context, status=409)
    except DomainError as exc:
        context["problem"] = " ".join(exc.messages)
        return render(request, "imports/upload.html", context, status=409)
    return redirect("register_import_result", organisation_id=unit.pk, import_id=staged.pk)


@login_required
@require_GET
def import_result(request: HttpRequest, organisation_id: UUID, import_id: UUID) -> HttpResponse:
    """Show what a committed import wrote."""
    actor = request_actor(request)
    unit = _unit(actor, organisation_id)
    done = register_import_committed(school_unit=unit, import_id=import_id)
    if done is None:
        raise Http404("Importen finns inte.")
    context = {"unit": unit, "done": done, "summary": summary_rows(done.result)}
    return render(request, "imports/result.html", context)
