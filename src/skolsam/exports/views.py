"""Serve class lists and school units' pupil lists as CSV and Excel downloads.

Only administrators of the organisation (EXPORT in `groups.access.group_policy` and
`organisations.access.organisation_policy`) may export: a
file of pupils and guardians' contact details leaves the system's access control once it
is downloaded. Everyone else gets 404, like a missing class.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from skolsam.audit.access import audit_policy
from skolsam.audit_search.forms import AuditSearchForm
from skolsam.core.dates import date_param
from skolsam.core.errors import DomainError
from skolsam.core.policy import Action
from skolsam.core.views import request_actor
from skolsam.exports.services import (
    ExportFile,
    audit_log_export,
    class_list_export,
    school_unit_pupils_export,
)
from skolsam.groups.access import group_for_actor, group_policy
from skolsam.organisations.access import organisation_for_actor, organisation_policy


class BadQuery(ValueError):
    """A query parameter is malformed; the message says which, in Swedish."""


def _day(request: HttpRequest) -> date | None:
    """Read `?datum=ÅÅÅÅ-MM-DD`: the list as of that day (default today).

    An impossible or out-of-range date raises `BadParameter`, answered with 400 by
    `core.middleware` like every other date in an address.
    """
    return date_param(request.GET, "datum", default=None, label=_("Datumet"))


def _bad(exc: BadQuery) -> HttpResponse:
    return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")


def _download(exported: ExportFile) -> HttpResponse:
    response = HttpResponse(exported.content, content_type=exported.content_type)
    response["Content-Disposition"] = content_disposition_header(True, exported.file_name)
    # Personal data: never kept by a browser or proxy cache.
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def class_list_download(request: HttpRequest, group_id: UUID, fmt: str) -> HttpResponse:
    """Download a class list with the guardians' contact details; `?datum=` for another day."""
    actor = request_actor(request)
    group = group_for_actor(actor, group_id)
    if not group_policy.can(actor, Action.EXPORT, group):
        raise Http404("Gruppen finns inte.")
    day = _day(request)
    return _download(class_list_export(actor=actor, group=group, fmt=fmt, on=day))


@login_required
@require_GET
def school_unit_pupils_download(
    request: HttpRequest, organisation_id: UUID, fmt: str
) -> HttpResponse:
    """Download a school unit's pupils by school year; `?arskurs=5` for one year only."""
    actor = request_actor(request)
    unit = organisation_for_actor(actor, organisation_id)
    if not organisation_policy.can(actor, Action.EXPORT, unit):
        raise Http404("Organisationen finns inte.")
    year_text = request.GET.get("arskurs", "").strip()
    try:
        day = _day(request)
        if year_text and not (year_text.isdigit() and 0 <= int(year_text) <= 10):
            raise BadQuery(_("Årskursen ska vara ett heltal mellan 0 och 10."))
    except BadQuery as exc:
        return _bad(exc)
    school_year = int(year_text) if year_text else None
    return _download(
        school_unit_pupils_export(
            actor=actor, school_unit=unit, fmt=fmt, on=day, school_year=school_year
        )
    )


@login_required
@require_GET
def audit_log_download(request: HttpRequest) -> HttpResponse:
    """Download the auditors' search result (same parameters as /audit/) as CSV."""
    actor = request_actor(request)
    if not audit_policy.any(actor, Action.EXPORT):
        raise Http404("Sidan finns inte.")
    form = AuditSearchForm(request.GET, today=actor.on)
    if not form.is_valid():
        return _bad(BadQuery(" ".join(str(m) for msgs in form.errors.values() for m in msgs)))
    try:
        exported = audit_log_export(actor=actor, filters=form.filters())
    except DomainError as exc:
        return _bad(BadQuery(" ".join(exc.messages)))
    return _download(exported)
