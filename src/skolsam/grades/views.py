"""The staff pages of grading: the teacher's sheet, the co-signer's list, the rektor's
periods, progress and a grade's history. Thin: fetch through access, one service or
selector call, render. Publication and the portal are not here."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from skolsam.audit.services import audit_record
from skolsam.core.errors import DomainError
from skolsam.core.policy import Action
from skolsam.core.views import is_htmx, request_actor
from skolsam.grades import selectors
from skolsam.grades.access import (
    STUDY_PLAN_SCHOOL_TYPES,
    grade_history_for_actor,
    grade_policy,
    grading_period_policy,
    sheet_for_actor,
    study_plan_policy,
)
from skolsam.grades.models import (
    DecisionKind,
    GradingPeriod,
    GradingPeriodKind,
    Semester,
    StudyPlan,
)
from skolsam.grades.rules import is_diploma_project, value_set_for
from skolsam.grades.services import (
    SheetEntry,
    StaleGradeSheet,
    grade_co_sign,
    grade_decide,
    grade_reminders_send,
    grade_sheet_save,
    grading_period_close,
    grading_period_open,
)
from skolsam.organisations.access import organisation_policy
from skolsam.organisations.models import Organisation


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [str(m) for msgs in exc.message_dict.values() for m in msgs]
    return [str(m) for m in exc.messages]


def _period_for_rektor(request: HttpRequest, period_id: UUID) -> GradingPeriod:
    actor = request_actor(request)
    found = (
        grading_period_policy.objects(actor, Action.DECIDE)
        .select_related("organisation")
        .filter(pk=period_id)
        .first()
    )
    if found is None:
        raise Http404(_("Betygsperioden finns inte."))
    return found


@require_http_methods(["GET"])
@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Show the way into grading: the teacher's sheets, grades to co-sign, the rektor's periods."""
    actor = request_actor(request)
    periods = list(
        grading_period_policy.objects(actor, Action.DECIDE)
        .select_related("organisation")
        .order_by("organisation__display_name", "-year", "semester")
    )
    return render(
        request,
        "grades/index.html",
        {
            "sheets": selectors.sheets_for_teacher(actor=actor),
            "to_co_sign": len(selectors.pending_for_co_signer(actor=actor)),
            "periods": periods,
            "may_open": organisation_policy.any(actor, Action.DECIDE),
            "may_see_study_plans": study_plan_policy.any(actor, Action.VIEW),
        },
    )


def _entries(post: QueryDict) -> list[SheetEntry] | None:
    """Read the typed rows (grade-<pupil id>, remark-<pupil id>); None if a key is no id."""
    entries = []
    for key in post:
        if not key.startswith("grade-"):
            continue
        try:
            pk = UUID(key.removeprefix("grade-"))
        except ValueError:
            return None
        entries.append(
            SheetEntry(
                student_id=pk,
                grade_value=post.get(key, ""),
                remark=post.get(f"remark-{pk}", ""),
            )
        )
    return entries


@require_http_methods(["GET", "POST"])
@login_required
def sheet(request: HttpRequest, period_id: UUID, activity_id: UUID) -> HttpResponse:
    """Show one activity's grade sheet in a period and save it in one request.

    With htmx the save answers with the saved sheet in place of the form; without
    JavaScript the plain POST redirects to the page. A stale save (someone saved in
    between) answers 409 with what the other save stored.
    """
    actor = request_actor(request)
    period, activity = sheet_for_actor(actor, period_id, activity_id)
    errors: list[str] = []
    stale = False
    saved_message = ""
    typed: dict[str, tuple[str, str]] = {}
    if request.method == "POST":
        raw_version = request.POST.get("version", "")
        version = int(raw_version) if raw_version.isdigit() and len(raw_version) < 10 else None
        entries = _entries(request.POST)
        typed = {str(e.student_id): (e.grade_value, e.remark) for e in entries or []}
        try:
            if entries is None or version is None:
                raise DomainError(_("Listan kunde inte läsas. Läs in sidan på nytt."))
            result = grade_sheet_save(
                actor=actor, period=period, activity=activity, version=version, entries=entries
            )
        except ValidationError as exc:
            errors = _errors(exc)
            stale = isinstance(exc, StaleGradeSheet)
        else:
            saved_message = _(
                "Betygslistan är sparad: %(set)s betyg satta, %(pending)s väntar på medbedömare."
            ) % {"set": result.set, "pending": result.pending}
            if not is_htmx(request):
                messages.success(request, saved_message)
                return redirect(request.path)
    data = selectors.grade_sheet_for(actor=actor, period=period, activity=activity)
    shown = [row.person.pk for row in data.rows if row.adaptations]
    if shown:
        # The sheet shows these pupils' extra adaptations: a read of pupil documentation.
        audit_record(
            actor=actor,
            action="adaptation.sheet_view",
            object_type="Activity",
            object_id=activity.pk,
            detail={"period": str(period.pk)},
            person_ids=shown,
        )
    if errors and not stale:
        # Keep what the teacher typed; a stale sheet shows what the other save stored.
        for row in data.rows:
            if str(row.person.pk) in typed:
                row.value, row.remark = typed[str(row.person.pk)]
    return render(
        request,
        "grades/_sheet_form.html" if is_htmx(request) else "grades/sheet.html",
        {
            "sheet": data,
            "errors": errors,
            "stale": stale,
            "saved_message": saved_message,
        },
        status=(409 if stale else 400) if errors else 200,
    )


@require_http_methods(["GET"])
@login_required
def co_sign_list(request: HttpRequest) -> HttpResponse:
    """List the grades at the teacher's units waiting for a licensed co-signer."""
    actor = request_actor(request)
    return render(
        request,
        "grades/co_sign.html",
        {"pending": selectors.pending_for_co_signer(actor=actor)},
    )


@require_POST
@login_required
def co_sign(request: HttpRequest, pending_id: UUID) -> HttpResponse:
    """Co-sign one waiting grade in one tap; the decision names both teachers."""
    actor = request_actor(request)
    pending = selectors.pending_for_actor(actor, pending_id)
    try:
        grade = grade_co_sign(actor=actor, pending=pending)
    except ValidationError as exc:
        for e in _errors(exc):
            messages.error(request, e)
    else:
        messages.success(
            request,
            _("Medsignerat: %(name)s får %(value)s.")
            % {"name": pending.student.full_name, "value": grade.grade_value},
        )
    return redirect("grades:co_sign_list")


class PeriodOpenForm(forms.Form):
    organisation = forms.ChoiceField(label="Skolenhet")
    kind = forms.ChoiceField(label="Betyg", choices=GradingPeriodKind.choices)
    semester = forms.ChoiceField(label="Termin", choices=Semester.choices)
    year = forms.IntegerField(label="År", min_value=2000, max_value=2100)
    first_school_year = forms.IntegerField(
        label="Terminsbetyg från årskurs (4–6, tomt: 6)",
        min_value=1,
        max_value=10,
        required=False,
    )

    def __init__(self, *args: Any, units: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.units = {str(u.pk): u for u in units}
        field = self.fields["organisation"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(pk, u.display_name) for pk, u in self.units.items()]


@require_http_methods(["GET", "POST"])
@login_required
def periods(request: HttpRequest) -> HttpResponse:
    """The rektor's grading periods: open one for a unit, close one, see progress."""
    actor = request_actor(request)
    units = [
        u
        for u in organisation_policy.objects(actor, Action.DECIDE).order_by("display_name")
        if u.is_school_unit
    ]
    if not units:
        raise Http404(_("Sidan finns inte."))
    form = PeriodOpenForm(request.POST or None, units=units, initial={"year": actor.on.year})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                grading_period_open(
                    actor=actor,
                    organisation=form.units[data["organisation"]],
                    kind=data["kind"],
                    semester=data["semester"],
                    year=data["year"],
                    first_school_year=data["first_school_year"],
                )
            except ValidationError as exc:
                for field, msgs in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
                    for m in msgs:
                        form.add_error(field if field in form.fields else None, m)
            else:
                messages.success(request, _("Betygsperioden är öppnad."))
                return redirect("grades:periods")
        status = 400
    found = (
        grading_period_policy.objects(actor, Action.DECIDE)
        .select_related("organisation", "opened_by", "closed_by")
        .order_by("organisation__display_name", "-year", "semester")
    )
    return render(request, "grades/periods.html", {"form": form, "periods": found}, status=status)


@require_POST
@login_required
def period_close(request: HttpRequest, period_id: UUID) -> HttpResponse:
    """Close a grading period: no teacher sets a grade in it any more."""
    actor = request_actor(request)
    period = _period_for_rektor(request, period_id)
    try:
        grading_period_close(actor=actor, period=period)
    except DomainError as exc:
        for e in _errors(exc):
            messages.error(request, e)
    else:
        messages.success(request, _("Betygsperioden är stängd."))
    return redirect("grades:periods")


@require_http_methods(["GET"])
@login_required
def progress(request: HttpRequest, period_id: UUID) -> HttpResponse:
    """The rektor's progress view: per group and teacher, grades set and missing, F and dash.

    The page names the pupils with F or a dash: the read is audited under each of them,
    in one entry (two statements, however many pupils).
    """
    actor = request_actor(request)
    period = _period_for_rektor(request, period_id)
    rows = selectors.progress_for(actor=actor, period=period)
    shown = list(dict.fromkeys(pupil.pk for row in rows for pupil, _value in row.failing))
    audit_record(
        actor=actor,
        action="grades.view_progress",
        object_type="GradingPeriod",
        object_id=period.pk,
        person_ids=shown,
        detail={"pupils_shown": len(shown)},
    )
    return render(request, "grades/progress.html", {"period": period, "rows": rows})


@require_POST
@login_required
def remind(request: HttpRequest, period_id: UUID) -> HttpResponse:
    """E-mail the teachers with missing grades."""
    actor = request_actor(request)
    period = _period_for_rektor(request, period_id)
    try:
        sent = grade_reminders_send(actor=actor, period=period)
    except DomainError as exc:
        for e in _errors(exc):
            messages.error(request, e)
    else:
        if sent.sent:
            messages.success(
                request, _("Påminnelse skickad till %(names)s.") % {"names": ", ".join(sent.sent)}
            )
        if sent.without_address:
            messages.warning(
                request,
                _("Ingen e-postadress i registret för %(names)s: påminn dem på annat sätt.")
                % {"names": ", ".join(sent.without_address)},
            )
        if not sent.sent and not sent.without_address:
            messages.info(request, _("Inga betyg saknas: ingen påminnelse behövs."))
    return redirect("grades:progress", period_id=period.pk)


@require_http_methods(["GET"])
@login_required
def history(request: HttpRequest, lineage: UUID) -> HttpResponse:
    """Show every decision on one grade, first to last; the read is audited under the pupil.

    Below it, for those who may: an Ändring (the grading teacher or the rektor, never
    lower, SL 3:20) and a Rättelse (the rektor) of the grade as it stands.
    """
    actor = request_actor(request)
    versions = grade_history_for_actor(actor, lineage)
    first = versions[0]
    audit_record(
        actor=actor,
        action="grades.view_history",
        object_type="Grade",
        object_id=lineage,
        person_id=first.student_id,
        detail={"versions": len(versions)},
    )
    return _history_page(request, versions)


def _history_page(
    request: HttpRequest,
    versions: list[Any],
    *,
    errors: list[str] | None = None,
    posted: QueryDict | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = request_actor(request)
    current = versions[-1]
    values = value_set_for(
        current.syllabus.school_type,
        diploma_project=is_diploma_project(
            current.syllabus.subject_code, current.syllabus.course_code
        ),
    )
    return render(
        request,
        "grades/history.html",
        {
            "versions": versions,
            "current": current,
            "student": current.student,
            "syllabus": current.syllabus,
            "may_amend": grade_policy.can(actor, Action.AMEND_GRADE, current),
            "may_rectify": grade_policy.can(actor, Action.RECTIFY_GRADE, current),
            "study_plan_url": _study_plan_url(actor, current),
            "values": values.values if values else (),
            "errors": errors or [],
            "posted": posted or {},
        },
        status=status,
    )


def _study_plan_url(actor: Any, grade: Any) -> str:
    """Link an upper-secondary grade to the pupil's study plan at its unit, for those who
    may see the plan."""
    if grade.syllabus.school_type not in STUDY_PLAN_SCHOOL_TYPES:
        return ""
    target = StudyPlan(student=grade.student, organisation_id=grade.organisation_id)
    if not study_plan_policy.can(actor, Action.VIEW, target):
        return ""
    return reverse("grades:study_plan", args=[grade.student_id, grade.organisation_id])


@require_POST
@login_required
def correct(request: HttpRequest, lineage: UUID) -> HttpResponse:
    """Record an Ändring or a Rättelse of the grade as it stands (a new decision)."""
    actor = request_actor(request)
    versions = grade_history_for_actor(actor, lineage)
    kind = request.POST.get("kind", "")
    if kind not in (DecisionKind.ANDRING, DecisionKind.RATTELSE):
        return _history_page(
            request,
            versions,
            errors=[_("Välj ändring eller rättelse.")],
            posted=request.POST,
            status=400,
        )
    try:
        grade_decide(
            actor=actor,
            kind=kind,
            grade_value=request.POST.get("grade_value", ""),
            previous=versions[-1],
            reason=request.POST.get("reason", ""),
        )
    except DomainError as error:
        return _history_page(
            request, versions, errors=_messages_of(error), posted=request.POST, status=400
        )
    messages.success(
        request,
        _("Ändringen är sparad som ett nytt beslut.")
        if kind == DecisionKind.ANDRING
        else _("Rättelsen är sparad som ett nytt beslut."),
    )
    return redirect("grades:history", lineage=lineage)


def _messages_of(error: ValidationError) -> list[str]:
    if hasattr(error, "message_dict"):
        return [m for msgs in error.message_dict.values() for m in msgs]
    return list(error.messages)
