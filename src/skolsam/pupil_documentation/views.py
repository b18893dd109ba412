"""The staff pages of extra adaptations: a pupil's adaptations (record one), one adaptation
(evaluate it: continue or end), and a school unit's pupils with active adaptations and
follow-ups due. Thin: fetch through access, one service or selector call, audit the read
under the pupil, render."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from skolsam.audit.services import audit_record
from skolsam.core.choices import OrganisationType
from skolsam.core.policy import Action
from skolsam.core.views import request_actor
from skolsam.organisations.access import organisation_for_actor, organisations_visible_to
from skolsam.pupil_documentation import selectors
from skolsam.pupil_documentation.access import (
    adaptation_for_actor,
    adaptation_policy,
    pupil_for_documentation,
    units_to_record_at,
)
from skolsam.pupil_documentation.forms import AdaptationForm, EvaluationForm
from skolsam.pupil_documentation.models import Outcome
from skolsam.pupil_documentation.services import adaptation_evaluate, adaptation_record


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [str(m) for msgs in exc.message_dict.values() for m in msgs]
    return [str(m) for m in exc.messages]


def _form_errors(form: object) -> list[str]:
    return [str(m) for msgs in form.errors.values() for m in msgs]  # type: ignore[attr-defined]


@require_GET
@login_required
def index(request: HttpRequest) -> HttpResponse:
    """List the school units where the actor works, each leading to its adaptations."""
    actor = request_actor(request)
    # The staff menu leads everyone here: whoever sees no adaptation gets the empty list.
    units = (
        organisations_visible_to(actor)
        .filter(organisation_type=OrganisationType.SKOLENHET)
        .order_by("display_name")
        if adaptation_policy.any(actor, Action.VIEW)
        else organisations_visible_to(actor).none()
    )
    return render(request, "pupil_documentation/index.html", {"units": units})


@require_GET
@login_required
def unit(request: HttpRequest, organisation_id: UUID) -> HttpResponse:
    """Show a unit's pupils with active adaptations, follow-ups due first, as the actor may
    see them (the rektor and pupil health all, a teacher or mentor their pupils')."""
    actor = request_actor(request)
    organisation = organisation_for_actor(actor, organisation_id)
    if not adaptation_policy.any(actor, Action.VIEW):
        raise Http404(_("Organisationen finns inte."))
    rows = selectors.unit_adaptations(actor=actor, organisation=organisation)
    audit_record(
        actor=actor,
        action="adaptation.unit_list",
        object_type="Organisation",
        object_id=organisation.pk,
        detail={"pupils": len(rows)},
        person_ids=[r.student.pk for r in rows],
    )
    due = [r for r in rows if r.next_follow_up <= actor.on]
    later = [r for r in rows if r.next_follow_up > actor.on]
    return render(
        request,
        "pupil_documentation/unit.html",
        {"organisation": organisation, "due": due, "later": later, "today": actor.on},
    )


@require_http_methods(["GET", "POST"])
@login_required
def pupil(request: HttpRequest, person_id: UUID) -> HttpResponse:
    """Show a pupil's adaptations, the active ones first, and record a new one."""
    actor = request_actor(request)
    student = pupil_for_documentation(actor, person_id)
    units = units_to_record_at(actor, student)
    subjects = {
        s.pk: s
        for u in units
        for s in selectors.subjects_of(student=student, organisation=u, day=actor.on)
    }
    form = AdaptationForm(
        request.POST if request.method == "POST" else None,
        units=units,
        subjects=list(subjects.values()),
        initial={"start_date": actor.on},
    )
    errors: list[str] = []
    if request.method == "POST":
        if not units:
            raise Http404(_("Personen finns inte."))
        if form.is_valid():
            try:
                adaptation_record(
                    actor=actor,
                    student=student,
                    organisation=form.chosen_unit(),
                    syllabus=form.chosen_syllabus(),
                    description=form.cleaned_data["description"],
                    start_date=form.cleaned_data["start_date"],
                    follow_up_date=form.cleaned_data["follow_up_date"],
                )
            except ValidationError as exc:
                errors = _errors(exc)
            else:
                messages.success(request, _("Anpassningen är dokumenterad."))
                return redirect("pupil_documentation:pupil", student.pk)
        else:
            errors = _form_errors(form)
    adaptations = selectors.pupil_adaptations(actor=actor, student=student)
    audit_record(
        actor=actor,
        action="adaptation.view",
        object_type="Person",
        object_id=student.pk,
        person_id=student.pk,
        detail={"adaptations": [str(a.pk) for a in adaptations]},
    )
    return render(
        request,
        "pupil_documentation/pupil.html",
        {
            "student": student,
            "adaptations": adaptations,
            "form": form if units else None,
            "errors": errors,
            "today": actor.on,
        },
        status=400 if errors else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def adaptation(request: HttpRequest, adaptation_id: UUID) -> HttpResponse:
    """Show one adaptation with its evaluations, and evaluate it: it continues or ends."""
    actor = request_actor(request)
    found = adaptation_for_actor(actor, adaptation_id)
    may_evaluate = found.ended_at is None and adaptation_policy.can(actor, Action.FOLLOW_UP, found)
    form = EvaluationForm(
        request.POST if request.method == "POST" else None,
        initial={"evaluated_on": actor.on, "outcome": Outcome.CONTINUE},
    )
    errors: list[str] = []
    if request.method == "POST":
        if not may_evaluate:
            errors = [_("Anpassningen är redan avslutad.")]
        elif form.is_valid():
            try:
                adaptation_evaluate(
                    actor=actor,
                    adaptation=found,
                    evaluated_on=form.cleaned_data["evaluated_on"],
                    effect=form.cleaned_data["effect"],
                    outcome=form.cleaned_data["outcome"],
                    next_follow_up=form.cleaned_data.get("next_follow_up"),
                )
            except ValidationError as exc:
                errors = _errors(exc)
            else:
                messages.success(request, _("Utvärderingen är sparad."))
                return redirect("pupil_documentation:pupil", found.student_id)
        else:
            errors = _form_errors(form)
    audit_record(
        actor=actor,
        action="adaptation.view",
        object_type="Adaptation",
        object_id=found.pk,
        person_id=found.student_id,
    )
    return render(
        request,
        "pupil_documentation/adaptation.html",
        {
            "adaptation": found,
            "evaluations": list(found.evaluations.select_related("recorded_by")),
            "form": form if may_evaluate else None,
            "errors": errors,
            "today": actor.on,
        },
        status=400 if errors else 200,
    )
