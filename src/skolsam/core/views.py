"""Serve the start page, and give every view the request's Actor and htmx state."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from skolsam.core.access import Actor, actor_for_session, groups_visible_to
from skolsam.core.choices import OrganisationType, SecurityMarking
from skolsam.core.models import valid_on
from skolsam.enrolment.models import Enrolment
from skolsam.groups.models import Group, GroupMembership
from skolsam.organisations.models import Organisation
from skolsam.people.selectors import person_list_children

_ACTOR_ATTR = "_skolsam_actor"


def request_actor(request: HttpRequest) -> Actor:
    """Return the Actor for the request's user, built once and kept on the request."""
    actor = getattr(request, _ACTOR_ATTR, None)
    if actor is None:
        actor = actor_for_session(request.user, getattr(request, "session", None))
        setattr(request, _ACTOR_ATTR, actor)
    return actor


def is_htmx(request: HttpRequest) -> bool:
    """Tell whether htmx asked for a fragment rather than a whole page.

    A history restore also carries HX-Request, but htmx then wants the whole page back.
    """
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


@require_GET
@login_required
def start(request: HttpRequest) -> HttpResponse:
    """Show each role its way in: school units, own groups, own children, and the search."""
    actor = request_actor(request)
    context = {
        "actor": actor,
        "school_units": _school_units_with_counts(actor),
        "groups": _own_groups_with_counts(actor),
        "children": list(person_list_children(actor=actor)),
    }
    return render(request, "core/start.html", context)


# The two overviews below count persons without naming them. They count only persons whose
# location the actor may know: a protected pupil must not show up even as "one more" in a
# class or a school unit. They belong with organisations/ and groups/ selectors once
# those apps have pages of their own.


def _located(actor: Actor, prefix: str) -> Q:
    """Rows about persons whose school and groups `actor` may know (see may_see_location)."""
    known = {*actor.authorised_protected_ids}
    if actor.person_id is not None:
        known.add(actor.person_id)
    return Q(**{f"{prefix}security_marking": SecurityMarking.INGEN}) | Q(
        **{f"{prefix}id__in": known}
    )


def _school_units_with_counts(actor: Actor) -> list[Organisation]:
    """Return the school units the actor leads or serves school-wide, with today's counts."""
    org_ids = actor.admin_org_ids | actor.school_wide_org_ids
    if not org_ids:
        return []
    day = actor.on
    pupils = (
        Enrolment.objects.filter(valid_on(day), _located(actor, "person__"), cancelled=False)
        .filter(enroled_at=OuterRef("pk"))
        .order_by()
        .values("enroled_at")
        .annotate(n=Count("person", distinct=True))
        .values("n")
    )
    groups = (
        Group.objects.filter(valid_on(day), organisation=OuterRef("pk"))
        .order_by()
        .values("organisation")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return list(
        Organisation.objects.filter(pk__in=org_ids, organisation_type=OrganisationType.SKOLENHET)
        .annotate(
            pupil_count=Coalesce(Subquery(pupils, output_field=IntegerField()), 0),
            group_count=Coalesce(Subquery(groups, output_field=IntegerField()), 0),
        )
        .order_by("display_name", "id")
    )


def _own_groups_with_counts(actor: Actor) -> list[Group]:
    """Return the groups the actor teaches or has a role in today, with member counts."""
    if not actor.group_ids:
        return []
    day = actor.on
    members = (
        GroupMembership.objects.filter(valid_on(day), _located(actor, "person__"))
        .filter(group=OuterRef("pk"))
        .order_by()
        .values("group")
        .annotate(n=Count("person", distinct=True))
        .values("n")
    )
    return list(
        groups_visible_to(actor)
        .filter(pk__in=actor.group_ids)
        .select_related("organisation")
        .annotate(member_count=Coalesce(Subquery(members, output_field=IntegerField()), 0))
        .order_by("display_name", "id")
    )
