"""Reports and imports of grades: the SCB file of year 9 final grades and the import of
grades from earlier schools (/betyg/rapporter/). Thin: the rules live in `grades.scb`
and `grades.services.history_import`."""

from __future__ import annotations

import base64
import hashlib
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from skolsam.core.errors import DomainError
from skolsam.core.policy import Action
from skolsam.core.views import request_actor
from skolsam.grades.models import GradeOrigin
from skolsam.grades.scb import ScbRefused, scb_final_grades_file, scb_units
from skolsam.grades.services.history_import import (
    COLUMNS,
    MAX_BYTES,
    history_import_check,
    history_import_run,
)
from skolsam.organisations.access import organisation_policy
from skolsam.organisations.models import Organisation

_SESSION_KEY = "grades_history_import"


class ScbYearForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("År"), min_value=2000, max_value=2100)


class HistoryUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Fil (CSV eller Excel .xlsx)"))
    origin = forms.ChoiceField(
        label=gettext_lazy("Betygen kommer från"),
        choices=[
            (GradeOrigin.EARLIER_SCHOOL, gettext_lazy("En tidigare skola")),
            (GradeOrigin.EARLIER_SCHOOL_FORM, gettext_lazy("En tidigare skolform")),
        ],
    )


def _admin_units(request: HttpRequest) -> list[Organisation]:
    actor = request_actor(request)
    return list(
        organisation_policy.objects(actor, Action.VIEW)
        .filter(pk__in=actor.admin_org_ids)
        .exclude(school_unit_code=None)
        .order_by("display_name")
    )


def _admin_unit(request: HttpRequest, organisation_id: UUID) -> Organisation:
    found = next((u for u in _admin_units(request) if u.pk == organisation_id), None)
    if found is None:
        raise Http404("Skolenheten finns inte.")
    return found


@require_GET
@login_required
def reports_index(request: HttpRequest) -> HttpResponse:
    """List the units whose SCB file the actor makes and whose earlier grades they import."""
    actor = request_actor(request)
    scb = scb_units(actor)
    imports = _admin_units(request)
    if not scb and not imports:
        raise Http404("Sidan finns inte.")
    return render(
        request,
        "grades/reports/index.html",
        {"scb_units": scb, "import_units": imports, "year": actor.on.year},
    )


@require_GET
@login_required
def scb_download(request: HttpRequest, organisation_id: UUID) -> HttpResponse:
    """Download the unit's SCB file of year 9 final grades (audited under its pupils)."""
    actor = request_actor(request)
    unit = next((u for u in scb_units(actor) if u.pk == organisation_id), None)
    if unit is None:
        raise Http404("Skolenheten finns inte.")
    form = ScbYearForm(request.GET)
    if not form.is_valid():
        messages.error(
            request, _("Ange året som ett årtal, t.ex. %(year)s.") % {"year": actor.on.year}
        )
        return redirect("grades_reports:index")
    try:
        made = scb_final_grades_file(actor=actor, unit=unit, year=form.cleaned_data["year"])
    except ScbRefused as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("grades_reports:index")
    response = HttpResponse(made.content, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{made.file_name}"'
    return response


@require_http_methods(["GET", "POST"])
@login_required
def history_upload(request: HttpRequest, organisation_id: UUID) -> HttpResponse:
    """Upload a file of earlier grades and see the check report; nothing is saved yet."""
    unit = _admin_unit(request, organisation_id)
    form = HistoryUploadForm(request.POST or None, request.FILES or None)
    context: dict[str, object] = {"unit": unit, "form": form, "columns": COLUMNS}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            form.add_error("file", _("Filen är större än 2 MB."))
        else:
            data = upload.read()
            plan = history_import_check(
                actor=request_actor(request), organisation=unit, data=data, file_name=upload.name
            )
            digest = hashlib.sha256(data).hexdigest()
            if plan.ok:
                # The confirmation saves exactly the file that was checked, from the session.
                request.session[_SESSION_KEY] = {
                    "unit": str(unit.pk),
                    "name": upload.name,
                    "origin": form.cleaned_data["origin"],
                    "sha256": digest,
                    "data": base64.b64encode(data).decode("ascii"),
                }
            context.update(plan=plan, sha256=digest, file_name=upload.name)
    return render(request, "grades/reports/history_import.html", context)


@require_POST
@login_required
def history_confirm(request: HttpRequest, organisation_id: UUID) -> HttpResponse:
    """Save the checked file's grades, all or none."""
    unit = _admin_unit(request, organisation_id)
    staged = request.session.get(_SESSION_KEY)
    if (
        not staged
        or staged.get("unit") != str(unit.pk)
        or staged.get("sha256") != request.POST.get("sha256")
    ):
        messages.error(request, _("Kontrollera filen igen innan du läser in den."))
        return redirect("grades_reports:history_upload", organisation_id=unit.pk)
    try:
        plan = history_import_run(
            actor=request_actor(request),
            organisation=unit,
            data=base64.b64decode(staged["data"]),
            file_name=staged["name"],
            origin=staged["origin"],
        )
    except DomainError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("grades_reports:history_upload", organisation_id=unit.pk)
    del request.session[_SESSION_KEY]
    messages.success(request, _("%(count)s betyg lästes in.") % {"count": len(plan.grades)})
    return redirect("grades_reports:index")
