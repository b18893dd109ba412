"""Serve the auditors' search of the audit log."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from skolsam.audit.access import audit_policy
from skolsam.audit.selectors import audit_entry_list
from skolsam.audit.services import audit_record
from skolsam.audit_search.forms import AuditSearchForm
from skolsam.audit_search.selectors import audit_rows
from skolsam.core.policy import Action
from skolsam.core.views import request_actor

PAGE_SIZE = 50


@require_GET
@login_required
def audit_search(request: HttpRequest) -> HttpResponse:
    """Search the log by person, actor, action and dates; the search itself is logged."""
    actor = request_actor(request)
    if not audit_policy.any(actor, Action.VIEW):
        # Like a missing page: the log's existence is nobody else's business.
        raise Http404("Sidan finns inte.")
    form = AuditSearchForm(request.GET, today=actor.on)
    page = None
    rows: list = []
    if form.is_valid():
        filters = form.filters()
        page = Paginator(audit_entry_list(**filters), PAGE_SIZE).get_page(request.GET.get("sida"))
        # Read the page before logging, so the entry about this search is not in it.
        page.object_list = list(page.object_list)
        rows = audit_rows(actor=actor, entries=page.object_list)
        audit_record(
            actor=actor,
            action="audit.search",
            object_type="AuditEntry",
            person_id=filters["person_id"],
            detail={**filters, "page": page.number},
        )
    return render(
        request,
        "audit_search/search.html",
        {"form": form, "page": page, "rows": rows},
        status=400 if form.errors else 200,
    )
