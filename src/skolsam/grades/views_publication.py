"""Serve the rektor's "Publicera betyg" page: the unit's grading periods, and a button to
publish a closed one (`grades.services.publication.grading_period_publish`)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from skolsam.core.errors import DomainError
from skolsam.core.policy import Action
from skolsam.core.views import request_actor
from skolsam.grades.access import grading_period_policy
from skolsam.grades.services.publication import grading_period_publish


@require_http_methods(["GET", "POST"])
@login_required
def publish(request: HttpRequest) -> HttpResponse:
    """List the periods the actor decides for; publish the one posted."""
    actor = request_actor(request)
    if not grading_period_policy.any(actor, Action.DECIDE):
        raise Http404(_("Sidan finns inte."))
    periods = grading_period_policy.objects(actor, Action.DECIDE).select_related(
        "organisation", "published_by"
    )
    status = 200
    if request.method == "POST":
        period = grading_period_policy.get(
            actor, Action.DECIDE, request.POST.get("period", ""), _("Betygsperioden finns inte.")
        )
        try:
            grading_period_publish(actor=actor, period=period)
        except DomainError as exc:
            messages.error(request, "; ".join(exc.messages))
            status = 400
        else:
            messages.success(
                request,
                _("Betygen för %(kind)s %(term)s %(year)s vid %(unit)s är publicerade.")
                % {
                    "kind": period.get_kind_display().lower(),
                    "term": period.semester,
                    "year": period.year,
                    "unit": period.organisation.display_name,
                },
            )
            return redirect("grade_publication:publish")
    return render(
        request,
        "grades/publication.html",
        {"periods": periods.order_by("organisation__display_name", "-year", "semester", "kind")},
        status=status,
    )
