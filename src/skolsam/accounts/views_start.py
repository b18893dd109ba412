"""Serve the start page: each role's way in (school units, own groups, own children).

It sits here, in the register layer, rather than in core: it counts enrolments and group
members, and core knows no domain app.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from skolsam.core.access import Actor, located
from skolsam.core.choices import OrganisationType
from skolsam.core.models import valid_on
from skolsam.core.policy import Action
from skolsam.core.views import request_actor
from skolsam.enrolment.models import Enrolment, Placement
from skolsam.groups.access import groups_visible_to
from skolsam.groups.models import Group, GroupMembership
from skolsam.organisations.access import organisation_policy
from skolsam.organisations.models import Organisation
from skolsam.people.selectors import person_list_children
from skolsam.schedule.selectors import teacher_day


@require_GET
@login_required
def start(request: HttpRequest) -> HttpResponse:
    """Show each role its way in: school units, own groups, own children, and the search.

    Guardians and pupils (and nothing more) land in the portal instead.
    """
    if getattr(request, "portal_only", False):
        return redirect("portal:start")
    actor = request_actor(request)
    context = {
        "actor": actor,
        # The register pages' own gate (pupil_register, staff_register, group_create).
        "may_register": organisation_policy.any(actor, Action.CREATE),
        "school_units": _school_units_with_counts(actor),
        "groups": _own_groups_with_counts(actor),
        "children": list(person_list_children(actor=actor)),
        # Staff: today's lessons straight to their registers, and those left unregistered.
        "teacher_day": teacher_day(actor=actor, now=timezone.now()),
    }
    return render(request, "core/start.html", context)


# The two overviews below count persons without naming them. They count only persons whose
# location the actor may know: a protected pupil must not show up even as "one more" in a
# class or a school unit. They belong with organisations/ and groups/ selectors once
# those apps have pages of their own.


def _school_units_with_counts(actor: Actor) -> list[Organisation]:
    """Return the school units the actor leads or serves school-wide, with today's counts."""
    # Administrators are school-wide staff too (core.access.SCHOOL_WIDE_ROLES).
    if not organisation_policy.any(actor, Action.VIEW_PUPILS):
        return []
    day = actor.on
    pupils = (
        Enrolment.objects.filter(valid_on(day), located(actor, "person__"), cancelled=False)
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
        organisation_policy.objects(actor, Action.VIEW_PUPILS)
        .filter(organisation_type=OrganisationType.SKOLENHET)
        .annotate(
            pupil_count=Coalesce(Subquery(pupils, output_field=IntegerField()), 0),
            group_count=Coalesce(Subquery(groups, output_field=IntegerField()), 0),
        )
        .order_by("display_name", "id")
    )


def _own_groups_with_counts(actor: Actor) -> list[Group]:
    """Return the groups the actor teaches or has a role in today, with member counts.

    A preschool or fritidshem department (Avdelning) holds its children through their
    placements, not through group memberships, so both are counted: a child is placed in
    a department, a pupil is a member of a class, and nobody is both in the same group.
    """
    if not actor.group_ids:
        return []
    day = actor.on
    members = (
        GroupMembership.objects.filter(valid_on(day), located(actor, "person__"))
        .filter(group=OuterRef("pk"))
        .order_by()
        .values("group")
        .annotate(n=Count("person", distinct=True))
        .values("n")
    )
    placed = (
        Placement.objects.filter(valid_on(day), located(actor, "child__"))
        .filter(group=OuterRef("pk"))
        .order_by()
        .values("group")
        .annotate(n=Count("child", distinct=True))
        .values("n")
    )
    return list(
        groups_visible_to(actor)
        .filter(pk__in=actor.group_ids)
        .select_related("organisation")
        .annotate(
            member_count=Coalesce(Subquery(members, output_field=IntegerField()), 0)
            + Coalesce(Subquery(placed, output_field=IntegerField()), 0)
        )
        .order_by("display_name", "id")
    )
