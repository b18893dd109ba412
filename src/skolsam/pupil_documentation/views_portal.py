"""Serve decisions about special support in the guardian and pupil portal: the pupil's
current action programme or decision not to make one, and each as PDF/A.

Thin views: the decisions are read through `family_decision_policy` (the pupil themself
and the adults who may see the child's records; forbidden looks like missing), never a
report, an investigation or its notes. A protected pupil's unit is left out for a guardian,
as the portal's child page leaves out her school. Every read is audited under the pupil.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from skolsam.audit.services import audit_record
from skolsam.core.access import Actor, may_see_location
from skolsam.core.policy import Action
from skolsam.core.views import request_actor
from skolsam.people.access import children_of, person_for_actor
from skolsam.pupil_documentation.access import (
    FAMILY_DECISION_RELATED,
    family_decision_for_actor,
    family_decision_policy,
    family_decisions_of,
)
from skolsam.pupil_documentation.documents import decision_filename, decision_pdf
from skolsam.pupil_documentation.views_support import pdf_response


def _members(actor: Actor) -> list[Any]:
    """The pupils whose decisions the actor sees: themself, and the children whose
    records they may see (custody; an adult pupil's consent)."""
    members = list(children_of(actor, Action.SEE_RECORDS))
    if actor.person_id is not None and not actor.responsible_for_ids:
        members.insert(0, person_for_actor(actor, actor.person_id))
    return members


@require_GET
@login_required
def family_decisions(request: HttpRequest) -> HttpResponse:
    """List, for each pupil the actor may see, her current decisions (one query for all)."""
    actor = request_actor(request)
    members = _members(actor)
    decisions = list(
        family_decision_policy.objects(actor, Action.VIEW)
        .filter(
            superseded_by__isnull=True,
            investigation__report__student_id__in=[m.pk for m in members],
        )
        .select_related(*FAMILY_DECISION_RELATED)
        .order_by("-decided_on", "-decided_at")
    )
    rows = [
        (m, [d for d in decisions if d.investigation.report.student_id == m.pk]) for m in members
    ]
    if decisions:
        audit_record(
            actor=actor,
            action="support.family_list",
            object_type="SupportDecision",
            detail={"decisions": [str(d.pk) for d in decisions]},
            person_ids=sorted({d.investigation.report.student_id for d in decisions}),
        )
    return render(request, "pupil_documentation/portal/family.html", {"rows": rows})


@require_GET
@login_required
def child_decisions(request: HttpRequest, child_id: UUID) -> HttpResponse:
    """Show one pupil's current decisions in full, each with its PDF."""
    actor = request_actor(request)
    person = _person(actor, child_id)
    decisions = family_decisions_of(actor, person)
    audit_record(
        actor=actor,
        action="support.family_decision_view",
        object_type="Person",
        object_id=person.pk,
        person_id=person.pk,
        detail={"decisions": [str(d.pk) for d in decisions]},
    )
    return render(
        request,
        "pupil_documentation/portal/child.html",
        {
            "person": person,
            "is_self": person.pk == actor.person_id,
            "decisions": decisions,
            "show_unit": may_see_location(actor, person),
        },
    )


@require_GET
@login_required
def decision_pdf_download(request: HttpRequest, decision_id: UUID) -> HttpResponse:
    """Download one current decision as PDF/A, as the rektor made it."""
    actor = request_actor(request)
    decision = family_decision_for_actor(actor, decision_id)
    student = decision.investigation.report.student
    pdf = decision_pdf(decision, show_unit=may_see_location(actor, student))
    audit_record(
        actor=actor,
        action="support.family_decision_pdf",
        object_type="SupportDecision",
        object_id=decision.pk,
        person_id=student.pk,
    )
    return pdf_response(pdf, decision_filename(decision))


def _person(actor: Actor, child_id: UUID) -> Any:
    if actor.person_id is not None and child_id == actor.person_id:
        return person_for_actor(actor, child_id)
    for child in children_of(actor, Action.SEE_RECORDS):
        if child.pk == child_id:
            return child
    raise Http404(_("Eleven finns inte."))
