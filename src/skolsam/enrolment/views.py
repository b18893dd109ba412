"""Serve the enrolment forms: enrol a pupil, move them to another school, end an enrolment."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from skolsam.core.access import Actor
from skolsam.core.errors import DomainError
from skolsam.core.policy import Action
from skolsam.core.views import is_htmx, request_actor
from skolsam.enrolment.access import enrolment_policy, enrolments_visible_to
from skolsam.enrolment.forms import EnrolmentEndForm, MoveSchoolForm, PlacementFieldsForm
from skolsam.organisations.forms import managed_school_units
from skolsam.people import registration
from skolsam.people.access import may_edit_person, person_for_actor

_NOT_FOUND = "Inskrivningen finns inte."


def enrolment_to_manage(actor: Actor, enrolment_id: UUID) -> Any:
    """Return a current enrolment the actor may see and change; 404 otherwise.

    Built on `access.enrolments_visible_to` (which hides protected pupils' schools from
    everyone not named for them) and `enrolment.access.enrolment_policy` (CHANGE).
    """
    enrolment = (
        enrolments_visible_to(actor)
        .filter(pk=enrolment_id)
        .select_related("enroled_at", "person")
        .first()
    )
    if enrolment is None or not enrolment_policy.can(actor, Action.CHANGE, enrolment):
        raise Http404(_NOT_FOUND)
    return enrolment


def _dependent_fields(request: HttpRequest, actor: Actor, form_class: type) -> HttpResponse:
    """Answer htmx when the unit changes: the school types and classes of that unit."""
    units = managed_school_units(actor)
    try:
        unit = units.filter(pk=UUID(request.GET.get("school_unit", ""))).first()
    except ValueError:
        unit = None
    placement = form_class(actor=actor, unit=unit)
    return render(request, "enrolment/_placement_dependent.html", {"placement": placement})


@require_http_methods(["GET", "POST"])
@login_required
def enrolment_create(request: HttpRequest, person_id: UUID) -> HttpResponse:
    """Enrol a registered pupil at a school unit the actor manages, with a class if wanted."""
    actor = request_actor(request)
    person = person_for_actor(actor, person_id)
    if not may_edit_person(actor, person):
        raise Http404("Personen finns inte.")
    if request.method == "GET" and is_htmx(request):
        return _dependent_fields(request, actor, PlacementFieldsForm)
    form = PlacementFieldsForm(request.POST or None, actor=actor, reload_url=request.path)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            enrolment, membership = registration.pupil_enrol(
                actor=actor,
                person=person,
                school_unit=data["school_unit"],
                school_type=data["school_type"],
                school_year=data["school_year"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                group=data["group"],
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            text = _("%(name)s är inskriven vid %(unit)s från och med %(day)s.") % {
                "name": person.full_name,
                "unit": enrolment.enroled_at.display_name,
                "day": enrolment.start_date.isoformat(),
            }
            if membership is not None:
                text += " " + _("Klass: %(group)s.") % {"group": membership.group.display_name}
            messages.success(request, text)
            return redirect("person_manage", person_id=person.pk)
    return render(
        request,
        "enrolment/enrolment_form.html",
        {
            "person": person,
            "placement": form,
            "error_forms": [form],
            "has_errors": bool(form.errors),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def enrolment_move_school(request: HttpRequest, enrolment_id: UUID) -> HttpResponse:
    """Move a pupil to another school unit: old enrolment and groups end the day before."""
    actor = request_actor(request)
    enrolment = enrolment_to_manage(actor, enrolment_id)
    if request.method == "GET" and is_htmx(request):
        return _dependent_fields(request, actor, MoveSchoolForm)
    form = MoveSchoolForm(request.POST or None, actor=actor, reload_url=request.path)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            new, membership = registration.pupil_move_school(
                actor=actor,
                enrolment=enrolment,
                school_unit=data["school_unit"],
                school_type=data["school_type"],
                school_year=data["school_year"],
                on=data["start_date"],
                group=data["group"],
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            text = _(
                "%(name)s går på %(old)s till och med %(last)s och är inskriven vid %(new)s "
                "från och med %(day)s."
            ) % {
                "name": enrolment.person.full_name,
                "old": enrolment.enroled_at.display_name,
                "last": enrolment.end_date.isoformat(),
                "new": new.enroled_at.display_name,
                "day": new.start_date.isoformat(),
            }
            if membership is not None:
                text += " " + _("Klass: %(group)s.") % {"group": membership.group.display_name}
            messages.success(request, text)
            return redirect("person_manage", person_id=enrolment.person_id)
    return render(
        request,
        "enrolment/move_school.html",
        {
            "enrolment": enrolment,
            "placement": form,
            "error_forms": [form],
            "has_errors": bool(form.errors),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def enrolment_end(request: HttpRequest, enrolment_id: UUID) -> HttpResponse:
    """End an enrolment on a day (the last day at the school), and its groups if asked."""
    actor = request_actor(request)
    enrolment = enrolment_to_manage(actor, enrolment_id)
    form = EnrolmentEndForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        end_date = form.cleaned_data["end_date"]
        try:
            registration.pupil_leave_school(
                actor=actor,
                enrolment=enrolment,
                end_date=end_date,
                leave_groups=form.cleaned_data["leave_groups"],
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(
                request,
                _("%(name)s är inskriven vid %(unit)s till och med %(day)s.")
                % {
                    "name": enrolment.person.full_name,
                    "unit": enrolment.enroled_at.display_name,
                    "day": end_date.isoformat(),
                },
            )
            # Once the enrolment has ended the pupil may be out of the actor's sight.
            return redirect("school_unit_detail", organisation_id=enrolment.enroled_at_id)
    return render(
        request,
        "enrolment/enrolment_end.html",
        {
            "enrolment": enrolment,
            "form": form,
            "error_forms": [form],
            "has_errors": bool(form.errors),
        },
    )
