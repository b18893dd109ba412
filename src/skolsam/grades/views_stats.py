"""Grade statistics and the warnings of F: the rektor's and central administrators'
statistics (with CSV and Excel), the list of warnings for the rektor and mentors, and the
teacher's form to warn a pupil. Thin: read through `grades.statistics` (the grade policy's
scope), write through `services.warnings`, render."""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from skolsam.activities.models import Activity
from skolsam.audit.services import audit_record
from skolsam.core.errors import DomainError
from skolsam.core.views import request_actor
from skolsam.grades import statistics
from skolsam.grades.access import graded_activities
from skolsam.grades.models import NationalTestResult
from skolsam.grades.selectors import roster
from skolsam.grades.services.national_tests import TEST_VALUES, national_tests_record
from skolsam.grades.services.warnings import MEASURES_MAX, grade_warning_send, may_warn
from skolsam.people.access import persons_visible_to

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # a dash grade is "–", not "-"


def _cell(value: Any) -> Any:
    """Text as a spreadsheet shows it, never as a formula (a lone dash is a grade)."""
    if isinstance(value, str) and len(value) > 1 and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _gate(request: HttpRequest) -> Any:
    actor = request_actor(request)
    # The rektor and the administrators (central ones included: their subtree).
    if not actor.admin_org_ids:
        raise Http404(_("Sidan finns inte."))
    return actor


def _year(request: HttpRequest) -> int | None:
    text = request.GET.get("ar", "").strip()
    if not text:
        return None
    if not text.isdigit() or not 1900 <= int(text) <= 2200:
        raise DomainError({"ar": _("Ange ett år med fyra siffror.")})
    return int(text)


@require_http_methods(["GET"])
@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The grade distribution by subject, teacher, group, school, sex or year, and per
    year the share passing every subject and the average meritvärde; CSV or Excel."""
    actor = _gate(request)
    dimension = request.GET.get("per", "subject")
    if dimension not in statistics.DIMENSIONS:
        dimension = "subject"
    try:
        year = _year(request)
    except DomainError as exc:
        return render(
            request,
            "grades/stats/index.html",
            {"error": exc.messages[0], "dimensions": statistics.DIMENSIONS},
            status=400,
        )
    stats = statistics.grade_statistics(actor, dimension, year)
    audit_record(
        actor=actor,
        action="grades.statistics",
        object_type="GradeStatistics",
        object_id=dimension,
        detail={"per": dimension, "year": year, "format": request.GET.get("format", "html")},
    )
    fmt = request.GET.get("format", "")
    if fmt in ("csv", "xlsx"):
        return _export(stats, fmt)
    return render(
        request,
        "grades/stats/index.html",
        {
            "stats": stats,
            "dimension": dimension,
            "dimension_label": statistics.DIMENSIONS[dimension],
            "dimensions": statistics.DIMENSIONS,
            "year": year,
            "max_total": max((r.total for r in stats.rows), default=0),
        },
    )


def _table(stats: statistics.Statistics) -> tuple[list[str], list[list[Any]]]:
    headers = [str(statistics.DIMENSIONS[stats.dimension]), *stats.values, _("Totalt")]
    rows = [
        [_cell(r.label), *[r.counts.get(v, 0) for v in stats.values], r.total] for r in stats.rows
    ]
    return headers, rows


def _export(stats: statistics.Statistics, fmt: str) -> HttpResponse:
    headers, rows = _table(stats)
    name = f"betygsstatistik-{stats.dimension}"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";")
        writer.writerow(headers)
        writer.writerows(rows)
        response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Fördelning")[:31])
    sheet.append(headers)
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
    years = workbook.create_sheet(_("Per år")[:31])
    years.append([_("År"), _("Elever"), _("Godkända i alla ämnen"), _("Meritvärde, medel")])
    for y in stats.years:
        merit = y.merit_average
        years.append([y.year, y.pupils, y.passing, float(merit) if merit is not None else None])
    data = io.BytesIO()
    workbook.save(data)
    response = HttpResponse(
        data.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


@require_http_methods(["GET"])
@login_required
def warnings(request: HttpRequest) -> HttpResponse:
    """The warnings of F the actor sees: the rektor's unit, the mentor's pupils, one's own."""
    actor = request_actor(request)
    rows = list(
        statistics.warnings_visible(actor)
        .select_related("student", "syllabus", "created_by", "organisation")
        .order_by("-created_at")[:500]
    )
    if rows:
        audit_record(
            actor=actor,
            action="grades.view_warnings",
            object_type="GradeWarning",
            object_id="list",
            detail={"count": len(rows)},
            person_ids=sorted({w.student_id for w in rows}, key=str),
        )
    activities = list(graded_activities(actor).order_by("display_name"))
    return render(
        request, "grades/stats/warnings.html", {"warnings": rows, "activities": activities}
    )


class WarningForm(forms.Form):
    measures = forms.CharField(
        label=gettext_lazy("Det här gör skolan"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=MEASURES_MAX,
    )


def _warn_target(request: HttpRequest, activity_id: UUID, person_id: UUID) -> tuple[Any, ...]:
    actor = request_actor(request)
    activity = (
        Activity.objects.select_related("syllabus", "organisation").filter(pk=activity_id).first()
    )
    pupil = persons_visible_to(actor).filter(pk=person_id).first()
    if activity is None or pupil is None or not may_warn(actor, pupil, activity):
        raise Http404(_("Eleven finns inte."))
    return actor, activity, pupil


@require_http_methods(["GET", "POST"])
@login_required
def warn(request: HttpRequest, activity_id: UUID, person_id: UUID) -> HttpResponse:
    """A teacher of the pupil in the subject warns of a risk of F, with what the school does."""
    actor, activity, pupil = _warn_target(request, activity_id, person_id)
    form = WarningForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                warning = grade_warning_send(
                    actor=actor,
                    student=pupil,
                    activity=activity,
                    measures=form.cleaned_data["measures"],
                )
            except DomainError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    _("Varningen skickades till %(n)d mottagare.") % {"n": warning.recipients},
                )
                return redirect("grades_stats:warnings")
        status = 400
    earlier = list(
        statistics.warnings_visible(actor)
        .filter(student=pupil, syllabus_id=activity.syllabus_id)
        .select_related("created_by")
        .order_by("-created_at")
    )
    return render(
        request,
        "grades/stats/warn.html",
        {"activity": activity, "pupil": pupil, "form": form, "earlier": earlier},
        status=status,
    )


def _graded_activity(request: HttpRequest, activity_id: UUID) -> tuple[Any, Activity]:
    actor = request_actor(request)
    activity = (
        graded_activities(actor)
        .select_related("syllabus", "organisation")
        .filter(pk=activity_id)
        .first()
    )
    if activity is None:
        raise Http404(_("Aktiviteten finns inte."))
    return actor, activity


@require_http_methods(["GET", "POST"])
@login_required
def national_tests(request: HttpRequest, activity_id: UUID) -> HttpResponse:
    """The teacher records the pupils' national test results (whole test or a part)."""
    actor, activity = _graded_activity(request, activity_id)
    source = request.POST if request.method == "POST" else request.GET
    errors: list[str] = []
    status = 200
    try:
        year = int(source.get("year") or timezone.localdate().year)
    except ValueError:
        year, errors, status = timezone.localdate().year, [_("Ange provets år.")], 400
    part = (source.get("part") or "").strip()
    pupils = roster(actor, activity)
    if request.method == "POST" and not errors:
        typed = {p.pk: request.POST.get(f"result-{p.pk}", "") for p in pupils}
        try:
            stored = national_tests_record(
                actor=actor, activity=activity, year=year, part=part, results=typed
            )
        except DomainError as exc:
            errors, status = [str(m) for m in exc.messages], 400
        else:
            messages.success(request, _("%(n)d provresultat sparades.") % {"n": stored})
            return redirect(f"{request.path}?{urlencode({'year': year, 'part': part})}")
    stored_results = {
        (r.student_id, r.part): r.result
        for r in NationalTestResult.objects.filter(
            syllabus=activity.syllabus, year=year, student_id__in=[p.pk for p in pupils]
        )
    }
    rows = [
        {
            "person": p,
            "value": request.POST.get(f"result-{p.pk}", "")
            if request.method == "POST"
            else stored_results.get((p.pk, part), ""),
            "others": sorted(
                (k[1] or _("hela provet"), v)
                for k, v in stored_results.items()
                if k[0] == p.pk and k[1] != part
            ),
        }
        for p in pupils
    ]
    return render(
        request,
        "grades/stats/national_tests.html",
        {
            "activity": activity,
            "year": year,
            "part": part,
            "rows": rows,
            "values": TEST_VALUES,
            "errors": errors,
        },
        status=status,
    )


@require_http_methods(["GET"])
@login_required
def national_test_comparison(request: HttpRequest) -> HttpResponse:
    """The rektor's comparison per subject and teacher: grade higher, equal or lower than
    the national test result."""
    actor = _gate(request)
    try:
        year = _year(request)
    except DomainError as exc:
        return render(
            request,
            "grades/stats/comparison.html",
            {"error": exc.messages[0], "rows": []},
            status=400,
        )
    rows = statistics.national_test_comparison(actor, year)
    return render(request, "grades/stats/comparison.html", {"rows": rows, "year": year})
