"""Serve the administrators' person pages: register a pupil, change a person, manage schooling."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from skolsam.audit.services import audit_person_read
from skolsam.core.errors import DomainError
from skolsam.core.forms import route_domain_error
from skolsam.core.views import is_htmx, request_actor
from skolsam.enrolment.forms import PlacementFieldsForm
from skolsam.organisations.forms import managed_school_units
from skolsam.people import registration
from skolsam.people.access import may_edit_person, person_for_actor, persons_visible_to
from skolsam.people.forms import (
    AddressFormSet,
    EmailFormSet,
    GuardianForm,
    PersonEditForm,
    PhoneFormSet,
    PupilForm,
    address_initial,
    address_rows,
)
from skolsam.people.selectors import person_card
from skolsam.people.services import StaleVersion, person_update

_NOT_FOUND = "Personen finns inte."


def _uuid_or_none(text: str | None) -> UUID | None:
    try:
        return UUID(str(text)) if text else None
    except ValueError:
        return None


def editable_person(request: HttpRequest, person_id: UUID) -> Any:
    """Return the person if the actor may change them; 404 otherwise, as for a missing one."""
    actor = request_actor(request)
    person = person_for_actor(actor, person_id)
    if not may_edit_person(actor, person):
        raise Http404(_NOT_FOUND)
    return person


@require_http_methods(["GET", "POST"])
@login_required
def pupil_register(request: HttpRequest) -> HttpResponse:
    """Register a new pupil with one or two guardians, enrolled at a unit, in one step."""
    actor = request_actor(request)
    if not actor.admin_org_ids:
        raise Http404(_NOT_FOUND)
    units = managed_school_units(actor)
    if request.method == "GET" and is_htmx(request):
        # The unit changed: send the school types and classes it offers.
        unit_id = _uuid_or_none(request.GET.get("enrolment-school_unit"))
        unit = units.filter(pk=unit_id).first() if unit_id else None
        placement = PlacementFieldsForm(prefix="enrolment", actor=actor, unit=unit)
        return render(request, "enrolment/_placement_dependent.html", {"placement": placement})

    data = request.POST if request.method == "POST" else None
    unit_id = _uuid_or_none(request.GET.get("skolenhet"))
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
            result = registration.pupil_register(
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


def _registered_message(request: HttpRequest, result: registration.PupilRegistration) -> None:
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


def _contact_formsets(data: Any, person: Any) -> tuple[Any, Any, Any]:
    emails = EmailFormSet(
        data,
        prefix="emails",
        initial=[{"type": e.get("type"), "value": e.get("value")} for e in person.emails or []],
    )
    phones = PhoneFormSet(
        data,
        prefix="phones",
        initial=[
            {"type": p.get("type"), "value": p.get("value"), "mobile": p.get("mobile", True)}
            for p in person.phone_numbers or []
        ],
    )
    addresses = AddressFormSet(
        data, prefix="addresses", initial=address_initial(person.addresses or [])
    )
    return emails, phones, addresses


@require_http_methods(["GET", "POST"])
@login_required
def person_edit(request: HttpRequest, person_id: UUID) -> HttpResponse:
    """Change a person's names and contact details, refusing to overwrite someone else's save.

    The form carries the person's `version`; if someone saved in between, nothing is saved,
    the user's input stays in the form, and the page shows what is saved now.
    """
    actor = request_actor(request)
    person = editable_person(request, person_id)
    data = request.POST if request.method == "POST" else None
    form = PersonEditForm(
        data,
        initial={
            "given_name": person.given_name,
            "middle_name": person.middle_name,
            "family_name": person.family_name,
            "version": person.version,
        },
    )
    emails, phones, addresses = _contact_formsets(data, person)
    forms = [form, *emails.forms, *phones.forms, *addresses.forms]
    saved_now = None
    if data is None:
        audit_person_read(actor=actor, person=person, action="person.edit_form")
    elif all([form.is_valid(), emails.is_valid(), phones.is_valid(), addresses.is_valid()]):
        try:
            person_update(
                actor=actor,
                person=person,
                version=form.cleaned_data["version"],
                given_name=form.cleaned_data["given_name"],
                middle_name=form.cleaned_data["middle_name"],
                family_name=form.cleaned_data["family_name"],
                emails=[{"type": r["type"], "value": r["value"]} for r in emails.rows()],
                phone_numbers=[
                    {"type": r["type"], "value": r["value"], "mobile": r["mobile"]}
                    for r in phones.rows()
                ],
                addresses=address_rows(addresses, person.addresses or []),
            )
        except StaleVersion as error:
            # Keep what the user typed, show what is saved now, and let a deliberate second
            # save go through: the form now carries the version the user has seen.
            saved_now = person_for_actor(actor, person.pk)
            rebound = data.copy()
            rebound["version"] = str(saved_now.version)
            form = PersonEditForm(rebound)
            form.is_valid()
            form.add_domain_error(error)
            forms[0] = form
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(
                request, _("Uppgifterna för %(name)s är sparade.") % {"name": person.full_name}
            )
            return redirect("person_detail", person_id=person.pk)
    return render(
        request,
        "people/person_edit.html",
        {
            "person": person,
            "form": form,
            "formsets": [
                (_("E-post"), emails),
                (_("Telefon"), phones),
                (_("Adresser"), addresses),
            ],
            "saved_now": saved_now,
            "error_forms": forms,
            "extra_errors": [e for fs in (emails, phones, addresses) for e in fs.non_form_errors()],
            "has_errors": any(f.errors for f in forms)
            or any(fs.non_form_errors() for fs in (emails, phones, addresses)),
        },
    )


@require_GET
@login_required
def person_manage(request: HttpRequest, person_id: UUID) -> HttpResponse:
    """Show a person's enrolments, groups and duties with what the administrator can do."""
    actor = request_actor(request)
    person = editable_person(request, person_id)
    card = person_card(actor=actor, person=person)
    audit_person_read(actor=actor, person=person)
    return render(
        request,
        "people/person_manage.html",
        {"card": card, "today": actor.on, "managed": actor.admin_org_ids},
    )
