"""Serve the pages where one act spans several register apps: register a pupil with
guardians, enrolment and class; enrol a pupil, move them to another school, end an enrolment;
register a staff member with a duty.

Each page calls one workflow in `registration.services`. The templates stay with the domain
whose page they look like (`people/pupil_register.html`, `enrolment/*.html`,
`duties/staff_register.html`) beside the partials they share with it.
"""

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
from skolsam.core.forms import route_domain_error
from skolsam.core.ids import uuid_or_none
from skolsam.core.policy import Action
from skolsam.core.views import is_htmx, request_actor
from skolsam.duties.forms import StaffRegisterForm, managed_organisations
from skolsam.enrolment.access import enrolment_policy, enrolments_visible_to
from skolsam.enrolment.forms import EnrolmentEndForm, MoveSchoolForm, PlacementFieldsForm
from skolsam.organisations.access import organisation_policy
from skolsam.organisations.forms import managed_school_units
from skolsam.people.access import may_edit_person, person_for_actor, persons_visible_to
from skolsam.people.forms import GuardianForm, PupilForm
from skolsam.registration import services


@require_http_methods(["GET", "POST"])
@login_required
def pupil_register(request: HttpRequest) -> HttpResponse:
    """Register a new pupil with one or two guardians, enrolled at a unit, in one step."""
    actor = request_actor(request)
    if not organisation_policy.any(actor, Action.CREATE):
        raise Http404("Personen finns inte.")
    units = managed_school_units(actor)
    if request.method == "GET" and is_htmx(request):
        # The unit changed: send the school types and classes it offers.
        unit_id = uuid_or_none(request.GET.get("enrolment-school_unit"))
        unit = units.filter(pk=unit_id).first() if unit_id else None
        placement = PlacementFieldsForm(prefix="enrolment", actor=actor, unit=unit)
        return render(request, "enrolment/_placement_dependent.html", {"placement": placement})

    data = request.POST if request.method == "POST" else None
    unit_id = uuid_or_none(request.GET.get("skolenhet"))
    preselected = units.filter(pk=unit_id).first() if unit_id else None
    pupil = PupilForm(data, prefix="pupil")
    guardian1 = GuardianForm(data, prefix="guardian1")
    guardian1.section_title = _("Vårdnadshavare 1")
    guardian2 = GuardianForm(data, prefix="guardian2", optional=True)
    guardian2.section_title = _("Vårdnadshavare 2")
    placement = PlacementFieldsForm(
        data, prefix="enrolment", actor=actor, unit=preselected, reload_url=request.path
    )
    forms = [pupil, guardian1, guardian2, placement]
    if data is not None and all([form.is_valid() for form in forms]):
        pupil_details = pupil.details()
        guardians = [guardian1.details(pupil_details.address)]
        if not guardian2.is_empty:
            guardians.append(guardian2.details(pupil_details.address))
        where = placement.cleaned_data
        try:
            result = services.pupil_register(
                actor=actor,
                pupil=pupil_details,
                guardians=guardians,
                school_unit=where["school_unit"],
                school_type=where["school_type"],
                school_year=where["school_year"],
                start_date=where["start_date"],
                end_date=where["end_date"],
                group=where["group"],
            )
        except DomainError as error:
            route_domain_error(
                error,
                {
                    "pupil": pupil,
                    "guardian1": guardian1,
                    "guardian2": guardian2,
                    "enrolment": placement,
                },
                default=placement,
            )
        else:
            _registered_message(request, result)
            if persons_visible_to(actor).filter(pk=result.pupil.pk).exists():
                return redirect("person_detail", person_id=result.pupil.pk)
            # Enrolled from a later day: the pupil is the school's to see from then on.
            return redirect("school_unit_detail", organisation_id=result.enrolment.enroled_at_id)
    return render(
        request,
        "people/pupil_register.html",
        {
            "pupil": pupil,
            "guardians": [guardian1, guardian2],
            "placement": placement,
            "error_forms": forms,
            "has_errors": any(form.errors for form in forms),
        },
    )


def _registered_message(request: HttpRequest, result: services.PupilRegistration) -> None:
    enrolment = result.enrolment
    text = _("%(name)s är registrerad och inskriven vid %(unit)s från och med %(day)s.") % {
        "name": result.pupil.full_name,
        "unit": enrolment.enroled_at.display_name,
        "day": enrolment.start_date.isoformat(),
    }
    if result.membership is not None:
        text += " " + _("Klass: %(group)s.") % {"group": result.membership.group.display_name}
    names = ", ".join(g.full_name for g in result.guardians)
    text += " " + _("Vårdnadshavare: %(names)s.") % {"names": names}
    if result.linked:
        text += " " + _(
            "%(names)s fanns redan i registret och kopplades; deras uppgifter ändrades inte."
        ) % {"names": ", ".join(g.full_name for g in result.linked)}
    messages.success(request, text)


@require_http_methods(["GET", "POST"])
@login_required
def staff_register(request: HttpRequest) -> HttpResponse:
    """Register a staff member and their duty at an organisation the actor manages."""
    actor = request_actor(request)
    if not organisation_policy.any(actor, Action.CREATE):
        raise Http404("Tjänsten finns inte.")
    preselected = None
    unit_id = request.GET.get("skolenhet")
    if unit_id:
        try:
            preselected = managed_organisations(actor).filter(pk=UUID(unit_id)).first()
        except ValueError:
            preselected = None
    form = StaffRegisterForm(request.POST or None, actor=actor, duty_at=preselected)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.staff_register(
                actor=actor, person=form.person_details(), **form.duty_kwargs()
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            text = _("%(name)s är registrerad som %(role)s vid %(unit)s från och med %(day)s.") % {
                "name": result.person.full_name,
                "role": result.duty.duty_role,
                "unit": result.duty.duty_at.display_name,
                "day": result.duty.start_date.isoformat(),
            }
            if result.linked:
                text += " " + _(
                    "Personen fanns redan i registret; personuppgifterna ändrades inte."
                )
            messages.success(request, text)
            duty = result.duty
            if duty.duty_at.is_school_unit:
                return redirect("school_unit_detail", organisation_id=duty.duty_at_id)
            return redirect("person_detail", person_id=duty.person_id)
    return render(
        request,
        "duties/staff_register.html",
        {"form": form, "error_forms": [form], "has_errors": bool(form.errors)},
    )


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
        raise Http404("Inskrivningen finns inte.")
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
            enrolment, membership = services.pupil_enrol(
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
            new, membership = services.pupil_move_school(
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
            services.pupil_leave_school(
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
