"""Serve the administrators' person pages: change a person, manage their schooling.

Registering a pupil with guardians is `registration.views.pupil_register`.
"""

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
from skolsam.core.policy import Action
from skolsam.core.views import request_actor
from skolsam.duties.access import duty_policy
from skolsam.enrolment.access import enrolment_policy
from skolsam.groups.access import group_policy
from skolsam.people.access import may_edit_person, person_for_actor
from skolsam.people.forms import (
    AddressFormSet,
    EmailFormSet,
    PersonEditForm,
    PhoneFormSet,
    address_initial,
    address_rows,
)
from skolsam.people.selectors import person_card
from skolsam.people.services import StaleVersion, person_update

_NOT_FOUND = "Personen finns inte."


def editable_person(request: HttpRequest, person_id: UUID) -> Any:
    """Return the person if the actor may change them; 404 otherwise, as for a missing one."""
    actor = request_actor(request)
    person = person_for_actor(actor, person_id)
    if not may_edit_person(actor, person):
        raise Http404(_NOT_FOUND)
    return person


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
        {
            "card": card,
            "today": actor.on,
            # What the administrator may end or move here: each row's own policy decides.
            "changeable_enrolments": {
                e.pk for e in card.enrolments if enrolment_policy.can(actor, Action.CHANGE, e)
            },
            "changeable_memberships": {
                m.pk for m in card.memberships if group_policy.can(actor, Action.CHANGE, m.group)
            },
            "changeable_duties": {
                d.pk for d in card.duties if duty_policy.can(actor, Action.CHANGE, d)
            },
        },
    )
