"""Serve the school unit page: groups, staff and pupils by school year."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from skolsam.audit.services import audit_person_read, audit_record
from skolsam.core.access import Actor
from skolsam.core.choices import SchoolType
from skolsam.core.policy import Action
from skolsam.core.views import is_htmx, request_actor
from skolsam.organisations.access import organisation_for_actor, organisation_policy
from skolsam.organisations.selectors import school_unit_overview, school_unit_pupils

_NOT_FOUND = "Organisationen finns inte."


def _school_unit(request: HttpRequest, organisation_id: UUID) -> tuple[Actor, Any]:
    actor = request_actor(request)
    unit = organisation_for_actor(actor, organisation_id)
    if not unit.is_school_unit:
        raise Http404(_NOT_FOUND)
    return actor, unit


@require_GET
@login_required
def school_unit_detail(request: HttpRequest, organisation_id: UUID) -> HttpResponse:
    """Show a school unit to the staff who work there; 404 for everyone else."""
    actor, unit = _school_unit(request, organisation_id)
    overview = school_unit_overview(actor=actor, unit=unit)
    return render(request, "organisations/school_unit.html", {"o": overview, "actor": actor})


@require_GET
@login_required
def school_unit_pupils_view(request: HttpRequest, organisation_id: UUID) -> HttpResponse:
    """List one school year's pupils at the unit; htmx gets the list alone."""
    actor, unit = _school_unit(request, organisation_id)
    if not organisation_policy.can(actor, Action.VIEW_PUPILS, unit):
        raise Http404(_NOT_FOUND)
    school_type = request.GET.get("skolform", "")
    if school_type not in SchoolType.values:
        raise Http404(_NOT_FOUND)
    year_text = request.GET.get("arskurs", "")
    try:
        school_year = int(year_text) if year_text else None
    except ValueError:
        raise Http404(_NOT_FOUND) from None
    rows = school_unit_pupils(
        actor=actor, unit=unit, school_type=school_type, school_year=school_year
    )
    # A list of names at a school is a read of each of them; protected pupils get their
    # own entry so that the person's log shows who saw where they go to school.
    audit_record(
        actor=actor,
        action="school_unit.pupils",
        object_type="Organisation",
        object_id=unit.pk,
        detail={
            "school_type": school_type,
            "school_year": school_year,
            "persons": [str(r.person.pk) for r in rows],
        },
    )
    for row in rows:
        if row.person.is_protected:
            audit_person_read(actor=actor, person=row.person, action="school_unit.pupils")
    context = {
        "unit": unit,
        "rows": rows,
        "school_type": SchoolType(school_type),
        "school_year": school_year,
        "on": actor.on,
    }
    template = (
        "organisations/_year_pupils.html" if is_htmx(request) else "organisations/year_pupils.html"
    )
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response
