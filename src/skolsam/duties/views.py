"""Serve the staff forms: add and end duties, give a duty a role in a group.

Registering a staff member with a duty is `registration.views.staff_register`.
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
from skolsam.core.policy import Action
from skolsam.core.views import request_actor
from skolsam.duties import services
from skolsam.duties.access import duty_policy
from skolsam.duties.forms import (
    AssignmentRoleForm,
    DutyEndForm,
    DutyFieldsForm,
)
from skolsam.groups.access import group_for_actor, group_policy
from skolsam.organisations.selectors import organisation_duties
from skolsam.people.access import may_edit_person, person_for_actor

_NOT_FOUND = "Tjänsten finns inte."


def duty_to_manage(actor: Actor, duty_id: UUID) -> Any:
    """Return a duty at an organisation the actor manages, held by a person they may see.

    Built on the access layer: the organisation check is `duties.access.duty_policy`'s CHANGE,
    the holder must come through `person_for_actor`. 404 otherwise, as for a missing duty.
    """
    duty = (
        duty_policy.objects(actor, Action.CHANGE)
        .filter(pk=duty_id)
        .select_related("duty_at")
        .first()
    )
    if duty is None:
        raise Http404(_NOT_FOUND)
    duty.person = person_for_actor(actor, duty.person_id)
    return duty


def _redirect_after(duty: Any) -> HttpResponse:
    if duty.duty_at.is_school_unit:
        return redirect("school_unit_detail", organisation_id=duty.duty_at_id)
    return redirect("person_detail", person_id=duty.person_id)


@require_http_methods(["GET", "POST"])
@login_required
def duty_create(request: HttpRequest, person_id: UUID) -> HttpResponse:
    """Give a registered person a duty at an organisation the actor manages."""
    actor = request_actor(request)
    person = person_for_actor(actor, person_id)
    if not may_edit_person(actor, person):
        raise Http404("Personen finns inte.")
    form = DutyFieldsForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        try:
            duty = services.duty_create(actor=actor, person=person, **form.duty_kwargs())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(
                request,
                _("%(name)s har tjänsten %(role)s vid %(unit)s från och med %(day)s.")
                % {
                    "name": person.full_name,
                    "role": duty.duty_role,
                    "unit": duty.duty_at.display_name,
                    "day": duty.start_date.isoformat(),
                },
            )
            return redirect("person_manage", person_id=person.pk)
    return render(
        request,
        "duties/duty_form.html",
        {"person": person, "form": form, "error_forms": [form], "has_errors": bool(form.errors)},
    )


@require_http_methods(["GET", "POST"])
@login_required
def duty_end(request: HttpRequest, duty_id: UUID) -> HttpResponse:
    """End a duty on a day; the row stays as history."""
    actor = request_actor(request)
    duty = duty_to_manage(actor, duty_id)
    form = DutyEndForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        end_date = form.cleaned_data["end_date"]
        try:
            services.duty_end(actor=actor, duty=duty, end_date=end_date)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(
                request,
                _("%(name)s har tjänsten %(role)s vid %(unit)s till och med %(day)s.")
                % {
                    "name": duty.person.full_name,
                    "role": duty.duty_role,
                    "unit": duty.duty_at.display_name,
                    "day": end_date.isoformat(),
                },
            )
            return _redirect_after(duty)
    return render(
        request,
        "duties/duty_end.html",
        {"duty": duty, "form": form, "error_forms": [form], "has_errors": bool(form.errors)},
    )


@require_http_methods(["GET", "POST"])
@login_required
def assignment_role_add(request: HttpRequest, group_id: UUID) -> HttpResponse:
    """Give a staff member's duty a role in a group, e.g. mentor for a class."""
    actor = request_actor(request)
    group = group_for_actor(actor, group_id)
    if not group_policy.can(actor, Action.CHANGE, group):
        raise Http404("Gruppen finns inte.")
    duties = organisation_duties(actor=actor, organisation=group.organisation).select_related(
        "duty_at"
    )
    form = AssignmentRoleForm(request.POST or None, actor=actor, duties=duties)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            role = services.assignment_role_add(
                actor=actor,
                duty=data["duty"],
                group=group,
                assignment_role_type=data["assignment_role_type"],
                start_date=data["start_date"],
                end_date=data["end_date"],
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(
                request,
                _("%(name)s är %(role)s för %(group)s från och med %(day)s.")
                % {
                    "name": data["duty"].person.full_name,
                    "role": role.assignment_role_type.lower(),
                    "group": group.display_name,
                    "day": role.start_date.isoformat(),
                },
            )
            return redirect("group_detail", group_id=group.pk)
    return render(
        request,
        "duties/assignment_role_form.html",
        {"group": group, "form": form, "error_forms": [form], "has_errors": bool(form.errors)},
    )
