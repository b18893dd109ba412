"""Decide which lessons an actor may see, which registers they take, whose calendar they set.

Two policies (`core.policy`), the domain's one place for these rules:

- `lesson_policy`: VIEW (their school's lessons, their own, their groups' and their
  children's) and TAKE_REGISTER (the lesson's teachers and substitute, the school's
  administrators).
- `calendar_policy`: CHANGE on a huvudman or a school unit, i.e. set its terms, days off
  and settings (attendance settings included). A huvudman's: its central administrators,
  wherever in its central organisation they hold the duty; a school unit's: its
  administrators and the central administrators above it. A förvaltning's or other unit's
  calendar: whoever may change that organisation.

Built on `core.access`: an actor's grants (school-wide roles, groups, children) come from
the Actor; who teaches a lesson comes from the activity's teachers and the lesson's
substitute. A lesson someone may not see answers like a missing one (404).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from skolsam.activities.models import Activity, ActivityTeacher
from skolsam.core.access import Actor
from skolsam.core.choices import OrganisationType
from skolsam.core.policy import Action, Policy
from skolsam.duties.models import Duty
from skolsam.groups.models import GroupMembership
from skolsam.organisations.access import organisation_policy
from skolsam.organisations.models import Organisation
from skolsam.organisations.selectors import organisation_subtree_ids
from skolsam.schedule.models import CalendarEvent, Resource, Room


def get_or_404(queryset: QuerySet, pk: UUID | str, message: str) -> Any:
    """Fetch one row by id; a malformed, missing or forbidden id all give the same 404."""
    try:
        key = pk if isinstance(pk, UUID) else UUID(str(pk))
    except (ValueError, TypeError, AttributeError):
        raise Http404(message) from None
    obj = queryset.filter(pk=key).first()
    if obj is None:
        raise Http404(message)
    return obj


def subtree_ids(organisation_id: UUID) -> set[UUID]:
    """Return the organisation and every organisation under it."""
    return organisation_subtree_ids(organisation_id=organisation_id)


def _teaches(person_id: UUID | None) -> Q:
    """Lessons the person teaches: as a teacher of the activity or as the substitute."""
    if person_id is None:
        return Q(pk__in=[])
    # Two uncorrelated subqueries (the person's activities, the person's duties) rather than
    # EXISTS per lesson and a join to the substitute's duty: PostgreSQL hashes each once and
    # filters the lessons as it reads them, instead of joining every lesson of the period
    # to its activity first. A list over a period uses the two arms apart
    # (`teaching_arms`), so that each reads its own index.
    taught, substituted = _teaching_arms(person_id)
    return taught | substituted


def _teaching_arms(person_id: UUID) -> tuple[Q, Q]:
    """Return the filters for the lessons the person teaches and those they substitute."""
    activities = ActivityTeacher.objects.filter(duty__person_id=person_id).values("activity_id")
    duties = Duty.objects.filter(person_id=person_id).values("pk")
    return Q(activity_id__in=activities), Q(substitute_id__in=duties)


def _of_groups(group_ids: frozenset[UUID] | set[UUID]) -> Q:
    if not group_ids:
        return Q(pk__in=[])
    return Q(
        Exists(
            Activity.groups.through.objects.filter(
                activity_id=OuterRef("activity_id"), group_id__in=group_ids
            )
        )
    )


def _of_members(person_ids: set[UUID]) -> Q:
    """Lessons of the groups these persons belong to on the lesson's day."""
    if not person_ids:
        return Q(pk__in=[])
    members = GroupMembership.objects.filter(
        person_id__in=person_ids,
        start_date__lte=OuterRef("date"),
        group_id__in=Activity.groups.through.objects.filter(
            activity_id=OuterRef(OuterRef("activity_id"))
        ).values("group_id"),
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=OuterRef("date")))
    return Q(Exists(members))


def lessons_visible_to(actor: Actor) -> QuerySet:
    """Return every lesson the actor may see: their school's, their own, their children's."""
    if actor.person_id is None:
        return CalendarEvent.objects.none()
    own = {actor.person_id, *actor.responsible_for_ids}
    return CalendarEvent.objects.filter(
        Q(organisation_id__in=actor.school_wide_org_ids)
        | _teaches(actor.person_id)
        | _of_groups(actor.group_ids)
        | _of_members(own)
    )


def taught_by(person_id: UUID | None) -> Q:
    """Return the filter for lessons the person teaches or substitutes (for CalendarEvent)."""
    return _teaches(person_id)


def teaching_arms(actor: Actor) -> tuple[Q, Q]:
    """Return the filters for the lessons the actor teaches and those they substitute.

    Their OR is `lessons_taught_by`; a selector may UNION them instead, so that each arm
    is a semi-join on its own index (`schedule.selectors.teacher_day`).
    """
    if actor.person_id is None:
        return Q(pk__in=[]), Q(pk__in=[])
    return _teaching_arms(actor.person_id)


def lessons_taught_by(actor: Actor) -> QuerySet:
    """Return the lessons whose register the actor takes: taught by them or substituted."""
    return CalendarEvent.objects.filter(_teaches(actor.person_id))


def lessons_of_person(person_id: UUID) -> QuerySet:
    """Return the lessons of a pupil's groups (the caller has checked the pupil is visible)."""
    return CalendarEvent.objects.filter(_of_members({person_id}))


def lesson_for_actor(actor: Actor, lesson_id: UUID | str) -> CalendarEvent:
    """Return a lesson the actor may see; Http404 if not, or if there is none."""
    return get_or_404(
        lessons_visible_to(actor).select_related("activity", "organisation", "substitute__person"),
        lesson_id,
        "Lektionen finns inte.",
    )


def register_lesson_for_actor(actor: Actor, lesson_id: UUID | str) -> CalendarEvent:
    """Return a lesson whose register the actor takes (teacher, substitute, the school's
    administrators); Http404 for any other lesson, visible or not, and for a missing one.

    One query: the lesson by its key, with whether the actor teaches its activity (one
    indexed EXISTS); the substitute comes with the lesson. The rule is then decided from
    the row and the Actor, so the query stays small to build (the OR of the
    administrators' organisations and the teaching subqueries cost more to compile than to
    run, bench/RESULTS.md). A lesson whose register someone takes is always one they may
    see. The lesson carries `taught_by_actor`: true for its teachers and substitute.
    """
    if actor.person_id is None:
        raise Http404("Lektionen finns inte.")
    lesson = get_or_404(
        CalendarEvent.objects.annotate(
            teaches_activity=Exists(
                ActivityTeacher.objects.filter(
                    activity_id=OuterRef("activity_id"), duty__person_id=actor.person_id
                )
            )
        ).select_related("activity", "organisation", "substitute__person"),
        lesson_id,
        "Lektionen finns inte.",
    )
    substitute = lesson.substitute
    lesson.taught_by_actor = lesson.teaches_activity or (
        substitute is not None and substitute.person_id == actor.person_id
    )
    if not (lesson.taught_by_actor or lesson.organisation_id in actor.admin_org_ids):
        raise Http404("Lektionen finns inte.")
    return lesson


def may_take_register(actor: Actor, lesson: CalendarEvent) -> bool:
    """Tell whether the actor may save the lesson's register (`lesson_policy`, TAKE_REGISTER)."""
    return lesson_policy.can(actor, Action.TAKE_REGISTER, lesson)


def _central_huvudman_ids(actor: Actor) -> QuerySet:
    """The huvudmän where the actor is a central administrator (at the huvudman, or at a
    förvaltning or verksamhetsområde under it)."""
    return Organisation.objects.filter(pk__in=actor.central_org_ids).values("huvudman_id")


def may_manage_settings(actor: Actor, organisation: Organisation) -> bool:
    """Tell whether the actor sets a calendar and attendance settings for `organisation`
    (`calendar_policy`, CHANGE; only a huvudman or a school unit has settings)."""
    return organisation.organisation_type in _WITH_SETTINGS and calendar_policy.can(
        actor, Action.CHANGE, organisation
    )


def settings_organisation_for_actor(actor: Actor, organisation_id: UUID | str) -> Organisation:
    """Return a huvudman or school unit whose settings the actor manages; Http404 otherwise."""
    organisation = get_or_404(
        Organisation.objects.filter(
            Q(pk__in=actor.staff_org_ids) | Q(pk__in=_central_huvudman_ids(actor))
        ),
        organisation_id,
        "Organisationen finns inte.",
    )
    if not may_manage_settings(actor, organisation):
        raise Http404("Organisationen finns inte.")
    return organisation


def settings_organisations_for(actor: Actor) -> list[Organisation]:
    """Return the huvudmän and school units whose settings the actor manages, huvudman first."""
    return list(
        calendar_policy.objects(actor, Action.CHANGE)
        .filter(organisation_type__in=_WITH_SETTINGS)
        .order_by("organisation_type", "display_name", "id")
    )


def school_units_managed_by(actor: Actor) -> QuerySet:
    return (
        organisation_policy.objects(actor, Action.CHANGE)
        .filter(organisation_type=OrganisationType.SKOLENHET)
        .order_by("display_name")
    )


def room_unit_for_actor(actor: Actor, organisation_id: UUID | str) -> Organisation:
    """Return the school unit whose rooms (lokaler) the actor manages; anything else is 404.

    A unit's rooms and resources are kept by whoever may change the unit: its
    administrators and the central administrators above it.
    """
    return get_or_404(school_units_managed_by(actor), organisation_id, "Enheten finns inte.")


def rooms_of_unit(actor: Actor, unit: Organisation) -> QuerySet[Room]:
    """Return the unit's rooms, if the actor manages them (else none)."""
    if not organisation_policy.can(actor, Action.CHANGE, unit):
        return Room.objects.none()
    return Room.objects.filter(owner=unit).order_by("display_name", "id")


def resources_of_unit(actor: Actor, unit: Organisation) -> QuerySet[Resource]:
    """Return the unit's resources, if the actor manages them (else none)."""
    if not organisation_policy.can(actor, Action.CHANGE, unit):
        return Resource.objects.none()
    return Resource.objects.filter(owner=unit).order_by("display_name", "id")


class LessonPolicy(Policy[CalendarEvent]):
    """Answer for a lesson (CalendarEvent): who sees it, who takes its register."""

    model = CalendarEvent
    actions = frozenset({Action.VIEW, Action.TAKE_REGISTER})

    def allows(self, actor: Actor, action: Action, obj: Any) -> bool:
        if action == Action.TAKE_REGISTER:
            if actor.person_id is None:
                return False
            # The school's administrators without a query; a teacher by one.
            if obj.organisation_id in actor.admin_org_ids:
                return True
        return super().allows(actor, action, obj)

    def scope(self, actor: Actor, action: Action) -> QuerySet[CalendarEvent]:
        if action == Action.VIEW:
            return lessons_visible_to(actor)
        if actor.person_id is None:
            return CalendarEvent.objects.none()
        return CalendarEvent.objects.filter(
            Q(organisation_id__in=actor.admin_org_ids) | _teaches(actor.person_id)
        )


_WITH_SETTINGS = (OrganisationType.HUVUDMAN, OrganisationType.SKOLENHET)


class CalendarPolicy(Policy[Organisation]):
    """Answer who sets an organisation's terms, days off and settings (CHANGE)."""

    model = Organisation
    actions = frozenset({Action.CHANGE})

    def allows(self, actor: Actor, action: Action, obj: Any) -> bool:
        if obj.organisation_type == OrganisationType.HUVUDMAN:
            return bool(actor.central_org_ids) and (
                obj.pk in actor.central_org_ids
                or _central_huvudman_ids(actor).filter(huvudman_id=obj.pk).exists()
            )
        return organisation_policy.can(actor, Action.CHANGE, obj)

    def allows_any(self, actor: Actor, action: Action) -> bool:
        # A central administrator is an administrator too: no query for anyone else.
        # Only a huvudman or a school unit has settings (`may_manage_settings`).
        return organisation_policy.any(actor, Action.CHANGE) and (
            self.scope(actor, action).filter(organisation_type__in=_WITH_SETTINGS).exists()
        )

    def scope(self, actor: Actor, action: Action) -> QuerySet[Organisation]:
        return Organisation.objects.filter(
            Q(pk__in=_central_huvudman_ids(actor), organisation_type=OrganisationType.HUVUDMAN)
            | (
                ~Q(organisation_type=OrganisationType.HUVUDMAN)
                & Q(pk__in=organisation_policy.objects(actor, Action.CHANGE).values("pk"))
            )
        )


lesson_policy = LessonPolicy()
calendar_policy = CalendarPolicy()
