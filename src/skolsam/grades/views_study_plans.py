"""The staff page of a pupil's individual study plan: see it, and (for the unit's rektor,
administrators and SYV) set its period and programme and add or remove a planned course
or subject. Thin: fetch through access, one service call, render."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from skolsam.audit.services import audit_record
from skolsam.core.dates import date_parse
from skolsam.core.errors import DomainError
from skolsam.core.policy import Action
from skolsam.core.views import is_htmx, request_actor
from skolsam.grades.access import StudyPlanPage, study_plan_page_for_actor, study_plan_policy
from skolsam.grades.models import StudyPlanContentType
from skolsam.grades.selectors_study_plans import (
    LIST_LIMIT,
    programme_choices,
    study_plan_list,
    study_plan_view,
    syllabus_choices,
    term_of,
    terms_between,
)
from skolsam.grades.services import (
    study_plan_course_add,
    study_plan_course_remove,
    study_plan_details_set,
)

ACTIONS = ("details", "add", "remove")


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [str(m) for msgs in exc.message_dict.values() for m in msgs]
    return [str(m) for m in exc.messages]


def _date(post: QueryDict, name: str, label: str) -> date | None:
    text = post.get(name, "").strip()
    return date_parse(text, label=label) if text else None


def _points(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 6:
        raise DomainError({"points": _("Poängen ska vara ett heltal, till exempel 100.")})
    return int(text)


def _change(request: HttpRequest, page: StudyPlanPage) -> str:
    """Make the change the form asks for; return what to tell the user."""
    actor = request_actor(request)
    post = request.POST
    action = post.get("action", "")
    if action == "details":
        start = _date(post, "start_date", _("Startdatumet"))
        if start is None:
            raise DomainError({"start_date": _("Ange när studieplanen börjar.")})
        programme_id = post.get("programme", "").strip()
        programme = None
        if programme_id:
            programme = next(
                (p for p in programme_choices(page.school_type) if str(p.pk) == programme_id),
                None,
            )
            if programme is None:
                raise DomainError({"programme": _("Välj ett program ur listan.")})
        study_plan_details_set(
            actor=actor,
            enrolment=page.enrolment,
            start_date=start,
            end_date=_date(post, "end_date", _("Slutdatumet")),
            programme=programme,
        )
        return _("Studieplanens tid och program är sparade.")
    if page.plan is None:
        raise DomainError(_("Ange först när studieplanen börjar."))
    if action == "add":
        course = study_plan_course_add(
            actor=actor,
            enrolment=page.enrolment,
            plan=page.plan,
            content_type=post.get("content_type", ""),
            code=post.get("code", ""),
            term=post.get("term", ""),
            points=_points(post.get("points", "")),
        )
        return _("%(name)s är tillagd i studieplanen.") % {"name": course.syllabus}
    if action == "remove":
        study_plan_course_remove(actor=actor, plan=page.plan, course_id=post.get("course", ""))
        return _("Kursen är borttagen ur studieplanen.")
    raise DomainError(_("Formuläret kunde inte läsas. Läs in sidan på nytt."))


@require_http_methods(["GET"])
@login_required
def study_plans(request: HttpRequest) -> HttpResponse:
    """List the upper-secondary pupils whose study plans the actor sees, a name narrowing
    the list; the list shows names and units only, so it is not audited per pupil."""
    actor = request_actor(request)
    if not study_plan_policy.any(actor, Action.VIEW):
        raise Http404(_("Sidan finns inte."))
    query = request.GET.get("q", "")[:100]
    lines, more = study_plan_list(actor=actor, query=query)
    return render(
        request,
        "grades/study_plans.html",
        {"lines": lines, "more": more, "query": query, "limit": LIST_LIMIT},
    )


@require_http_methods(["GET", "POST"])
@login_required
def study_plan(request: HttpRequest, person_id: UUID, unit_id: UUID) -> HttpResponse:
    """Show the pupil's study plan at the unit, with each course's grade and the points;
    every view is audited under the pupil. A POST makes one change (details, add, remove).

    With htmx a change answers with the plan part in place; without JavaScript a done
    change redirects to the page and a refused one shows the page with the reason (400).
    """
    actor = request_actor(request)
    action = Action.CHANGE if request.method == "POST" else Action.VIEW
    page = study_plan_page_for_actor(actor, person_id, unit_id, action)
    errors: list[str] = []
    done = ""
    if request.method == "POST":
        try:
            done = _change(request, page)
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            if not is_htmx(request):
                messages.success(request, done)
                return redirect(request.path)
            page = study_plan_page_for_actor(actor, person_id, unit_id, action)
    view = study_plan_view(actor=actor, page=page)
    audit_record(
        actor=actor,
        action="grades.study_plan_view",
        object_type="StudyPlan",
        object_id=page.plan.pk if page.plan else None,
        person_id=page.student.pk,
        detail={"organisation": page.organisation.pk, "courses": view.courses},
    )
    plan = page.plan
    start = plan.start_date if plan else page.enrolment.start_date
    end = plan.end_date if plan else page.enrolment.end_date
    context = {
        "page": page,
        "plan": plan,
        "view": view,
        "errors": errors,
        "done": done,
        "posted": request.POST if errors else {},
        "content_types": StudyPlanContentType.choices,
        "terms": terms_between(start, end) if plan else [],
        "current_term": term_of(actor.on).code,
        "syllabuses": syllabus_choices(page.school_type) if page.may_change and plan else [],
        "programmes": programme_choices(page.school_type) if page.may_change else [],
        "default_start": start,
        "default_end": end,
        "default_programme": plan.programme_id if plan else page.enrolment.programme_id,
    }
    template = "grades/_study_plan.html" if is_htmx(request) else "grades/study_plan.html"
    return render(request, template, context, status=400 if errors else 200)
