"""Serve grades in the guardian and pupil portal: published grades and the what-if
merit calculator.

Thin views: the pupil is read through `grades.access` (forbidden looks like missing),
the grades through `grades.family`, the meritvärde through `grades.merit`. The
calculator posts to the pupil's own page; htmx swaps in the result alone.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from skolsam.core.access import Actor
from skolsam.core.policy import Action
from skolsam.core.views import is_htmx, request_actor
from skolsam.grades import family
from skolsam.grades.merit import MeritKind
from skolsam.people.access import children_of, person_for_actor

KIND_LABELS = {
    MeritKind.SUBJECT: gettext_lazy("Ämne"),
    MeritKind.MODERN_LANGUAGE_CHOICE: gettext_lazy("Moderna språk (språkval)"),
    MeritKind.MOTHER_TONGUE: gettext_lazy("Modersmål"),
}


def _members(actor: Actor) -> list[Any]:
    """The pupils whose grades the actor sees: themself, and children whose records
    they may see (custody; an adult pupil's consent)."""
    members = list(children_of(actor, Action.SEE_RECORDS))
    if actor.person_id is not None and not actor.responsible_for_ids:
        members.insert(0, person_for_actor(actor, actor.person_id))
    return members


@require_GET
@login_required
def family_grades(request: HttpRequest) -> HttpResponse:
    """List whose grades the actor may see; straight to the page when there is one."""
    actor = request_actor(request)
    members = _members(actor)
    if len(members) == 1:
        return redirect("grades_portal:child", child_id=members[0].pk)
    return render(request, "grades/portal/family.html", {"members": members})


@require_http_methods(["GET", "POST"])
@login_required
def child_grades(request: HttpRequest, child_id: UUID) -> HttpResponse:
    """Show one pupil's published grades and the what-if merit calculator."""
    actor = request_actor(request)
    if child_id == actor.person_id:
        person = person_for_actor(actor, child_id)
    else:
        person = _child(actor, child_id)
    table, rows = family.grades_page(actor, person)
    result = family.merit_of(rows)
    error = ""
    status = 200
    if request.method == "POST":
        try:
            rows, result = family.merit_from_post(rows, request.POST)
        except family.MeritInputError as exc:
            error, status = str(exc), 400
    context = {
        "person": person,
        "is_self": person.pk == actor.person_id,
        "table": table,
        "rows": rows,
        "result": result,
        "error": error,
        "values": family.MERIT_VALUES,
        "kinds": [(k.value, label) for k, label in KIND_LABELS.items()],
    }
    if request.method == "POST" and is_htmx(request):
        return render(request, "grades/portal/_merit_result.html", context, status=status)
    return render(request, "grades/portal/child.html", context, status=status)


def _child(actor: Actor, child_id: UUID) -> Any:
    for child in children_of(actor, Action.SEE_RECORDS):
        if child.pk == child_id:
            return child
    raise Http404(_("Eleven finns inte."))
