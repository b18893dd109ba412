"""Serve the person search and the person card."""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from skolsam.audit.services import audit_person_read
from skolsam.core.views import is_htmx, request_actor
from skolsam.people.access import person_for_actor
from skolsam.people.civicno import PREFIX_MIN_DIGITS
from skolsam.people.selectors import SEARCH_LIMIT, SEARCH_MIN_LENGTH, person_card, person_search


@require_GET
@login_required
def person_search_view(request: HttpRequest) -> HttpResponse:
    """Search persons by name or civic number; htmx gets only the result list."""
    actor = request_actor(request)
    result = person_search(actor=actor, query=request.GET.get("q", ""))
    # Looking up a protected person is an access to them, even before the card is opened.
    for person in result.persons:
        if person.is_protected:
            audit_person_read(actor=actor, person=person, action="person.search")
    context = {
        "result": result,
        "limit": SEARCH_LIMIT,
        "min_length": SEARCH_MIN_LENGTH,
        "prefix_min_digits": PREFIX_MIN_DIGITS,
    }
    template = "people/search_results.html" if is_htmx(request) else "people/search.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
@login_required
def person_detail(request: HttpRequest, person_id: UUID) -> HttpResponse:
    """Show one person's card, as much of it as the actor may see, and log the view."""
    actor = request_actor(request)
    person = person_for_actor(actor, person_id)
    card = person_card(actor=actor, person=person)
    audit_person_read(actor=actor, person=person)
    return render(request, "people/person_detail.html", {"card": card, "today": actor.on})
