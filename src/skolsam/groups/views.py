"""Serve the class list and the group forms: create a group, add, end and move memberships."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from skolsam.audit.services import audit_person_read, audit_record
from skolsam.core.choices import GroupType
from skolsam.core.errors import DomainError
from skolsam.core.ids import uuid_or_none
from skolsam.core.policy import Action
from skolsam.core.views import is_htmx, request_actor
from skolsam.enrolment.access import enrolments_visible_to
from skolsam.groups import services
from skolsam.groups.access import group_for_actor, group_policy, memberships_visible_to
from skolsam.groups.forms import (
    AsOfForm,
    ClassMoveForm,
    GroupCreateForm,
    MembershipAddForm,
    MembershipEndForm,
)
from skolsam.groups.selectors import group_class_list, group_list_for_management
from skolsam.organisations.access import organisation_policy
from skolsam.organisations.forms import managed_school_units
from skolsam.people import civicno
from skolsam.people.access import may_edit_person, person_for_actor, persons_visible_to

_GROUP_NOT_FOUND = "Gruppen finns inte."


@require_GET
@login_required
def group_detail(request: HttpRequest, group_id: UUID) -> HttpResponse:
    """Show the class list as of a day (today unless asked), printable; htmx gets the list."""
    actor = request_actor(request)
    group = group_for_actor(actor, group_id)
    as_of = AsOfForm(request.GET or None, initial={"datum": actor.on})
    day = actor.on
    # A date that cannot be read shows today's list with the picker's message, as 400
    # (200 to htmx, which swaps in only a successful answer).
    refused = as_of.is_bound and not as_of.is_valid()
    if as_of.is_bound and not refused and as_of.cleaned_data["datum"]:
        day = as_of.cleaned_data["datum"]
    class_list = group_class_list(actor=actor, group=group, on=day)
    shown = class_list.persons
    # One entry for the list, and one per protected person on it, so the person's own log
    # shows who saw where they go to school.
    audit_record(
        actor=actor,
        action="group.list",
        object_type="Group",
        object_id=group.pk,
        detail={"on": day, "persons": sorted({str(p.pk) for p in shown})},
    )
    for person in {p.pk: p for p in shown if p.is_protected}.values():
        audit_person_read(actor=actor, person=person, action="group.list")
    context = {
        "group": group,
        "class_list": class_list,
        "as_of": as_of,
        "today": actor.on,
        "may_manage": group_policy.can(actor, Action.CHANGE, group),
    }
    template = "groups/_class_list.html" if is_htmx(request) else "groups/group_detail.html"
    response = render(
        request, template, context, status=400 if refused and not is_htmx(request) else 200
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_http_methods(["GET", "POST"])
@login_required
def group_create(request: HttpRequest) -> HttpResponse:
    """Create a group at a school unit the actor manages."""
    actor = request_actor(request)
    units = managed_school_units(actor)
    if not organisation_policy.any(actor, Action.CREATE):
        raise Http404(_GROUP_NOT_FOUND)
    initial = {}
    unit_id = uuid_or_none(request.GET.get("skolenhet"))
    preselected = units.filter(pk=unit_id).first() if unit_id else None
    if preselected is not None:
        initial["organisation"] = preselected
    form = GroupCreateForm(request.POST or None, actor=actor, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            group = services.group_create(
                actor=actor,
                organisation=data["organisation"],
                display_name=data["display_name"],
                group_type=data["group_type"],
                school_type=data["school_type"],
                start_date=data["start_date"],
                end_date=data["end_date"],
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(
                request,
                _("Gruppen %(name)s är skapad vid %(unit)s.")
                % {"name": group.display_name, "unit": group.organisation.display_name},
            )
            return redirect("group_detail", group_id=group.pk)
    return render(
        request,
        "groups/group_form.html",
        {"form": form, "error_forms": [form], "has_errors": bool(form.errors)},
    )


@require_http_methods(["GET", "POST"])
@login_required
def membership_add(request: HttpRequest, group_id: UUID) -> HttpResponse:
    """Add a pupil to the group by civic number, from a day."""
    actor = request_actor(request)
    group = group_for_actor(actor, group_id)
    if not group_policy.can(actor, Action.CHANGE, group):
        raise Http404(_GROUP_NOT_FOUND)
    form = MembershipAddForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        number = civicno.parse(data["civic_no"], today=actor.on).value
        person = persons_visible_to(actor).filter(civic_no=number).first()
        if person is None or not may_edit_person(actor, person):
            form.add_error(
                "civic_no",
                _(
                    "Det finns ingen elev med det personnumret som du har behörighet att "
                    "ändra. Registrera eleven först, eller kontrollera numret."
                ),
            )
        else:
            try:
                services.group_membership_add(
                    actor=actor,
                    group=group,
                    person=person,
                    start_date=data["start_date"],
                    end_date=data["end_date"],
                )
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(
                    request,
                    _("%(name)s är med i %(group)s från och med %(day)s.")
                    % {
                        "name": person.full_name,
                        "group": group.display_name,
                        "day": data["start_date"].isoformat(),
                    },
                )
                return redirect("group_detail", group_id=group.pk)
    return render(
        request,
        "groups/membership_add.html",
        {"group": group, "form": form, "error_forms": [form], "has_errors": bool(form.errors)},
    )


@require_http_methods(["GET", "POST"])
@login_required
def membership_end(request: HttpRequest, membership_id: UUID) -> HttpResponse:
    """End a current membership on a day; the row stays as history."""
    actor = request_actor(request)
    membership = (
        memberships_visible_to(actor)
        .filter(pk=_uuid_or_404(membership_id))
        .select_related("group", "group__organisation", "person")
        .first()
    )
    if membership is None or not group_policy.can(actor, Action.CHANGE, membership.group):
        raise Http404("Medlemskapet finns inte.")
    form = MembershipEndForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        end_date = form.cleaned_data["end_date"]
        try:
            services.group_membership_end(actor=actor, membership=membership, end_date=end_date)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(
                request,
                _("%(name)s står i %(group)s till och med %(day)s.")
                % {
                    "name": membership.person.full_name,
                    "group": membership.group.display_name,
                    "day": end_date.isoformat(),
                },
            )
            return redirect("group_detail", group_id=membership.group_id)
    return render(
        request,
        "groups/membership_end.html",
        {
            "membership": membership,
            "form": form,
            "error_forms": [form],
            "has_errors": bool(form.errors),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def class_move(request: HttpRequest, person_id: UUID) -> HttpResponse:
    """Move a pupil to another class from a day: the old class ends the day before."""
    actor = request_actor(request)
    person = person_for_actor(actor, person_id)
    if not may_edit_person(actor, person):
        raise Http404("Personen finns inte.")
    current = (
        memberships_visible_to(actor)
        .filter(person=person, group__group_type=GroupType.KLASS)
        .select_related("group", "group__organisation")
        .order_by("-start_date")
        .first()
    )
    # Another class at a school where the pupil is enrolled; moving school is its own form.
    schools = enrolments_visible_to(actor).filter(person=person).values("enroled_at_id")
    groups = group_list_for_management(actor=actor, on=actor.on).filter(
        group_type=GroupType.KLASS, organisation_id__in=schools
    )
    if current is not None:
        groups = groups.exclude(pk=current.group_id)
    form = ClassMoveForm(request.POST or None, actor=actor, groups=groups)
    if request.method == "POST" and form.is_valid():
        to_group, on = form.cleaned_data["to_group"], form.cleaned_data["on"]
        try:
            services.group_membership_move(actor=actor, person=person, to_group=to_group, on=on)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            if current is not None and (current.end_date is None or current.end_date >= on):
                text = _(
                    "%(name)s går i %(old)s till och med %(last)s och i %(new)s från och med "
                    "%(day)s."
                ) % {
                    "name": person.full_name,
                    "old": current.group.display_name,
                    "last": (on - timedelta(days=1)).isoformat(),
                    "new": to_group.display_name,
                    "day": on.isoformat(),
                }
            else:
                text = _("%(name)s går i %(new)s från och med %(day)s.") % {
                    "name": person.full_name,
                    "new": to_group.display_name,
                    "day": on.isoformat(),
                }
            messages.success(request, text)
            return redirect("person_manage", person_id=person.pk)
    return render(
        request,
        "groups/class_move.html",
        {
            "person": person,
            "current": current,
            "form": form,
            "error_forms": [form],
            "has_errors": bool(form.errors),
        },
    )


def _uuid_or_404(value: UUID | str) -> UUID:
    key = value if isinstance(value, UUID) else uuid_or_none(value)
    if key is None:
        raise Http404
    return key
