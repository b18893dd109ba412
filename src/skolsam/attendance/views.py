"""Serve the attendance pages: the teacher's register, the mentor's overview, guardians'
reports and leave, the rektor's decisions, the preschool tablet, statistics and CSN.

Thin views: authenticate, fetch through the access layer, validate with a form, call one
service or selector, render.
"""

from __future__ import annotations

import functools
from datetime import timedelta
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from skolsam.attendance import access as attendance_access
from skolsam.attendance import selectors
from skolsam.attendance.forms import (
    AbsenceReportForm,
    ExemptionForm,
    LeaveDecisionForm,
    PolicyForm,
    RegisterForm,
)
from skolsam.attendance.models import AttendanceKind, AttendancePolicy
from skolsam.attendance.policy import Policy, merge, policy_for
from skolsam.attendance.services.absence import absence_report, day_span
from skolsam.attendance.services.leave import (
    leave_request_decide,
)
from skolsam.attendance.services.notice_exemptions import notice_exemption_create
from skolsam.attendance.services.policy_settings import attendance_policy_set
from skolsam.attendance.services.preschool import (
    attendance_event_register,
    attendance_schedule_decide,
)
from skolsam.attendance.services.register import StaleRegister, register_opens_at, register_save
from skolsam.audit.services import audit_record
from skolsam.core.choices import OrganisationType
from skolsam.core.dates import date_param
from skolsam.core.errors import DomainError
from skolsam.core.policy import Action
from skolsam.core.views import is_htmx, request_actor
from skolsam.groups.access import group_for_actor
from skolsam.organisations.access import organisation_policy
from skolsam.schedule import calendar
from skolsam.schedule.access import (
    register_lesson_for_actor,
    settings_organisation_for_actor,
    settings_organisations_for,
)


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [str(m) for msgs in exc.message_dict.values() for m in msgs]
    return [str(m) for m in exc.messages]


# --- the teacher ------------------------------------------------------------------------------


# Each register row's <option>s, one string per mark, made once per language: the same four
# options with one selected, which the template would otherwise loop over and test for every
# pupil.
@functools.cache
def _mark_options(language: str) -> dict[str, str]:
    labels: dict[str, str] = {
        AttendanceKind.PRESENT: _("Närvarande"),
        AttendanceKind.ABSENT: _("Frånvarande"),
        AttendanceKind.LATE: _("Sen ankomst"),
        AttendanceKind.LEFT_EARLY: _("Gick tidigare"),
    }
    return {
        selected: format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (value, " selected" if value == selected else "", labels[value])
                for value in AttendanceKind.values
            ),
        )
        for selected in AttendanceKind.values
    }


@require_http_methods(["GET"])
@login_required
def my_lessons(request: HttpRequest) -> HttpResponse:
    """Show the teacher's lessons of a day (today by default): the way into each register."""
    actor = request_actor(request)
    day = date_param(request.GET, "dag", default=actor.on, label=_("Dagen"))
    lessons = selectors.lessons_for_teacher(actor=actor, day=day)
    return render(
        request,
        "attendance/my_lessons.html",
        {
            "day": day,
            "lessons": lessons,
            "previous": day - timedelta(days=1),
            "next": day + timedelta(days=1),
            "today": actor.on,
            "mentor_groups": attendance_access.mentor_group_ids(actor),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def lesson_register(request: HttpRequest, lesson_id: UUID) -> HttpResponse:
    """Show one lesson's register and save it in one request.

    With htmx the save answers with the saved register in place of the form (one request,
    one render, the message announced in a status region); without JavaScript the plain
    POST redirects to the page. A save reads nothing it does not need: the service reads
    the roster with the saved rows itself, so the page's register is read only when there
    is a register to show. The lesson's own teacher (or substitute) viewing it is not
    audit-logged: the register is their own work, and the save is logged. Anyone else's
    view (the school's administrators) is.
    """
    actor = request_actor(request)
    lesson = register_lesson_for_actor(actor, lesson_id)
    errors: list[str] = []
    stale = False
    saved_message = ""
    form = RegisterForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                result = register_save(
                    actor=actor,
                    lesson=lesson,
                    version=form.cleaned_data["version"],
                    marks=form.marks(),
                    reason=form.cleaned_data.get("reason") or "",
                )
            except ValidationError as exc:
                errors = _errors(exc)
                stale = isinstance(exc, StaleRegister)
            else:
                saved_message = _(
                    "Närvaron är sparad: %(saved)s elever, %(invalid)s med ogiltig frånvaro."
                ) % {"saved": result.saved, "invalid": result.invalid}
                if not is_htmx(request):
                    messages.success(request, saved_message)
                    return redirect(request.path)
                form = RegisterForm(initial={"version": result.version})
        else:
            errors = [str(m) for msgs in form.errors.values() for m in msgs]
    if saved_message:
        register = selectors.register_after_save(actor=actor, lesson=lesson, result=result)
    else:
        register = selectors.register_for(actor=actor, lesson=lesson)
    if errors and not stale:
        # Keep what the teacher marked; a stale form shows what the other save stored.
        register.keep_marks(request.POST)
    if not form.is_bound or stale:
        form = RegisterForm(initial={"version": register.version})
    if request.method == "GET" and not getattr(lesson, "taught_by_actor", False):
        audit_record(
            actor=actor,
            action="attendance.view_register",
            object_type="CalendarEvent",
            object_id=lesson.pk,
            detail={"pupils": len(register.rows)},
        )
    options = _mark_options(get_language())
    for row in register.rows:
        row.options = options.get(row.kind, options[AttendanceKind.PRESENT])
    now = timezone.now()
    opens = register_opens_at(lesson) if now < lesson.start_time else None
    return render(
        request,
        "attendance/_register_form.html" if is_htmx(request) else "attendance/register.html",
        {
            "lesson": lesson,
            "register": register,
            "form": form,
            "errors": errors,
            "opens": opens if opens is not None and now < opens else None,
            "saved_message": saved_message,
        },
        status=(409 if stale else 400) if errors else 200,
    )


@require_http_methods(["GET"])
@login_required
def mentor_group(request: HttpRequest, group_id: UUID) -> HttpResponse:
    """Show a mentor group's attendance across all lessons, a week at a time."""
    actor = request_actor(request)
    group = group_for_actor(actor, group_id)
    if not attendance_access.may_follow_up_group(actor, group):
        raise Http404("Gruppen finns inte.")
    monday = calendar.week_start(
        date_param(request.GET, "vecka", default=actor.on, label=_("Veckan"))
    )
    rows = selectors.mentor_overview(
        actor=actor, group=group, start=monday, end=monday + timedelta(days=6)
    )
    audit_record(
        actor=actor,
        action="attendance.view_group",
        object_type="Group",
        object_id=group.pk,
        detail={"week": monday},
    )
    return render(
        request,
        "attendance/mentor.html",
        {
            "group": group,
            "rows": rows,
            "monday": monday,
            "sunday": monday + timedelta(days=6),
            "previous": monday - timedelta(days=7),
            "next": monday + timedelta(days=7),
        },
    )


# --- school staff: reports by phone, leave decisions, exemptions ---------------------------


@require_http_methods(["GET", "POST"])
@login_required
def staff_absence_report(request: HttpRequest, person_id: UUID) -> HttpResponse:
    """Register a guardian's report received by phone (staff at the pupil's school)."""
    actor = request_actor(request)
    if not organisation_policy.any(actor, Action.VIEW):
        raise Http404("Sidan finns inte.")
    # The report is registered at the pupil's school: a protected pupil's page is missing
    # for anyone who may not know it.
    pupil = attendance_access.pupil_located_for_actor(actor, person_id)
    guardians = attendance_access.callers_for_phone_report(actor, pupil)
    form = AbsenceReportForm(
        request.POST or None,
        children=[pupil],
        guardians=guardians,
        initial={"first_day": actor.on, "child": str(pupil.pk)},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        last = d["last_day"] if d["scope"] == "days" else d["first_day"]
        start, end = day_span(
            d["first_day"], last, *(d["start"], d["end"]) if d["scope"] == "part" else (None, None)
        )
        caller = next((g for g in guardians if str(g.pk) == d.get("guardian")), None)
        try:
            absence_report(actor=actor, student=pupil, start=start, end=end, reported_for=caller)
        except ValidationError as exc:
            for message in _errors(exc):
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _("Frånvaroanmälan för %(name)s är registrerad.") % {"name": pupil.full_name},
            )
            return redirect("attendance:staff_report", person_id=pupil.pk)
    return render(
        request,
        "attendance/staff_report.html",
        {"pupil": pupil, "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


@require_http_methods(["GET"])
@login_required
def leave_list(request: HttpRequest) -> HttpResponse:
    """Show the rektor the leave requests waiting for a decision."""
    actor = request_actor(request)
    # The unit's administrators see the list; only the rektor gets a form (DECIDE).
    if not organisation_policy.any(actor, Action.CHANGE):
        raise Http404("Sidan finns inte.")
    return render(
        request,
        "attendance/leave_list.html",
        {
            "pending": selectors.leave_requests_to_decide(actor=actor),
            "decided": selectors.recent_decisions(actor=actor),
            # The units where the actor decides: others see the requests but get no form.
            "decides_at": set(
                organisation_policy.objects(actor, Action.DECIDE).values_list("pk", flat=True)
            ),
            "form": LeaveDecisionForm(),
        },
    )


@require_POST
@login_required
def leave_decide(request: HttpRequest, leave_id: UUID) -> HttpResponse:
    actor = request_actor(request)
    leave = attendance_access.leave_policy.get(actor, Action.VIEW, leave_id, "Ansökan finns inte.")
    form = LeaveDecisionForm(request.POST)
    if form.is_valid():
        try:
            leave_request_decide(
                actor=actor,
                leave=leave,
                grant=form.cleaned_data["decision"] == "grant",
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(_errors(exc)))
        else:
            messages.success(request, _("Beslutet är sparat och skickas till vårdnadshavarna."))
    else:
        messages.error(request, _("Välj bevilja eller avslå."))
    return redirect("attendance:leave_list")


@require_http_methods(["GET", "POST"])
@login_required
def exemption_create(request: HttpRequest, person_id: UUID) -> HttpResponse:
    """Record särskilda skäl not to notify a pupil's guardians (rektor)."""
    actor = request_actor(request)
    # The administrators reach the page; the service lets only the rektor decide (DECIDE).
    if not organisation_policy.any(actor, Action.CHANGE):
        raise Http404("Sidan finns inte.")
    # Särskilda skäl are decided at the pupil's school: missing for anyone who may not know it.
    pupil = attendance_access.pupil_located_for_actor(actor, person_id)
    form = ExemptionForm(
        request.POST or None, initial={"start_date": actor.on, "end_date": actor.on}
    )
    if request.method == "POST" and form.is_valid():
        try:
            notice_exemption_create(actor=actor, student=pupil, **form.cleaned_data)
        except ValidationError as exc:
            for message in _errors(exc):
                form.add_error(None, message)
        else:
            messages.success(request, _("Beslutet om särskilda skäl är sparat."))
            return redirect("attendance:exemption", person_id=pupil.pk)
    return render(
        request,
        "attendance/exemption.html",
        {"pupil": pupil, "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


# --- preschool and fritidshem -----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def department(request: HttpRequest, group_id: UUID) -> HttpResponse:
    """The department's tablet: who is expected today, who is here; check in and out."""
    actor = request_actor(request)
    group = group_for_actor(actor, group_id)
    if not organisation_policy.can(actor, Action.VIEW, group.organisation_id):
        raise Http404("Gruppen finns inte.")
    day = actor.on
    error = ""
    if request.method == "POST":
        on_list = {
            str(c.person.pk): c.person
            for c in selectors.department_day(actor=actor, group=group, day=day)
        }
        child = on_list.get(request.POST.get("person", ""))
        if child is None:
            raise Http404("Barnet finns inte.")
        try:
            attendance_event_register(
                actor=actor,
                person=child,
                group=group,
                event_type=request.POST.get("event_type", ""),
            )
        except DomainError as exc:
            error = " ".join(_errors(exc))
        if not is_htmx(request) and not error:
            return redirect("attendance:department", group_id=group.pk)
    children = selectors.department_day(actor=actor, group=group, day=day)
    context = {
        "group": group,
        "children": children,
        "day": day,
        "error": error,
        # A child reported away all day is not expected, whatever the schedule says.
        "expected": sum(1 for c in children if c.expected and not c.away_all_day),
        "away": sum(1 for c in children if c.away),
        "here": sum(1 for c in children if c.here),
    }
    template = (
        "attendance/_department_list.html" if is_htmx(request) else "attendance/department.html"
    )
    return render(request, template, context, status=400 if error and not is_htmx(request) else 200)


@require_http_methods(["GET", "POST"])
@login_required
def schedules_to_approve(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    if not organisation_policy.any(actor, Action.VIEW):
        raise Http404("Sidan finns inte.")
    if request.method == "POST":
        pending = {str(s.pk): s for s in selectors.schedules_to_approve(actor=actor)}
        schedule = pending.get(request.POST.get("schedule", ""))
        if schedule is None:
            raise Http404("Schemat finns inte.")
        try:
            attendance_schedule_decide(
                actor=actor,
                schedule=schedule,
                approve=request.POST.get("decision") == "approve",
                comment=request.POST.get("comment", ""),
            )
        except ValidationError as exc:
            messages.error(request, " ".join(_errors(exc)))
        else:
            messages.success(request, _("Schemat är hanterat."))
        return redirect("attendance:schedules")
    return render(
        request,
        "attendance/schedules.html",
        {
            "schedules": selectors.schedules_to_approve(actor=actor),
            "departments": selectors.departments_for(actor=actor),
            "now": timezone.localtime(),
        },
    )


# --- settings -----------------------------------------------------------------------------------


@require_http_methods(["GET"])
@login_required
def settings_index(request: HttpRequest) -> HttpResponse:
    """List the huvudmän and school units whose calendar and attendance settings the
    actor manages (central administrators, school administrators)."""
    actor = request_actor(request)
    organisations = settings_organisations_for(actor)
    if not organisations:
        raise Http404("Sidan finns inte.")
    return render(request, "attendance/settings_index.html", {"organisations": organisations})


def _in_force(policy: Policy) -> dict[str, str]:
    return {
        "notice_cutoff": policy.notice_cutoff.strftime("%H:%M"),
        "notice_morning": policy.notice_morning.strftime("%H:%M"),
        "alert_absence_percent": f"{policy.alert_absence_percent} %",
        "alert_invalid_occasions": _("%(n)s tillfällen") % {"n": policy.alert_invalid_occasions},
        "register_margin_minutes": _("%(n)s minuter") % {"n": policy.register_margin_minutes},
        "absence_report_days_ahead": _("%(n)s dagar") % {"n": policy.absence_report_days_ahead},
        "csn_threshold_hours": _("%(n)s timmar")
        % {"n": f"{policy.csn_threshold_minutes / 60:g}".replace(".", ",")},
        "leave_requires_all_guardians": _("alla vårdnadshavare måste godkänna")
        if policy.leave_requires_all_guardians
        else _("det räcker att en vårdnadshavare ansöker"),
    }


@require_http_methods(["GET", "POST"])
@login_required
def attendance_settings(request: HttpRequest, org_id: UUID) -> HttpResponse:
    """Set a huvudman's or a school unit's attendance settings; empty follows the level above."""
    actor = request_actor(request)
    organisation = settings_organisation_for_actor(actor, org_id)
    is_huvudman = organisation.organisation_type == OrganisationType.HUVUDMAN
    own = AttendancePolicy.objects.filter(organisation=organisation).first()
    above = (
        policy_for(organisation.parent_id)
        if organisation.parent_id
        else merge([organisation.pk], {})
    )
    initial: dict[str, object] = {}
    if own is not None:
        initial = {
            "notice_cutoff": own.notice_cutoff,
            "notice_morning": own.notice_morning,
            "alert_absence_percent": own.alert_absence_percent,
            "alert_invalid_occasions": own.alert_invalid_occasions,
            "register_margin_minutes": own.register_margin_minutes,
            "absence_report_days_ahead": own.absence_report_days_ahead,
            "csn_threshold_hours": None
            if own.csn_threshold_minutes is None
            else own.csn_threshold_minutes / 60,
            "leave_requires_all_guardians": {None: "", True: "1", False: "0"}[
                own.leave_requires_all_guardians
            ],
        }
    form = PolicyForm(
        request.POST or None, initial=initial, is_huvudman=is_huvudman, in_force=_in_force(above)
    )
    if request.method == "POST" and form.is_valid():
        try:
            attendance_policy_set(actor=actor, organisation=organisation, **form.service_values())
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("Närvaroinställningarna är sparade."))
            return redirect("attendance:settings", org_id=organisation.pk)
    return render(
        request,
        "attendance/settings.html",
        {
            "organisation": organisation,
            "is_huvudman": is_huvudman,
            "form": form,
            "in_force": _in_force(policy_for(organisation.pk)),
        },
        status=400 if form.is_bound and form.errors else 200,
    )
