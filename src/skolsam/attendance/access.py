"""Decide whose attendance an actor may see: built on `core.access` and `schedule.access`.

- a lesson's register lists the members of the lesson's groups that day whom the actor
  may locate (protected pupils only for named staff) and who are enrolled or placed where
  the actor works: the teacher, the substitute and the school's staff see the same list;
- guardians see their own children, pupils themselves, staff what `persons_visible_to`
  gives them; a rektor or administrator sees their school units;
- what a responsible adult may do for a child is `people.access.child_policy`;
- an absence investigation (SL 7:19a) is `investigation_policy`: the pupil's mentor and
  school-wide staff at the unit follow it up, only the rektor closes it (DECIDE);
- a leave request on the staff side is `leave_policy`: VIEW lists a unit's requests to its
  administrators (the rektor's list; the service lets only the rektor decide);
- a CSN file is `csn_report_policy`: VIEW for those who may locate every pupil in it,
  EXPORT (download) for the administrators of its unit as well;
- a class's attendance week is for its mentor and the unit's school-wide staff
  (`may_follow_up_group`).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from skolsam.activities.models import Activity
from skolsam.attendance.models import AbsenceChannel, AbsenceInvestigation, CsnReport, LeaveRequest
from skolsam.core.access import Actor, may_see_location
from skolsam.core.choices import AssignmentRoleType, SecurityMarking
from skolsam.core.models import valid_on
from skolsam.core.policy import Action, Policy
from skolsam.duties.models import AssignmentRole
from skolsam.enrolment.models import Enrolment, Placement
from skolsam.groups.models import GroupMembership
from skolsam.organisations.access import organisation_policy
from skolsam.people.access import (  # noqa: F401  (children_of: moved, kept for callers)
    child_policy,
    children_of,
    is_adult_on,
    person_for_actor,
    persons_visible_to,
)
from skolsam.people.models import Person
from skolsam.schedule.models import CalendarEvent


def _located(actor: Actor, prefix: str = "") -> Q:
    known = {*actor.authorised_protected_ids}
    if actor.person_id is not None:
        known.add(actor.person_id)
    return Q(**{f"{prefix}security_marking": SecurityMarking.INGEN}) | Q(
        **{f"{prefix}pk__in": known}
    )


def located(actor: Actor, prefix: str = "") -> Q:
    """Return the filter for rows about persons whose location the actor may see."""
    return _located(actor, prefix)


def lesson_roster(actor: Actor, lesson: CalendarEvent) -> QuerySet:
    """Return the pupils on the lesson's register, as the actor may see them.

    The members of the lesson's groups that day who are enrolled where the actor works,
    and whom the actor may locate. The caller has fetched the lesson through
    `schedule.access`, so the actor teaches it, substitutes, or works school-wide there.
    One semi-join from the lesson's groups, so the cost follows the class, not the register.
    """
    day = lesson.date
    groups = Activity.groups.through.objects.filter(activity_id=lesson.activity_id).values(
        "group_id"
    )
    enrolled = Enrolment.objects.filter(
        valid_on(day),
        cancelled=False,
        enroled_at_id__in=actor.staff_org_ids,
        person_id=OuterRef("person_id"),
    )
    members = (
        GroupMembership.objects.filter(valid_on(day), group_id__in=groups)
        .filter(Exists(enrolled))
        .values("person_id")
    )
    return (
        Person.objects.filter(pk__in=members)
        .filter(_located(actor))
        .order_by("family_name", "given_name", "id")
    )


def pupils_visible_to(actor: Actor) -> QuerySet:
    """Return the persons whose attendance the actor may read."""
    return persons_visible_to(actor)


def pupils_located_by(actor: Actor) -> QuerySet:
    """Return the persons whose attendance the actor may read *at a school unit*.

    Every follow-up page (statistics, investigations, CSN, leave decisions, vistelsescheman)
    ties a pupil to a school unit, so it shows a protected pupil only to those who may see
    her location (`core.access.may_see_location`): a central administrator who is not
    named for her sees her in none of them, not even as "one more" in a count.
    """
    return persons_visible_to(actor).filter(_located(actor))


def pupil_located_for_actor(actor: Actor, person_id: UUID | str) -> Person:
    """Return a pupil whose school the actor may know; Http404 like a missing one if not."""

    person = person_for_actor(actor, person_id)
    if not may_see_location(actor, person):
        raise Http404("Personen finns inte.")
    return person


def child_for_guardian(actor: Actor, person_id: UUID | str) -> Person:
    """Return one of the actor's own children (or an adult pupil who consented to be
    seen); Http404 for anyone else."""
    from skolsam.core.access import get_or_404

    return get_or_404(
        child_policy.objects(actor, Action.SEE_CHILD), person_id, "Personen finns inte."
    )


def leave_requests_for_guardian(actor: Actor, action: Action = Action.CONSENT) -> QuerySet:
    """Return the leave requests of the children the actor may take `action` for."""
    return LeaveRequest.objects.filter(student__in=child_policy.objects(actor, action))


def placements_for_guardian(actor: Actor, action: Action = Action.SUBMIT_SCHEDULE) -> QuerySet:
    """Return the preschool placements of the children the actor may take `action` for."""
    return Placement.objects.filter(child__in=child_policy.objects(actor, action))


def mentor_group_ids(actor: Actor) -> set[UUID]:
    """Return the groups the actor mentors today."""
    if actor.person_id is None:
        return set()
    return set(
        AssignmentRole.objects.filter(
            valid_on(actor.on),
            duty__person_id=actor.person_id,
            assignment_role_type=AssignmentRoleType.MENTOR,
            group_id__in=actor.group_ids,
        ).values_list("group_id", flat=True)
    )


def mentees_of(actor: Actor, group_id: UUID) -> QuerySet:
    """Return the visible, locatable members of a group the actor mentors (today)."""
    if group_id not in mentor_group_ids(actor) and not actor.school_wide_org_ids:
        return Person.objects.none()
    members = GroupMembership.objects.filter(valid_on(actor.on), group_id=group_id).values(
        "person_id"
    )
    return (
        persons_visible_to(actor)
        .filter(pk__in=members)
        .filter(_located(actor))
        .order_by("family_name", "given_name", "id")
    )


def may_decide_for_unit(actor: Actor, organisation_id: UUID) -> bool:
    """Rektor (or förskolechef) of the unit: leave, särskilda skäl and CSN decisions.

    One rule for the pages (which offer the forms) and the services (which refuse); it is
    the organisation policy's DECIDE, checked per duty at the unit.
    """
    return organisation_policy.can(actor, Action.DECIDE, organisation_id)


def may_follow_up(actor: Actor, person: Person, organisation_id: UUID) -> bool:
    """Mentor of the pupil or school-wide staff at the unit: statistics and investigations."""
    if organisation_policy.can(actor, Action.VIEW_PUPILS, organisation_id):
        return True
    groups = mentor_group_ids(actor)
    return (
        bool(groups)
        and GroupMembership.objects.filter(
            valid_on(actor.on), person=person, group_id__in=groups
        ).exists()
    )


def may_follow_up_group(actor: Actor, group: Any) -> bool:
    """Mentor of the group or school-wide staff at its unit: the class's attendance week."""
    return group.pk in mentor_group_ids(actor) or organisation_policy.can(
        actor, Action.VIEW_PUPILS, group.organisation_id
    )


class InvestigationPolicy(Policy[AbsenceInvestigation]):
    """VIEW and FOLLOW_UP (record steps): the pupil's mentor and school-wide staff at the
    unit. DECIDE (close, with a conclusion): the unit's rektor only (SL 7:19a)."""

    model = AbsenceInvestigation
    actions = frozenset({Action.VIEW, Action.FOLLOW_UP, Action.DECIDE})

    def allows(self, actor: Actor, action: Action, obj: Any) -> bool:
        if action == Action.DECIDE:
            return organisation_policy.can(actor, Action.DECIDE, obj.organisation_id)
        return may_follow_up(actor, obj.student, obj.organisation_id)

    def scope(self, actor: Actor, action: Action) -> QuerySet[AbsenceInvestigation]:
        visible = AbsenceInvestigation.objects.filter(student__in=pupils_visible_to(actor))
        if action == Action.DECIDE:
            return visible.filter(
                organisation__in=organisation_policy.objects(actor, Action.DECIDE)
            )
        mentored = GroupMembership.objects.filter(
            valid_on(actor.on), group_id__in=mentor_group_ids(actor)
        ).values("person_id")
        return visible.filter(
            Q(organisation_id__in=actor.school_wide_org_ids) | Q(student_id__in=mentored)
        )


investigation_policy = InvestigationPolicy()


class LeavePolicy(Policy[LeaveRequest]):
    """VIEW (staff side): the requests at the units the actor administers, for pupils whose
    school the actor may know. Guardians reach their children's requests through
    `child_policy` (`leave_requests_for_guardian`); the decision itself is the
    organisation's DECIDE, checked by the service."""

    model = LeaveRequest
    actions = frozenset({Action.VIEW})

    def scope(self, actor: Actor, action: Action) -> QuerySet[LeaveRequest]:
        return LeaveRequest.objects.filter(
            organisation__in=organisation_policy.objects(actor, Action.CHANGE),
            student__in=pupils_located_by(actor),
        )


leave_policy = LeavePolicy()


class CsnReportPolicy(Policy[CsnReport]):
    """VIEW: the CSN files whose every pupil the actor may locate (`csn_reports_located_by`;
    the page that lists them is for the unit's school-wide staff). EXPORT (download the
    file): those of them made at a unit the actor administers."""

    model = CsnReport
    actions = frozenset({Action.VIEW, Action.EXPORT})

    def scope(self, actor: Actor, action: Action) -> QuerySet[CsnReport]:
        reports = csn_reports_located_by(actor)
        if action == Action.EXPORT:
            reports = reports.filter(
                organisation__in=organisation_policy.objects(actor, Action.CHANGE)
            )
        return reports


csn_report_policy = CsnReportPolicy()


def csn_reports_located_by(actor: Actor) -> QuerySet:
    """Return the CSN files the actor may know of, at any unit; the caller checks the role.

    A file names every pupil in it with their school unit, so a file with a protected pupil
    is offered only to those who may see her location; for anyone else it is missing.
    """
    from skolsam.attendance.models import CsnDecision, CsnReport, CsnReturn

    located = _located(actor, "student__")
    return CsnReport.objects.exclude(
        Exists(CsnDecision.objects.filter(report=OuterRef("pk")).exclude(located))
    ).exclude(Exists(CsnReturn.objects.filter(report=OuterRef("pk")).exclude(located)))


def callers_for_phone_report(actor: Actor, pupil: Person) -> list[Person]:
    """Return the custody holders staff may name as the caller of a phone report.

    The pupil comes from `pupil_located_for_actor`. Her custody holders are listed as on
    a class list: only those the actor may see, so a guardian with protected identity is
    named only to staff who see her through a role of their own.
    """
    from skolsam.core.choices import RelationType
    from skolsam.people.models import Responsible

    custody = Responsible.objects.filter(
        valid_on(actor.on),
        person=pupil,
        relation_type__in=(RelationType.VARDNADSHAVARE, RelationType.GOD_MAN),
    ).values("responsible_id")
    return list(
        persons_visible_to(actor).filter(pk__in=custody).order_by("family_name", "given_name", "id")
    )


def is_api_client(actor: Actor) -> bool:
    """Tell whether the actor is an SS 12000 client: neither a login nor a person.

    A client's Actor (`api.ss12000.access.scope_for_client`) reaches the subtrees of its
    organisations as `central_org_ids`; the API has already decided which persons and
    groups it may name, so the services check only that the unit is one of its own.
    """
    return actor.user_id is None and actor.person_id is None and not actor.is_system


def api_client_reaches(actor: Actor, organisation_id: Any) -> bool:
    """Tell whether the actor is an SS 12000 client bound to (a subtree with) this unit."""
    return is_api_client(actor) and organisation_id in actor.central_org_ids


def absence_report_channel(actor: Actor, student: Person, unit_id: UUID) -> str | None:
    """Say how the actor may report the pupil absent at her school unit, or None.

    The system reports as API, and so does an SS 12000 client (a guardian app) for the
    pupils of its own school units; a guardian acting for the child on the web
    (`child_policy`, REPORT_ABSENCE); staff of the pupil's school who may see her
    register a report received by phone.
    """
    if actor.is_system:
        return AbsenceChannel.API
    if is_api_client(actor):
        return AbsenceChannel.API if api_client_reaches(actor, unit_id) else None
    if child_policy.can(actor, Action.REPORT_ABSENCE, student):
        return AbsenceChannel.WEB
    # An adult pupil (18 or over) reports their own absence.
    if student.pk == actor.person_id and is_adult_on(student, actor.on):
        return AbsenceChannel.WEB
    if unit_id in actor.staff_org_ids and pupils_visible_to(actor).filter(pk=student.pk).exists():
        return AbsenceChannel.PHONE
    return None


def family_person_ids(actor: Actor, person_ids: Any) -> list[UUID]:
    """Keep of `person_ids` those the actor reads as family: their own children
    (`child_policy` SEE_CHILD, minors only, from the Actor) and themself.

    The portal's reads (`attendance.family`) ask here first, so a guardian or pupil
    cannot ask about anyone else whatever ids a page passes. No query for minors.
    """
    own = set(actor.responsible_for_ids)
    if actor.person_id is not None:
        own.add(actor.person_id)
    wanted = list(dict.fromkeys(person_ids))
    rest = [pid for pid in wanted if pid not in own]
    if rest:
        # An adult pupil who consented that this adult keeps seeing them: one query, and
        # only when such an id is asked for.
        own |= set(
            child_policy.objects(actor, Action.SEE_CHILD)
            .filter(pk__in=rest)
            .values_list("pk", flat=True)
        )
    return [pid for pid in wanted if pid in own]
