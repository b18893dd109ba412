"""Serve the timetable pages: a week's lessons, the timetable import, one lesson's changes."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from skolsam.core.dates import date_field_validate, date_param
from skolsam.core.errors import DomainError
from skolsam.core.models import valid_on
from skolsam.core.policy import Action
from skolsam.core.views import request_actor
from skolsam.duties.access import duty_policy
from skolsam.organisations.access import organisation_for_actor, organisation_policy
from skolsam.people.access import child_policy, children_of, person_for_actor
from skolsam.schedule import calendar, selectors, services
from skolsam.schedule.access import (
    calendar_policy,
    lesson_for_actor,
    resources_of_unit,
    room_unit_for_actor,
    rooms_of_unit,
    school_units_managed_by,
    settings_organisation_for_actor,
)
from skolsam.schedule.forms import NonTeachingDayForm, TermForm
from skolsam.schedule.models import Term
from skolsam.schedule.selectors import week_lessons
from skolsam.schedule.services import rooms as room_services


@require_GET
@login_required
def week(request: HttpRequest) -> HttpResponse:
    """Show a week's timetable: the teacher's own, a pupil's own, or a guardian's child's."""
    actor = request_actor(request)
    monday = calendar.week_start(
        date_param(request.GET, "vecka", default=actor.on, label=_("Veckan"))
    )
    person_id = request.GET.get("person")
    whose = None
    registers = False
    if person_id:
        whose = person_for_actor(actor, person_id)
        if whose.pk != actor.person_id and not child_policy.can(actor, Action.SEE_CHILD, whose):
            raise Http404("Personen finns inte.")
        lessons = week_lessons(person_id=whose.pk, actor=actor, week=monday, teacher=False)
    else:
        lessons = week_lessons(person_id=None, actor=actor, week=monday, teacher=True)
        # The actor teaches or substitutes each of these: each links to its register.
        registers = bool(lessons)
        if not lessons and actor.person_id:
            lessons = week_lessons(
                person_id=actor.person_id, actor=actor, week=monday, teacher=False
            )
    # A double booking (a teacher's, or a pupil's in two groups) is marked in words.
    clashes = calendar.overlapping(lessons)
    by_day: dict[date, list] = defaultdict(list)
    for lesson in lessons:
        lesson.clashes = clashes.get(lesson.pk, [])  # type: ignore[attr-defined]
        by_day[lesson.date].append(lesson)
    days = [(monday + timedelta(days=i), by_day[monday + timedelta(days=i)]) for i in range(5)]
    return render(
        request,
        "schedule/week.html",
        {
            "days": days,
            "monday": monday,
            "previous": monday - timedelta(days=7),
            "next": monday + timedelta(days=7),
            "whose": whose,
            "registers": registers,
            "children": list(children_of(actor)),
            "units": list(school_units_managed_by(actor)),
            # The settings pages' own gate (attendance.views.settings_index).
            "manages_settings": calendar_policy.any(actor, Action.CHANGE),
        },
    )


class ImportForm(forms.Form):
    term = forms.ModelChoiceField(label=_("Termin"), queryset=Term.objects.none())
    file = forms.FileField(label=_("Schemafil (CSV)"))


@require_http_methods(["GET", "POST"])
@login_required
def timetable_import(request: HttpRequest, org_id: UUID) -> HttpResponse:
    """Import a school unit's timetable from CSV (rektor, administrator); all or nothing."""
    actor = request_actor(request)
    unit = organisation_for_actor(actor, org_id)
    if not organisation_policy.can(actor, Action.CHANGE, unit):
        raise Http404("Organisationen finns inte.")
    form = ImportForm(request.POST or None, request.FILES or None)
    form.fields["term"].queryset = Term.objects.filter(  # type: ignore[attr-defined]
        organisation_id__in=calendar.ancestors_and_self(unit.pk)
    ).order_by("-start_date")
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        raw = form.cleaned_data["file"].read()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            errors = [_("Filen är inte UTF-8. Spara den som CSV UTF-8 och försök igen.")]
        else:
            try:
                result = services.timetable_import(
                    actor=actor, school_unit=unit, term=form.cleaned_data["term"], text=text
                )
            except ValidationError as exc:
                errors = (
                    [m for msgs in exc.message_dict.values() for m in msgs]
                    if hasattr(exc, "error_dict")
                    else exc.messages
                )
            else:
                messages.success(
                    request,
                    _(
                        "Schemat är inläst: %(rows)s rader, %(activities)s nya aktiviteter, "
                        "%(lessons)s lektioner skapade."
                    )
                    % {
                        "rows": result.entries,
                        "activities": result.activities_created,
                        "lessons": result.lessons_created,
                    },
                )
                for warning in result.warnings:
                    messages.warning(request, f"Varning: {warning}")
                return redirect("schedule:import", org_id=unit.pk)
    return render(
        request,
        "schedule/import.html",
        {"unit": unit, "form": form, "errors": errors},
        status=400 if errors else 200,
    )


class LessonForm(forms.Form):
    action = forms.ChoiceField(choices=(("cancel", ""), ("move", ""), ("substitute", "")))
    comment = forms.CharField(required=False, max_length=300)
    date = forms.DateField(label=_("Datum"), required=False, validators=[date_field_validate])
    start = forms.TimeField(required=False)
    end = forms.TimeField(required=False)
    room = forms.CharField(required=False, max_length=40)
    substitute = forms.UUIDField(required=False)


@require_http_methods(["GET", "POST"])
@login_required
def lesson_edit(request: HttpRequest, lesson_id: UUID) -> HttpResponse:
    """Cancel, move or give a substitute to one lesson (rektor, administrator)."""
    actor = request_actor(request)
    lesson = lesson_for_actor(actor, lesson_id)
    if not organisation_policy.can(actor, Action.CHANGE, lesson.organisation_id):
        raise Http404("Lektionen finns inte.")
    staff = list(
        duty_policy.objects(actor, Action.VIEW)
        .filter(valid_on(lesson.date), duty_at_id=lesson.organisation_id)
        .select_related("person")
        .order_by("person__family_name", "person__given_name")
    )
    form = LessonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            if d["action"] == "cancel":
                services.lesson_cancel(actor=actor, lesson=lesson, comment=d["comment"])
            elif d["action"] == "move":
                if not (d["date"] and d["start"] and d["end"]):
                    raise ValidationError(_("Ange datum, starttid och sluttid."))
                services.lesson_move(
                    actor=actor,
                    lesson=lesson,
                    day=d["date"],
                    start=d["start"],
                    end=d["end"],
                    room=d["room"],
                )
            else:
                duty = next((x for x in staff if x.pk == d["substitute"]), None)
                services.lesson_assign_substitute(actor=actor, lesson=lesson, duty=duty)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Lektionen är ändrad."))
        return redirect("schedule:lesson", lesson_id=lesson.pk)
    if form.is_bound:
        # A date or time that cannot be read: say which and why, and change nothing.
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else None
            text = " ".join(str(e) for e in errors)
            messages.error(request, f"{label}: {text}" if label else text)
    return render(
        request,
        "schedule/lesson.html",
        {"lesson": lesson, "staff": staff},
        status=400 if form.is_bound else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def calendar_settings(request: HttpRequest, org_id: UUID) -> HttpResponse:
    """Show and add a huvudman's or a school unit's terms and days without teaching.

    Central administrators set the huvudman's (they apply to every school); a school
    unit's administrators add the unit's own. The levels above are shown, not changed.
    """
    actor = request_actor(request)
    organisation = settings_organisation_for_actor(actor, org_id)
    action = request.POST.get("action")
    term_form = TermForm(request.POST if action == "term" else None)
    day_form = NonTeachingDayForm(request.POST if action == "day" else None)
    if action == "term" and term_form.is_valid():
        try:
            term = services.term_create(
                actor=actor, organisation=organisation, **term_form.cleaned_data
            )
        except DomainError as exc:
            term_form.add_domain_error(exc)
        else:
            messages.success(request, _("Terminen %(name)s är sparad.") % {"name": term.name})
            return redirect("schedule:calendar", org_id=organisation.pk)
    if action == "day" and day_form.is_valid():
        try:
            day = services.non_teaching_day_create(
                actor=actor, organisation=organisation, **day_form.cleaned_data
            )
        except DomainError as exc:
            day_form.add_domain_error(exc)
        else:
            messages.success(
                request,
                _(
                    "%(kind)s %(name)s %(start)s–%(end)s är sparat. Lektioner de dagarna är "
                    "inställda."
                )
                % {
                    "kind": day.get_kind_display(),
                    "name": day.name,
                    "start": f"{day.start_date:%Y-%m-%d}",
                    "end": f"{day.end_date:%Y-%m-%d}",
                },
            )
            return redirect("schedule:calendar", org_id=organisation.pk)
    bound = term_form if action == "term" else day_form if action == "day" else None
    return render(
        request,
        "schedule/calendar.html",
        {
            "organisation": organisation,
            "calendar": selectors.calendar_of(organisation_id=organisation.pk, today=actor.on),
            "term_form": term_form,
            "day_form": day_form,
        },
        status=400 if bound is not None and bound.errors else 200,
    )


class RoomForm(forms.Form):
    display_name = forms.CharField(label=_("Namn"), max_length=40)
    seats = forms.IntegerField(label=_("Antal platser"), required=False, min_value=1)


@require_http_methods(["GET", "POST"])
@login_required
def rooms(request: HttpRequest, org_id: UUID) -> HttpResponse:
    """List a school unit's rooms and resources, and add a room (its administrators)."""
    actor = request_actor(request)
    unit = room_unit_for_actor(actor, org_id)
    form = RoomForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            room = room_services.room_create(
                actor=actor,
                owner=unit,
                display_name=form.cleaned_data["display_name"],
                seats=form.cleaned_data["seats"],
            )
        except DomainError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(
                request, _("Lokalen %(name)s är tillagd.") % {"name": room.display_name}
            )
            return redirect("schedule:rooms", org_id=unit.pk)
    return render(
        request,
        "schedule/rooms.html",
        {
            "unit": unit,
            "form": form,
            "rooms": rooms_of_unit(actor, unit),
            "resources": resources_of_unit(actor, unit),
        },
        status=400 if form.is_bound and form.errors else 200,
    )
