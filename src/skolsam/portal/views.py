"""Serve the guardian and pupil portal: start cards, a child's page, absence, leave, notices.

The portal owns no domain logic. Each view authenticates, fetches the child through the
access layer (`attendance.access.child_for_guardian`, `child_policy`), calls the domains'
selectors (`attendance.family`) and services (`attendance.services.*`), and lays out what
the domains declare as portal sections (`core.portal`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from skolsam.attendance import access as attendance_access
from skolsam.attendance import family, notices
from skolsam.attendance.forms import ScheduleForm
from skolsam.attendance.models import AbsenceType, LeaveStatus, NoticeKind
from skolsam.attendance.reminders import absence_today_url
from skolsam.attendance.services.absence import (
    absence_end_early,
    absence_report_many,
    absence_withdraw,
    day_span,
)
from skolsam.attendance.services.leave import leave_request_consent, leave_request_create
from skolsam.attendance.services.preschool import (
    attendance_schedule_submit,
    holiday_schedule_submit,
)
from skolsam.core.access import Actor, may_see_location
from skolsam.core.humandates import human_day
from skolsam.core.policy import Action
from skolsam.core.portal import Audience, sections_for
from skolsam.core.views import request_actor
from skolsam.people.access import (
    child_policy,
    children_of,
    consents_of_adult_pupil,
    is_adult_on,
    person_for_actor,
    person_policy,
    responsibles_of_child,
)
from skolsam.people.services import adult_consent_set, person_contact_update
from skolsam.portal.forms import AbsenceForm, ContactForm, LeaveForm
from skolsam.schedule import calendar
from skolsam.schedule.access import get_or_404
from skolsam.schedule.selectors import calendar_of
from skolsam.schedule.services import feeds


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [str(m) for msgs in exc.message_dict.values() for m in msgs]
    return [str(m) for m in exc.messages]


def audience_of(actor: Actor) -> Audience:
    """A guardian if responsible for a child, else a pupil."""
    return "guardian" if actor.responsible_for_ids else "pupil"


def _family(actor: Actor) -> list[Any]:
    """Return the persons the portal shows the actor: their children, and themself if a pupil."""
    members = list(children_of(actor))
    if family.is_enrolled(actor=actor, day=actor.on):
        members.insert(0, person_for_actor(actor, actor.person_id))  # type: ignore[arg-type]
    return members


def _member(actor: Actor, person_id: UUID) -> Any:
    """Return the actor themself or one of their children; 404 like missing for anyone else."""
    if person_id == actor.person_id:
        return person_for_actor(actor, person_id)
    return attendance_access.child_for_guardian(actor, person_id)


def _may_report(actor: Actor, person: Any) -> bool:
    if person.pk == actor.person_id:
        return is_adult_on(person, actor.on)
    return child_policy.can(actor, Action.REPORT_ABSENCE, person)


def _reportable(actor: Actor, members: list[Any]) -> list[Any]:
    return [m for m in members if _may_report(actor, m)]


@dataclass
class Card:
    person: Any
    overview: family.Overview
    is_self: bool
    may_report: bool
    placements: list[Any]
    counts: list[tuple[str, int, str]] = field(default_factory=list)

    @property
    def status(self) -> str:
        """Say in a line where the child is today, as far as the school knows."""
        today = self.overview.today
        now = timezone.now()
        ongoing = [a for a in today.absences if a.start_time <= now < a.end_time]
        if ongoing or today.absences:
            absence = (ongoing or today.absences)[0]
            label = (
                _("Beviljad ledighet")
                if absence.type == AbsenceType.LEDIGHET
                else _("Anmäld frånvaro")
            )
            from skolsam.core.humandates import human_period

            return f"{label}: {human_period(absence.start_time, absence.end_time)}"
        if today.checked_out:
            return _("Hämtad %(time)s") % {
                "time": timezone.localtime(today.checked_out.time).strftime("%H:%M")
            }
        if today.checked_in:
            return _("Incheckad %(time)s") % {
                "time": timezone.localtime(today.checked_in.time).strftime("%H:%M")
            }
        if today.marked:
            return _("Närvarande på %(present)s av %(marked)s registrerade lektioner") % {
                "present": today.present_lessons,
                "marked": len(today.marked),
            }
        if [v for v in today.lessons if not v.cancelled]:
            return _("Ingen frånvaro registrerad i dag")
        return _("Inga lektioner i dag")


@require_GET
@login_required
def start(request: HttpRequest) -> HttpResponse:
    """Show one card per child (and the pupil's own): today, check-ins, counts, next days."""
    actor = request_actor(request)
    return _start_page(request, actor)


def _start_page(request: HttpRequest, actor: Actor, preview: Any = None) -> HttpResponse:
    members = _family(actor)
    if not members:
        if not getattr(request, "portal_only", False) and preview is None:
            # Staff with no children of their own: not their page.
            raise Http404("Sidan finns inte.")
        return render(
            request,
            "portal/start.html",
            {
                "cards": [],
                "audience": audience_of(actor),
                "no_person": actor.person_id is None,
                "preview": preview,
            },
        )
    ids = [m.pk for m in members]
    overviews = family.overviews_of(actor=actor, person_ids=ids, day=actor.on)
    placements = family.placements_of(actor=actor, person_ids=ids, day=actor.on)
    cards = [
        Card(
            person=m,
            overview=overviews[m.pk],
            is_self=m.pk == actor.person_id,
            may_report=_may_report(actor, m) and preview is None,
            placements=placements.get(m.pk, []),
        )
        for m in members
    ]
    own_counts = []
    for section in sections_for(audience_of(actor)):
        if section.summary is None:
            continue
        counts = section.summary(actor, actor.on)
        url = reverse(section.url_name) if section.url_name and preview is None else ""
        for card in cards:
            if counts.get(card.person.pk):
                card.counts.append((str(section.title), counts[card.person.pk], url))
        if counts.get(None):
            own_counts.append((str(section.title), counts[None], url))
    return render(
        request,
        "portal/start.html",
        {
            "cards": cards,
            "own_counts": own_counts,
            "may_report_any": preview is None and any(c.may_report for c in cards),
            "audience": audience_of(actor),
            "preview": preview,
        },
    )


def _term(unit: Any, day: date) -> tuple[date, date, str]:
    """Return the term around `day` at the unit, or the last eight weeks if none is set."""
    if unit is not None:
        for term in calendar_of(organisation_id=unit.pk, today=day).terms:
            if term.start_date <= day <= term.end_date:
                return term.start_date, day, term.name
    return calendar.week_start(day) - timedelta(weeks=7), day, _("de senaste åtta veckorna")


@require_GET
@login_required
def child(request: HttpRequest, child_id: UUID) -> HttpResponse:
    """Show one child (or the pupil): the week, attendance history, absence, leave, contacts."""
    actor = request_actor(request)
    return _child_page(request, actor, _member(actor, child_id))


def _child_page(
    request: HttpRequest, actor: Actor, person: Any, preview: Any = None
) -> HttpResponse:
    from skolsam.core.dates import date_param

    monday = calendar.week_start(
        date_param(request.GET, "vecka", default=actor.on, label=_("Veckan"))
    )
    week = family.lessons_of(
        actor=actor, person_ids=[person.pk], start=monday, end=monday + timedelta(days=6)
    )[person.pk]
    days: list[tuple[date, list[Any]]] = [(monday + timedelta(days=i), []) for i in range(5)]
    by_day: dict[date, list[Any]] = {d: lst for d, lst in days}
    for view in week:
        by_day.setdefault(view.lesson.date, []).append(view)
    unit = family.unit_of(actor=actor, person_id=person.pk, day=actor.on)
    start_date, end_date, term_name = _term(unit, actor.on)
    weeks = family.attendance_weeks(
        actor=actor, person_id=person.pk, start=start_date, end=end_date
    )
    located = may_see_location(actor, person)
    now = timezone.now()
    absences = family.absences_of(
        actor=actor, person_ids=[person.pk], since=actor.on - timedelta(days=30)
    )
    is_self = person.pk == actor.person_id
    placements = family.placements_of(actor=actor, person_ids=[person.pk], day=actor.on)[person.pk]
    return render(
        request,
        "portal/child.html",
        {
            "person": person,
            "is_self": is_self,
            "days": [(d, by_day.get(d, [])) for d, _x in days],
            "monday": monday,
            "previous": monday - timedelta(days=7),
            "next": monday + timedelta(days=7),
            "weeks": weeks,
            "term_total": family.total(weeks),
            "term_name": term_name,
            "absences": absences,
            "now": now,
            "may_report": _may_report(actor, person) and preview is None,
            "preview": preview,
            "leave_requests": family.leave_requests_of(actor=actor, person_ids=[person.pk])
            if not is_self
            else [],
            "may_apply": preview is None
            and not is_self
            and child_policy.can(actor, Action.APPLY_FOR_LEAVE, person),
            "may_consent": not is_self and child_policy.can(actor, Action.CONSENT, person),
            "placements": placements,
            "may_submit_schedule": preview is None
            and not is_self
            and child_policy.can(actor, Action.SUBMIT_SCHEDULE, person),
            "schedules": family.schedules_of(actor=actor, person_id=person.pk)
            if placements
            else [],
            "check_ins": family.check_ins_of(
                actor=actor, person_id=person.pk, since=actor.on - timedelta(days=14)
            )
            if placements
            else [],
            # The school and mentor say where a child goes to school: not for a protected
            # child, even to a guardian (docs/architecture.md, "Protected identity").
            "unit": unit if located else None,
            "mentors": family.mentors_of(actor=actor, person_id=person.pk, day=actor.on)
            if located
            else [],
            "protected": not located,
            # Other domains' tabs for this child (messages, later grades): declared sections.
            "section_links": [
                (str(s.title), reverse(s.child_url_name, args=[person.pk]))
                for s in sections_for(audience_of(actor))
                if s.child_url_name
                and s.child_url_name != "portal:child"
                and (s.child_visible is None or s.child_visible(actor, person.pk))
            ]
            if preview is None
            else [],
            # Custody holders see who else acts for the child (other responsible adults).
            "responsibles": [] if is_self else responsibles_of_child(actor, person),
            "feed_active": feeds.calendar_feed_active(actor=actor, person=person),
            "child_url": (
                reverse("portal:preview_child", args=[preview.pk, person.pk])
                if preview is not None
                else reverse("portal:child", args=[person.pk])
            ),
        },
    )


def _absence_form_page(
    request: HttpRequest, actor: Actor, members: list[Any], form: AbsenceForm, status: int = 200
) -> HttpResponse:
    return render(request, "portal/absence.html", {"form": form, "members": members}, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def absence_report(request: HttpRequest) -> HttpResponse:
    """Report one or several children absent: today, whole day, unless told otherwise."""
    actor = request_actor(request)
    members = _reportable(actor, _family(actor))
    if not members:
        raise Http404("Sidan finns inte.")
    if request.method == "GET":
        preselected = request.GET.getlist("barn") or (
            [str(members[0].pk)] if len(members) == 1 else []
        )
        form = AbsenceForm(
            children=members,
            initial={"children": preselected, "first_day": actor.on, "scope": "day"},
        )
        return _absence_form_page(request, actor, members, form)
    form = AbsenceForm(request.POST, children=members)
    if form.is_valid():
        d = form.cleaned_data
        chosen = [m for m in members if str(m.pk) in d["children"]]
        last = d["last_day"] if d["scope"] == "days" else d["first_day"]
        span = (d["start"], d["end"]) if d["scope"] == "part" else (None, None)
        start, end = day_span(d["first_day"], last, *span)
        try:
            absence_report_many(actor=actor, students=chosen, start=start, end=end)
        except ValidationError as exc:
            for message in _errors(exc):
                form.add_error(None, message)
        else:
            from skolsam.core.humandates import human_period

            names = ", ".join(m.given_name for m in chosen)
            messages.success(
                request,
                _("Frånvaron är anmäld för %(names)s: %(when)s.")
                % {"names": names, "when": human_period(start, end)},
            )
            return redirect("portal:start")
    return _absence_form_page(request, actor, members, form, status=400)


def _absent_today(actor: Actor, members: list[Any]) -> set[UUID]:
    """Return which of the members already have absence (reported or leave) today."""
    start, end = day_span(actor.on, actor.on)
    found = family.absences_of(actor=actor, person_ids=[m.pk for m in members], since=actor.on)
    return {a.student_id for a in found if a.start_time < end and a.end_time > start}


@require_http_methods(["GET", "POST"])
@login_required
def absence_today(request: HttpRequest) -> HttpResponse:
    """Report the children a 07:10 reminder named absent today, whole day, in one tap.

    The reminder's link names the children (`?barn=`); only those the actor may report
    count, and an address naming none of them answers like a missing page. The report
    goes through `absence_report_many`, with the same rules as the absence form.
    """
    actor = request_actor(request)
    asked = set((request.POST if request.method == "POST" else request.GET).getlist("barn"))
    members = [m for m in _reportable(actor, _family(actor)) if str(m.pk) in asked]
    if not members:
        raise Http404("Sidan finns inte.")
    already = _absent_today(actor, members)
    pending = [m for m in members if m.pk not in already]
    done = [m for m in members if m.pk in already]
    if request.method == "POST" and pending:
        start, end = day_span(actor.on, actor.on)
        try:
            absence_report_many(actor=actor, students=pending, start=start, end=end)
        except ValidationError as exc:
            for message in _errors(exc):
                messages.error(request, message)
        else:
            from skolsam.core.humandates import human_period

            messages.success(
                request,
                _("Frånvaron är anmäld för %(names)s: %(when)s.")
                % {
                    "names": ", ".join(m.given_name for m in pending),
                    "when": human_period(start, end),
                },
            )
            return redirect("portal:start")
    return render(
        request,
        "portal/absence_today.html",
        {
            "pending": pending,
            "pending_names": ", ".join(m.given_name for m in pending),
            "done_names": ", ".join(m.given_name for m in done),
        },
        status=400 if request.method == "POST" and pending else 200,
    )


def _own_absence(actor: Actor, absence_id: UUID) -> Any:
    ids = [m for m in [actor.person_id, *actor.responsible_for_ids] if m]
    found = family.absences_of(actor=actor, person_ids=ids, since=actor.on - timedelta(days=60))
    for absence in found:
        if absence.pk == absence_id:
            return absence
    raise Http404("Anmälan finns inte.")


@require_POST
@login_required
def absence_withdraw_view(request: HttpRequest, absence_id: UUID) -> HttpResponse:
    actor = request_actor(request)
    absence = _own_absence(actor, absence_id)
    student_id = absence.student_id
    try:
        absence_withdraw(actor=actor, absence=absence)
    except ValidationError as exc:
        messages.error(request, " ".join(_errors(exc)))
    else:
        messages.success(request, _("Frånvaroanmälan är återkallad."))
    return redirect("portal:child", child_id=student_id)


@require_POST
@login_required
def absence_end_view(request: HttpRequest, absence_id: UUID) -> HttpResponse:
    actor = request_actor(request)
    absence = _own_absence(actor, absence_id)
    try:
        absence_end_early(actor=actor, absence=absence)
    except ValidationError as exc:
        messages.error(request, " ".join(_errors(exc)))
    else:
        messages.success(request, _("Frånvaron är avslutad. Välkommen tillbaka!"))
    return redirect("portal:child", child_id=absence.student_id)


def _leave_children(actor: Actor) -> list[Any]:
    return list(children_of(actor, Action.APPLY_FOR_LEAVE))


@require_http_methods(["GET", "POST"])
@login_required
def leave(request: HttpRequest) -> HttpResponse:
    """Apply for leave for a child, and see the requests and the rektor's decisions."""
    actor = request_actor(request)
    children = _leave_children(actor)
    seen = list(children_of(actor))
    if not seen:
        raise Http404("Sidan finns inte.")
    form = LeaveForm(
        request.POST or None,
        children=children,
        initial={"child": request.GET.get("barn", "")},
    )
    if request.method == "POST" and children and form.is_valid():
        child = next(c for c in children if str(c.pk) == form.cleaned_data["child"])
        try:
            made = leave_request_create(
                actor=actor,
                student=child,
                start_date=form.cleaned_data["start_date"],
                end_date=form.cleaned_data["end_date"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            for message in _errors(exc):
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _("Ansökan är skickad till rektor.")
                if made.status == LeaveStatus.REQUESTED
                else _("Ansökan väntar på att den andra vårdnadshavaren godkänner den."),
            )
            return redirect("portal:leave")
    consent_ids = {c.pk for c in children_of(actor, Action.CONSENT)}
    return render(
        request,
        "portal/leave.html",
        {
            "form": form if children else None,
            "requests": family.leave_requests_of(actor=actor, person_ids=[c.pk for c in seen]),
            "names": {c.pk: c.given_name for c in seen},
            "consent_ids": consent_ids,
            "actor": actor,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@require_POST
@login_required
def leave_consent(request: HttpRequest, leave_id: UUID) -> HttpResponse:
    actor = request_actor(request)
    found = get_or_404(
        attendance_access.leave_requests_for_guardian(actor, Action.CONSENT),
        leave_id,
        "Ansökan finns inte.",
    )
    try:
        leave_request_consent(actor=actor, leave=found)
    except ValidationError as exc:
        messages.error(request, " ".join(_errors(exc)))
    else:
        messages.success(request, _("Du har godkänt ansökan."))
    return redirect("portal:leave")


@require_http_methods(["GET", "POST"])
@login_required
def notices_page(request: HttpRequest) -> HttpResponse:
    """List the notices from the school (same-day absence, leave decisions); mark them read."""
    actor = request_actor(request)
    if actor.person_id is None:
        raise Http404("Sidan finns inte.")
    if request.method == "POST":
        ids = [int(i) for i in request.POST.getlist("notice") if i.isdigit()]
        notices.notice_mark_read(guardian_id=actor.person_id, notice_ids=ids)
        messages.success(request, _("Meddelandena är markerade som lästa."))
        return redirect("portal:notices")
    found = notices.notices_for_guardian(guardian_id=actor.person_id)
    names = {c.pk: c.given_name for c in children_of(actor)}
    rows = []
    for n in found:
        if n.kind == NoticeKind.ABSENCE_TODAY:
            # A reminder names its children itself, and offers the one-tap report today.
            kids = [UUID(c["child"]) for c in n.lessons]
            action = absence_today_url(kids) if n.day == actor.on else ""
            rows.append((n, "", action))
        else:
            rows.append((n, names.get(n.student_id, ""), ""))
    return render(request, "portal/notices.html", {"notices": rows})


def _placement_for_schedule(actor: Any, placement_id: UUID) -> Any:
    """Return a placement whose schedule the guardian may submit; 404 like a missing one."""
    return get_or_404(
        attendance_access.placements_for_guardian(actor, Action.SUBMIT_SCHEDULE).select_related(
            "child", "placed_at"
        ),
        placement_id,
        "Placeringen finns inte.",
    )


@require_http_methods(["GET", "POST"])
@login_required
def schedule_submit(request: HttpRequest, placement_id: UUID) -> HttpResponse:
    """Let a guardian submit a child's vistelseschema (preschool, fritidshem)."""
    actor = request_actor(request)
    placement = _placement_for_schedule(actor, placement_id)
    form = ScheduleForm(request.POST or None, initial={"start_date": actor.on + timedelta(days=1)})
    if request.method == "POST" and form.is_valid():
        try:
            attendance_schedule_submit(
                actor=actor,
                placement=placement,
                entries=form.entries(),
                start_date=form.cleaned_data["start_date"],
                end_date=form.cleaned_data.get("end_date"),
            )
        except ValidationError as exc:
            for message in _errors(exc):
                form.add_error(None, message)
        else:
            messages.success(request, _("Schemat är skickat till förskolan för godkännande."))
            return redirect("portal:child", child_id=placement.child_id)
    return render(
        request,
        "portal/schedule_form.html",
        {"placement": placement, "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


def human_when(moment: datetime) -> str:
    return f"{human_day(timezone.localtime(moment).date())} {timezone.localtime(moment):%H:%M}"


def _contact_people(actor: Actor) -> list[Any]:
    """The actor and the children whose contact details they may change."""
    people = []
    if actor.person_id is not None:
        people.append(person_for_actor(actor, actor.person_id))
    people.extend(children_of(actor, Action.UPDATE_CONTACT))
    return people


def _first(entries: list[dict[str, Any]] | None) -> str:
    return str(entries[0].get("value", "")) if entries else ""


@require_http_methods(["GET", "POST"])
@login_required
def contact(request: HttpRequest) -> HttpResponse:
    """Show and change one's own and one's children's e-mail and phone; addresses read-only."""
    actor = request_actor(request)
    people = _contact_people(actor)
    if not people:
        raise Http404("Sidan finns inte.")
    target = request.POST.get("person", "") if request.method == "POST" else ""
    forms_by_person = []
    status = 200
    for person in people:
        bound = str(person.pk) == target
        form = ContactForm(
            request.POST if bound else None,
            initial={"email": _first(person.emails), "phone": _first(person.phone_numbers)},
            prefix=str(person.pk),
        )
        if bound and form.is_valid():
            try:
                person_contact_update(
                    actor=actor,
                    person=person,
                    email=form.cleaned_data["email"],
                    phone=form.cleaned_data["phone"],
                )
            except ValidationError as exc:
                route_domain_error(form, exc)
            else:
                messages.success(request, _("Kontaktuppgifterna är sparade."))
                return redirect("portal:contact")
        if bound and form.errors:
            status = 400
        addresses = (
            person.addresses if may_see_location(actor, person) else None
        )  # a protected child's address is not shown, not even to a guardian
        forms_by_person.append((person, form, addresses, person.pk == actor.person_id))
    return render(request, "portal/contact.html", {"entries": forms_by_person}, status=status)


def route_domain_error(form: Any, exc: ValidationError) -> None:
    """Put a service's field errors on the form's fields, the rest above them."""
    if hasattr(exc, "error_dict"):
        for key, messages_ in exc.message_dict.items():
            form.add_error(key if key in form.fields else None, messages_)
    else:
        form.add_error(None, exc.messages)


CONSENT_LABELS = {
    "see_child": _("se mitt schema och min närvaro"),
    "receive_notices": _("få meddelanden om min frånvaro och beslut om ledighet"),
    "see_records": _("se betyg och dokumentation"),
}


@require_http_methods(["GET", "POST"])
@login_required
def consent(request: HttpRequest) -> HttpResponse:
    """Let an adult pupil choose, per adult and category, what former guardians keep."""
    actor = request_actor(request)
    relations, active = consents_of_adult_pupil(actor)
    if not relations:
        raise Http404("Sidan finns inte.")
    if request.method == "POST":
        by_id = {str(r.responsible_id): r.responsible for r in relations}
        responsible = by_id.get(request.POST.get("responsible", ""))
        category = request.POST.get("category", "")
        if responsible is None:
            raise Http404("Personen finns inte.")
        try:
            adult_consent_set(
                actor=actor,
                responsible=responsible,
                category=category,
                given=request.POST.get("given") == "1",
            )
        except ValidationError as exc:
            messages.error(request, " ".join(_errors(exc)))
            return redirect("portal:consent")
        messages.success(request, _("Ditt val är sparat."))
        return redirect("portal:consent")
    rows = [
        (
            r.responsible,
            [
                (code, CONSENT_LABELS[code], (r.responsible_id, code) in active)
                for code in CONSENT_LABELS
            ],
        )
        for r in relations
    ]
    return render(request, "portal/consent.html", {"rows": rows})


@require_POST
@login_required
def calendar_feed(request: HttpRequest, child_id: UUID) -> HttpResponse:
    """Make (or stop) the private calendar address of a child's (or one's own) lessons."""
    actor = request_actor(request)
    person = _member(actor, child_id)
    if request.POST.get("action") == "revoke":
        feeds.calendar_feed_revoke(actor=actor, person=person)
        messages.success(request, _("Kalenderlänken är avstängd."))
    else:
        token = feeds.calendar_feed_create(actor=actor, person=person)
        url = request.build_absolute_uri(reverse("portal:ical", args=[token]))
        messages.success(
            request,
            _(
                "Din privata kalenderlänk (visas bara nu, dela den inte): %(url)s – "
                "lägg till den som prenumeration i din kalenderapp."
            )
            % {"url": url},
        )
    return redirect("portal:child", child_id=person.pk)


@require_GET
def ical(request: HttpRequest, token: str) -> HttpResponse:
    """Serve a person's lessons (four weeks back, twelve ahead) as text/calendar.

    No login: the address is the secret. What is served is what the address's owner may
    see today; a revoked address, or an owner who no longer acts for the child, is 404.
    """
    import icalendar

    from skolsam.accounts.actor import actor_for_person
    from skolsam.core.dates import today

    feed = feeds.calendar_feed_find(token)
    if feed is None:
        raise Http404("Kalendern finns inte.")
    owner = actor_for_person(feed.owner_id, on=today())
    if not attendance_access.family_person_ids(owner, [feed.person_id]):
        raise Http404("Kalendern finns inte.")
    person = feed.person
    located = may_see_location(owner, person)
    start = owner.on - timedelta(weeks=4)
    lessons = family.lessons_of(
        actor=owner, person_ids=[person.pk], start=start, end=owner.on + timedelta(weeks=12)
    ).get(person.pk, [])
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Skolsam//Schema//SV")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"Schema {person.given_name}")
    for view in lessons:
        lesson = view.lesson
        event = icalendar.Event()
        event.add("uid", f"{lesson.pk}@skolsam")
        event.add("dtstamp", lesson.modified)
        event.add("dtstart", lesson.start_time)
        event.add("dtend", lesson.end_time)
        summary = lesson.activity.display_name
        if lesson.cancelled:
            summary = _("%(name)s (inställd)") % {"name": summary}
            event.add("status", "CANCELLED")
        event.add("summary", summary)
        lines = []
        if view.teachers:
            lines.append(", ".join(view.teachers))
        if view.substitute:
            lines.append(_("Vikarie: %(name)s") % {"name": view.substitute})
        if lines:
            event.add("description", "\n".join(lines))
        if located and lesson.room:
            event.add("location", lesson.room)
        cal.add_component(event)
    response = HttpResponse(cal.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=900"
    return response


def _preview_actor(request: HttpRequest, guardian_id: UUID) -> tuple[Actor, Any, list[Any]]:
    """Return the guardian's Actor, the guardian and their children, as staff may preview.

    The staff member must see the guardian and locate every child the guardian's portal
    would show: a staff member not named for a protected pupil cannot preview her
    guardian's portal (404, like a missing guardian). Audited under each child.
    """
    from skolsam.accounts.actor import actor_for_person
    from skolsam.audit.services import audit_record
    from skolsam.core.portal import is_portal_only

    staff = request_actor(request)
    if is_portal_only(staff):
        raise Http404("Sidan finns inte.")
    guardian = person_for_actor(staff, guardian_id)
    as_guardian = actor_for_person(guardian.pk, on=staff.on)
    children = list(children_of(as_guardian))
    if not children or any(not may_see_location(staff, c) for c in children):
        raise Http404("Personen finns inte.")
    visible = set(
        person_policy.objects(staff, Action.VIEW)
        .filter(pk__in=[c.pk for c in children])
        .values_list("pk", flat=True)
    )
    if len(visible) != len(children):
        raise Http404("Personen finns inte.")
    audit_record(
        actor=staff,
        action="portal.preview",
        object_type="Person",
        object_id=guardian.pk,
        person_id=guardian.pk,
        person_ids=[c.pk for c in children],
        detail={"path": request.path},
    )
    return as_guardian, guardian, children


@require_GET
@login_required
def preview_start(request: HttpRequest, guardian_id: UUID) -> HttpResponse:
    """Show staff the guardian's start page as the guardian sees it ("visa som vårdnadshavare")."""
    as_guardian, guardian, _children = _preview_actor(request, guardian_id)
    return _start_page(request, as_guardian, preview=guardian)


@require_GET
@login_required
def preview_child(request: HttpRequest, guardian_id: UUID, child_id: UUID) -> HttpResponse:
    """Show staff a child's page as the guardian sees it."""
    as_guardian, guardian, children = _preview_actor(request, guardian_id)
    person = next((c for c in children if c.pk == child_id), None)
    if person is None:
        raise Http404("Personen finns inte.")
    return _child_page(request, as_guardian, person, preview=guardian)


@require_http_methods(["GET", "POST"])
@login_required
def holiday_schedule(request: HttpRequest, placement_id: UUID) -> HttpResponse:
    """Answer every coming lov of a fritidshem or preschool placement on one screen."""
    from datetime import time as clock

    actor = request_actor(request)
    placement = _placement_for_schedule(actor, placement_id)
    holidays = family.holidays_of(actor=actor, placement=placement, day=actor.on)
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    if request.method == "POST":
        answers: dict[date, tuple[clock, clock] | None] = {}
        for holiday in holidays:
            for day in holiday.days:
                key = day.isoformat()
                start = request.POST.get(f"{key}-start", "").strip()
                end = request.POST.get(f"{key}-end", "").strip()
                values[f"{key}-start"], values[f"{key}-end"] = start, end
                if not start and not end:
                    answers[day] = None
                    continue
                try:
                    begins = clock.fromisoformat(start)
                    ends = clock.fromisoformat(end)
                except ValueError:
                    errors[key] = _("Skriv både från och till som TT:MM, eller lämna båda tomma.")
                    continue
                if ends <= begins:
                    errors[key] = _("Sluttiden måste vara efter starttiden.")
                    continue
                answers[day] = (begins, ends)
        if not errors:
            try:
                holiday_schedule_submit(actor=actor, placement=placement, days=answers)
            except ValidationError as exc:
                errors["form"] = " ".join(_errors(exc))
            else:
                messages.success(request, _("Lovschemat är skickat för godkännande."))
                return redirect("portal:child", child_id=placement.child_id)
    return render(
        request,
        "portal/holiday_schedule.html",
        {
            "placement": placement,
            "holidays": holidays,
            "errors": errors,
            "values": values,
        },
        status=400 if errors else 200,
    )
