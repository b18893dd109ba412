"""Decide who records, sees and evaluates a pupil's extra adaptations (issue 13, item 4).

`adaptation_policy` answers VIEW, CREATE (obj: an `AdaptationTarget`, the pupil at a
school unit) and FOLLOW_UP (evaluate, continue or end). All three are for the same
people, as of the actor's day:

- a teacher who teaches the pupil at the adaptation's unit: an `ActivityTeacher` of an
  activity of that unit whose groups hold the pupil (grader or not);
- the pupil's mentor (an `AssignmentRole` MENTOR of a group that holds the pupil), for
  all of the pupil's adaptations, at any unit;
- pupil-health staff (kurator, skolsköterska, skolläkare, skolpsykolog, speciallärare/
  specialpedagog) with a duty at the unit or above it;
- the unit's rektor (`organisation_policy` DECIDE).

Nobody else: not another teacher at the school, not a skoladministratör, not a central
administrator, not another school's rektor, and in this step not the pupil or a guardian
(they will see decided action programmes, never the adaptations' notes). An adaptation is
about where a pupil goes to school, so a pupil with protected identity is seen only by
staff named for her (`core.access.located`), whatever else they are. A forbidden
adaptation answers exactly like a missing one (Http404).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from skolsam.core.access import Actor, located, may_see_location
from skolsam.core.choices import AssignmentRoleType, DutyRole, OrganisationType
from skolsam.core.models import valid_on
from skolsam.core.policy import Action, Policy, pk_of
from skolsam.duties.models import AssignmentRole, Duty
from skolsam.enrolment.models import Enrolment
from skolsam.groups.models import GroupMembership
from skolsam.organisations.access import organisation_policy
from skolsam.organisations.models import Organisation
from skolsam.organisations.selectors import organisation_subtree_ids
from skolsam.people.access import child_policy, person_for_actor, persons_listable_by
from skolsam.people.models import Person
from skolsam.pupil_documentation.models import (
    Adaptation,
    DecisionKind,
    OffensiveTreatmentPerson,
    OffensiveTreatmentReport,
    SupportDecision,
    SupportReport,
)

# Elevhälsan's competences (SL 2:25): medical, psychological, psychosocial, special needs.
PUPIL_HEALTH_ROLES = frozenset(
    {
        DutyRole.KURATOR,
        DutyRole.SKOLSKOTERSKA,
        DutyRole.SKOLLAKARE,
        DutyRole.SKOLPSYKOLOG,
        DutyRole.SPECIALPEDAGOG,
    }
)


@dataclass(frozen=True)
class AdaptationTarget:
    """An adaptation not yet recorded: for which pupil, at which school unit."""

    student: Any
    organisation: Any


def _pupil_health_units(actor: Actor) -> set[UUID]:
    """Return the units (whole subtrees) where the actor holds a pupil-health duty today."""
    if actor.person_id is None or not (PUPIL_HEALTH_ROLES & actor.roles):
        return set()
    roots = Duty.objects.filter(
        valid_on(actor.on), person_id=actor.person_id, duty_role__in=PUPIL_HEALTH_ROLES
    ).values_list("duty_at_id", flat=True)
    units: set[UUID] = set()
    for root in set(roots):
        units |= organisation_subtree_ids(organisation_id=root)
    return units


def _unit_wide(actor: Actor) -> set[UUID]:
    """Return the units whose every adaptation the actor sees: rektor or pupil health."""
    rektor = set(organisation_policy.objects(actor, Action.DECIDE).values_list("pk", flat=True))
    return rektor | _pupil_health_units(actor)


def _teaches(actor: Actor, student: Any, organisation: Any) -> Q:
    """Memberships showing that the actor teaches the pupil at the unit that day.

    One filter call, so the group, the activity and its teacher are the same rows.
    `student` and `organisation` are values or OuterRefs.
    """
    day = actor.on
    p = "group__activities__"
    return (
        valid_on(day)
        & Q(person_id=student)
        & valid_on(day, p)
        & Q(**{f"{p}organisation_id": organisation})
        & Q(**{f"{p}teachers__duty__person_id": actor.person_id})
        & valid_on(day, f"{p}teachers__duty__")
        & (
            Q(**{f"{p}teachers__start_date__isnull": True})
            | Q(**{f"{p}teachers__start_date__lte": day})
        )
        & (
            Q(**{f"{p}teachers__end_date__isnull": True})
            | Q(**{f"{p}teachers__end_date__gte": day})
        )
    )


def _mentors(actor: Actor, student: Any) -> Q:
    """Memberships showing that the actor mentors a group that holds the pupil that day."""
    day = actor.on
    p = "group__assignment_roles__"
    return (
        valid_on(day)
        & Q(person_id=student)
        & valid_on(day, p)
        & Q(**{f"{p}assignment_role_type": AssignmentRoleType.MENTOR})
        & Q(**{f"{p}duty__person_id": actor.person_id})
        & valid_on(day, f"{p}duty__")
    )


def may_document(actor: Actor, student: Any, organisation: Any) -> bool:
    """Tell whether the actor records and sees the pupil's adaptations at the unit."""
    if not may_see_location(actor, student):
        return False
    unit = pk_of(organisation)
    if unit in _unit_wide(actor):
        return True
    if actor.person_id is None:
        return False
    pupil = pk_of(student)
    return GroupMembership.objects.filter(
        _teaches(actor, pupil, unit) | _mentors(actor, pupil)
    ).exists()


def may_document_pupil(actor: Actor, student: Any) -> bool:
    """Tell whether the actor records or sees adaptations of the pupil at some unit: a page's
    gate and the person card's link. Two or three queries."""
    if actor.person_id is None or not may_see_location(actor, student):
        return False
    pupil = pk_of(student)
    day = actor.on
    p = "group__activities__"
    teaches = (
        valid_on(day)
        & Q(person_id=pupil)
        & valid_on(day, p)
        & Q(**{f"{p}teachers__duty__person_id": actor.person_id})
        & valid_on(day, f"{p}teachers__duty__")
    )
    if GroupMembership.objects.filter(teaches | _mentors(actor, pupil)).exists():
        return True
    units = _unit_wide(actor)
    if not units:
        return False
    return (
        Enrolment.objects.filter(
            valid_on(day), person_id=pupil, enroled_at_id__in=units, cancelled=False
        ).exists()
        or Adaptation.objects.filter(student_id=pupil, organisation_id__in=units).exists()
    )


class AdaptationPolicy(Policy[Adaptation]):
    """Teachers of the pupil at the unit, the pupil's mentor, the unit's pupil health and
    rektor: VIEW, CREATE (an AdaptationTarget) and FOLLOW_UP (evaluate, continue, end)."""

    model = Adaptation
    actions = frozenset({Action.VIEW, Action.CREATE, Action.FOLLOW_UP})

    def allows(self, actor: Actor, action: Action, obj: Any) -> bool:
        if isinstance(obj, AdaptationTarget):
            return action == Action.CREATE and may_document(actor, obj.student, obj.organisation)
        if action == Action.CREATE:
            return False
        if action == Action.FOLLOW_UP and obj.ended_at is not None:
            return False
        return may_document(actor, obj.student, obj.organisation_id)

    def allows_any(self, actor: Actor, action: Action) -> bool:
        # A menu's link: anyone who teaches, mentors, or works as rektor or in pupil health.
        return actor.person_id is not None and bool(
            actor.group_ids
            or PUPIL_HEALTH_ROLES & actor.roles
            or organisation_policy.any(actor, Action.DECIDE)
            or self.scope(actor, Action.VIEW).exists()
        )

    def scope(self, actor: Actor, action: Action) -> QuerySet[Adaptation]:
        if actor.person_id is None or action == Action.CREATE:
            return Adaptation.objects.none()
        teaches = GroupMembership.objects.filter(
            _teaches(actor, OuterRef("student_id"), OuterRef("organisation_id"))
        )
        mentors = GroupMembership.objects.filter(_mentors(actor, OuterRef("student_id")))
        rows = Adaptation.objects.filter(located(actor, "student__")).filter(
            Q(organisation_id__in=_unit_wide(actor)) | Exists(teaches) | Exists(mentors)
        )
        if action == Action.FOLLOW_UP:
            rows = rows.filter(ended_at__isnull=True)
        return rows


adaptation_policy = AdaptationPolicy()


def adaptation_for_actor(actor: Actor, adaptation_id: Any, action: Action = Action.VIEW) -> Any:
    """Return one adaptation the actor may take `action` on, with its pupil, unit and
    subject; Http404 for a missing, malformed or forbidden id alike."""
    try:
        key = adaptation_id if isinstance(adaptation_id, UUID) else UUID(str(adaptation_id))
    except (ValueError, TypeError):
        raise Http404("Anpassningen finns inte.") from None
    found = (
        adaptation_policy.objects(actor, action)
        .select_related("student", "organisation", "syllabus", "recorded_by", "ended_by")
        .filter(pk=key)
        .first()
    )
    if found is None:
        raise Http404("Anpassningen finns inte.")
    return found


def pupil_for_documentation(actor: Actor, person_id: Any) -> Person:
    """Return a pupil whose adaptations the actor records or sees; Http404 like a missing
    person for anyone else (another teacher, a guardian, the pupil, a protected pupil for
    staff not named for her)."""
    person = person_for_actor(actor, person_id)
    if not may_document_pupil(actor, person):
        raise Http404("Personen finns inte.")
    return person


def units_to_record_at(actor: Actor, student: Any) -> list[Organisation]:
    """Return the school units where the pupil is enrolled today and the actor may record
    an adaptation for her, by name: the record form's choice (usually one)."""
    enrolled = Enrolment.objects.filter(
        valid_on(actor.on), person_id=pk_of(student), cancelled=False
    ).values("enroled_at_id")
    units = Organisation.objects.filter(pk__in=enrolled).order_by("display_name")
    return [
        u
        for u in units
        if adaptation_policy.can(actor, Action.CREATE, AdaptationTarget(student, u))
    ]


def mentors_of(student: Any, day: Any) -> set[UUID]:
    """Return the persons who mentor a group holding the pupil that day: one query."""
    return set(
        GroupMembership.objects.filter(valid_on(day), person_id=pk_of(student))
        .filter(
            valid_on(day, "group__assignment_roles__"),
            valid_on(day, "group__assignment_roles__duty__"),
            group__assignment_roles__assignment_role_type=AssignmentRoleType.MENTOR,
        )
        .values_list("group__assignment_roles__duty__person_id", flat=True)
    )


def may_document_group(actor: Actor, group: Any) -> bool:
    """Tell whether the actor records and sees the adaptations of every pupil of the group
    they may see: its mentor, or the rektor or pupil health of its unit. A list of the
    group's pupils asks once, not once per row (one or two queries)."""
    if actor.person_id is None:
        return False
    if group.organisation_id in _unit_wide(actor):
        return True
    return AssignmentRole.objects.filter(
        valid_on(actor.on),
        valid_on(actor.on, "duty__"),
        group_id=group.pk,
        duty__person_id=actor.person_id,
        assignment_role_type=AssignmentRoleType.MENTOR,
    ).exists()


def may_document_unit(actor: Actor, organisation: Any) -> bool:
    """Tell whether the actor sees every adaptation at the unit: its rektor or pupil health
    (no query for anyone else)."""
    return pk_of(organisation) in _unit_wide(actor)


# --- Special support (särskilt stöd, SL 3:7–3:12) -------------------------------------------
#
# `support_report_policy` answers for a report and what hangs on it (its investigation, its
# notes, its decisions' drafts): CREATE (obj: a `SupportTarget`) for any staff member at the
# unit; VIEW for the unit's rektor and pupil health, the assigned investigator and, for
# their own report, the reporter; FOLLOW_UP (record notes, conclude) for the rektor, pupil
# health and the investigator, once an investigation is open; DECIDE (open the
# investigation, decide) for the unit's rektor only, never delegated (SL 3:9). The
# `support_decision_policy` answers VIEW of a decision: whoever sees the investigation, and
# the pupil's mentor for decided action programmes. The `family_decision_policy` answers
# VIEW for the portal: the pupil and the adults who may see her records see her current
# decisions, never a report, an investigation, a note or a replaced version. A protected
# pupil's records are only for staff named for her (`located`).


@dataclass(frozen=True)
class SupportTarget:
    """A report not yet made: about which pupil, at which school unit."""

    student: Any
    organisation: Any


def _rektor_units(actor: Actor) -> set[UUID]:
    if actor.person_id is None:
        return set()
    return set(organisation_policy.objects(actor, Action.DECIDE).values_list("pk", flat=True))


class SupportReportPolicy(Policy[SupportReport]):
    """Reports of a need for special support and their investigations (see above)."""

    model = SupportReport
    actions = frozenset({Action.VIEW, Action.CREATE, Action.FOLLOW_UP, Action.DECIDE})

    def allows(self, actor: Actor, action: Action, obj: Any) -> bool:
        if isinstance(obj, SupportTarget):
            return (
                action == Action.CREATE
                and actor.person_id is not None
                and may_see_location(actor, obj.student)
                and pk_of(obj.organisation) in actor.staff_org_ids
            )
        if action == Action.CREATE:
            return False
        return self.scope(actor, action).filter(pk=obj.pk).exists()

    def allows_any(self, actor: Actor, action: Action) -> bool:
        if action == Action.CREATE:
            return actor.person_id is not None and bool(actor.staff_org_ids)
        return actor.person_id is not None and self.scope(actor, action).exists()

    def scope(self, actor: Actor, action: Action) -> QuerySet[SupportReport]:
        if actor.person_id is None or action == Action.CREATE:
            return SupportReport.objects.none()
        rows = SupportReport.objects.filter(located(actor, "student__"))
        rektor = _rektor_units(actor)
        if action == Action.DECIDE:
            return rows.filter(organisation_id__in=rektor)
        unit_wide = rektor | _pupil_health_units(actor)
        investigator = Q(investigation__assigned_to_id=actor.person_id)
        if action == Action.FOLLOW_UP:
            return rows.filter(investigation__isnull=False).filter(
                Q(organisation_id__in=unit_wide) | investigator
            )
        return rows.filter(
            Q(organisation_id__in=unit_wide) | investigator | Q(reported_by_id=actor.person_id)
        )


support_report_policy = SupportReportPolicy()


class SupportDecisionPolicy(Policy[SupportDecision]):
    """Decisions about special support: VIEW for the unit's rektor and pupil health and the
    investigator, and for the pupil's mentor a decided action programme. Not the reporter
    (the report is theirs, the decision is not); guardians and the pupil see decisions
    through `family_decision_policy`."""

    model = SupportDecision
    actions = frozenset({Action.VIEW})

    def scope(self, actor: Actor, action: Action) -> QuerySet[SupportDecision]:
        if actor.person_id is None:
            return SupportDecision.objects.none()
        p = "investigation__report__"
        unit_wide = _rektor_units(actor) | _pupil_health_units(actor)
        mentors = GroupMembership.objects.filter(_mentors(actor, OuterRef(f"{p}student_id")))
        return SupportDecision.objects.filter(located(actor, f"{p}student__")).filter(
            Q(**{f"{p}organisation_id__in": unit_wide})
            | Q(investigation__assigned_to_id=actor.person_id)
            | Q(Exists(mentors), kind=DecisionKind.PROGRAMME)
        )


support_decision_policy = SupportDecisionPolicy()


class FamilyDecisionPolicy(Policy[SupportDecision]):
    """Decisions about special support in the portal: VIEW of the current version of each
    decision (an action programme or a decision not to make one) for the pupil themself
    and for the adults who may see the child's records (`people.access.child_policy`
    SEE_RECORDS: custody holders of a minor while the custody lasts, and those an adult
    pupil consented to), as `grades.access.published_grade_policy` does for grades. A
    decision exists only once the rektor has made it, so there is no draft to leave out;
    the report, the investigation and its notes are never reached from here. A protected
    pupil's decisions are her own and her guardians': only the unit is left out for a
    guardian (`may_see_location`), as the portal does for her school."""

    model = SupportDecision
    actions = frozenset({Action.VIEW})

    def scope(self, actor: Actor, action: Action) -> QuerySet[SupportDecision]:
        if actor.person_id is None:
            return SupportDecision.objects.none()
        children = child_policy.objects(actor, Action.SEE_RECORDS).values("pk")
        p = "investigation__report__student_id"
        return SupportDecision.objects.filter(superseded_by__isnull=True).filter(
            Q(**{p: actor.person_id}) | Q(**{f"{p}__in": children})
        )


family_decision_policy = FamilyDecisionPolicy()

FAMILY_DECISION_RELATED = (
    "investigation__report__student",
    "investigation__report__organisation",
    "decided_by",
    "supersedes",
)


def family_decisions_of(actor: Actor, student: Any) -> list[SupportDecision]:
    """Return the pupil's current decisions as the actor may see them in the portal, the
    latest first (one query; none for a pupil the actor may not see)."""
    return list(
        family_decision_policy.objects(actor, Action.VIEW)
        .filter(superseded_by__isnull=True, investigation__report__student_id=pk_of(student))
        .select_related(*FAMILY_DECISION_RELATED)
        .order_by("-decided_on", "-decided_at")
    )


def may_see_decisions_of(actor: Actor, student: Any) -> bool:
    """Tell whether the actor sees a current decision about the pupil in the portal: the
    child's tab shows then, not as an empty tab for every family (one query)."""
    return (
        family_decision_policy.objects(actor, Action.VIEW)
        .filter(superseded_by__isnull=True, investigation__report__student_id=pk_of(student))
        .exists()
    )


def family_decision_for_actor(actor: Actor, decision_id: Any) -> Any:
    """Return one current decision the actor may see in the portal, with its pupil, unit
    and rektor; Http404 for a missing, malformed, replaced or forbidden id alike."""
    message = "Beslutet finns inte."
    found = (
        family_decision_policy.objects(actor, Action.VIEW)
        .filter(superseded_by__isnull=True)
        .select_related(*FAMILY_DECISION_RELATED)
        .filter(pk=_key(decision_id, message))
        .first()
    )
    if found is None:
        raise Http404(message)
    return found


def _key(value: Any, message: str) -> UUID:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except (ValueError, TypeError):
        raise Http404(message) from None


def support_report_for_actor(actor: Actor, report_id: Any, action: Action = Action.VIEW) -> Any:
    """Return one report the actor may take `action` on, with its pupil, unit, reporter and
    investigation; Http404 for a missing, malformed or forbidden id alike."""
    message = "Anmälan finns inte."
    found = (
        support_report_policy.objects(actor, action)
        .select_related(
            "student",
            "organisation",
            "reported_by",
            "investigation__assigned_to",
            "investigation__opened_by",
            "investigation__concluded_by",
        )
        .filter(pk=_key(report_id, message))
        .first()
    )
    if found is None:
        raise Http404(message)
    return found


def support_decision_for_actor(actor: Actor, decision_id: Any) -> Any:
    """Return one decision the actor may see, with its pupil, unit and rektor; Http404 for
    a missing, malformed or forbidden id alike."""
    message = "Beslutet finns inte."
    found = (
        support_decision_policy.objects(actor, Action.VIEW)
        .select_related(
            "investigation__report__student",
            "investigation__report__organisation",
            "decided_by",
            "superseded_by",
            "supersedes",
        )
        .filter(pk=_key(decision_id, message))
        .first()
    )
    if found is None:
        raise Http404(message)
    return found


def unit_staff(organisation: Any, day: Any) -> list[Person]:
    """Return the persons with a duty at the unit that day, by name: whom the rektor may
    assign an investigation to. One query."""
    return list(
        Person.objects.filter(
            pk__in=Duty.objects.filter(valid_on(day), duty_at_id=pk_of(organisation)).values(
                "person_id"
            )
        ).order_by("family_name", "given_name", "pk")
    )


def rektors_of(organisation: Any, day: Any) -> set[UUID]:
    """Return the persons who hold a rektor's duty at the unit that day: one query."""
    return set(
        Duty.objects.filter(
            valid_on(day), duty_at_id=pk_of(organisation), duty_role=DutyRole.REKTOR
        ).values_list("person_id", flat=True)
    )


def units_to_report_at(actor: Actor, student: Any) -> list[Organisation]:
    """Return the school units where the pupil is enrolled today and the actor works: where
    they may report a need for special support (usually one)."""
    if actor.person_id is None or not may_see_location(actor, student):
        return []
    enrolled = Enrolment.objects.filter(
        valid_on(actor.on), person_id=pk_of(student), cancelled=False
    ).values("enroled_at_id")
    return list(
        Organisation.objects.filter(pk__in=enrolled)
        .filter(pk__in=actor.staff_org_ids)
        .order_by("display_name")
    )


def support_units(actor: Actor) -> list[Organisation]:
    """Return the school units whose reports the actor sees as a whole: their rektor or
    pupil health."""
    units = _rektor_units(actor) | _pupil_health_units(actor)
    return list(
        Organisation.objects.filter(
            pk__in=units, organisation_type=OrganisationType.SKOLENHET
        ).order_by("display_name")
    )


# --- Reports of offensive treatment (kränkande behandling, SL 6:10) -----------------------
#
# `offence_policy` answers VIEW (the report itself: what, when, where, who), DECIDE (the
# rektor forwards it to the huvudman) and FOLLOW_UP (the investigation: interviews,
# conclusions, measures, follow-up date, closing; and seeing them):
#
# - the reporter: VIEW of their own report, never the investigation;
# - the unit's rektor (`organisation_policy` DECIDE): VIEW, DECIDE while not forwarded,
#   FOLLOW_UP; not when the rektor's step was skipped because a staff member is an alleged
#   actor (the case is the huvudman's alone);
# - the huvudman's central staff (an administrative duty at the huvudman or its
#   förvaltning: `actor.central_org_ids`), who stand for the huvudman's named
#   investigators for now: VIEW and FOLLOW_UP of every case at its units.
#
# Nobody else: not another teacher, not pupil health, not a guardian or a pupil (a pupil
# named in a case never learns of it, nor of the other children in it). A case naming a
# pupil with protected identity is seen only by those named for her (`located`). A
# forbidden report answers exactly like a missing one (Http404).


def _unlocated_involved(actor: Actor) -> Exists:
    """Reports naming a person whose school the actor may not know."""
    return Exists(
        OffensiveTreatmentPerson.objects.filter(report_id=OuterRef("pk")).exclude(
            located(actor, "person__")
        )
    )


class OffensiveTreatmentPolicy(Policy[OffensiveTreatmentReport]):
    """The reporter (VIEW of their report), the unit's rektor (VIEW, DECIDE: forward,
    FOLLOW_UP), the huvudman's central staff (VIEW, FOLLOW_UP); CREATE is any staff member
    at the unit (obj: the unit)."""

    model = OffensiveTreatmentReport
    actions = frozenset({Action.VIEW, Action.CREATE, Action.DECIDE, Action.FOLLOW_UP})

    def allows(self, actor: Actor, action: Action, obj: Any) -> bool:
        if actor.person_id is None:
            return False
        if action == Action.CREATE:
            return not isinstance(obj, OffensiveTreatmentReport) and (
                pk_of(obj) in actor.staff_org_ids
            )
        if not isinstance(obj, OffensiveTreatmentReport):
            return False
        return self.scope(actor, action).filter(pk=obj.pk).exists()

    def allows_any(self, actor: Actor, action: Action) -> bool:
        if actor.person_id is None:
            return False
        if action == Action.CREATE:
            return bool(actor.staff_org_ids)
        return bool(actor.central_org_ids) or bool(_rektor_units(actor))

    def scope(self, actor: Actor, action: Action) -> QuerySet[OffensiveTreatmentReport]:
        if actor.person_id is None or action == Action.CREATE:
            return OffensiveTreatmentReport.objects.none()
        rektor = Q(organisation_id__in=_rektor_units(actor), rektor_step_skipped=False)
        central = Q(organisation_id__in=actor.central_org_ids)
        if action == Action.VIEW:
            where = rektor | central | Q(reported_by_id=actor.person_id)
        elif action == Action.DECIDE:
            where = rektor & Q(forwarded_at__isnull=True)
        else:
            where = rektor | central
        return OffensiveTreatmentReport.objects.filter(where).exclude(_unlocated_involved(actor))


offence_policy = OffensiveTreatmentPolicy()


def offence_for_actor(actor: Actor, report_id: Any, action: Action = Action.VIEW) -> Any:
    """Return one report the actor may take `action` on, with its unit and people; Http404
    for a missing, malformed or forbidden id alike."""
    try:
        key = report_id if isinstance(report_id, UUID) else UUID(str(report_id))
    except (ValueError, TypeError):
        raise Http404("Anmälan finns inte.") from None
    found = (
        offence_policy.objects(actor, action)
        .select_related("organisation", "reported_by", "forwarded_by", "closed_by")
        .filter(pk=key)
        .first()
    )
    if found is None:
        raise Http404("Anmälan finns inte.")
    return found


def offence_units(actor: Actor) -> QuerySet[Organisation]:
    """Return the school units whose cases the actor lists: as rektor or as the huvudman's
    central staff."""
    return Organisation.objects.filter(
        Q(pk__in=_rektor_units(actor)) | Q(pk__in=actor.central_org_ids),
        organisation_type=OrganisationType.SKOLENHET,
    ).order_by("display_name")


def offence_pupils_at(actor: Actor, organisation: Any) -> QuerySet[Person]:
    """Return the pupils enrolled at the unit today whom the reporter may see and name:
    the report form's choice (a teacher's pupils, the rektor's whole school)."""
    enrolled = Enrolment.objects.filter(
        valid_on(actor.on), enroled_at_id=pk_of(organisation), cancelled=False
    ).values("person_id")
    return (
        persons_listable_by(actor)
        .filter(pk__in=enrolled)
        .filter(located(actor))
        .order_by("family_name", "given_name", "pk")
    )


def offence_staff_at(actor: Actor, organisation: Any) -> QuerySet[Duty]:
    """Return the duties held at the unit today: who may be named as a staff actor."""
    return (
        Duty.objects.filter(valid_on(actor.on), duty_at_id=pk_of(organisation))
        .filter(located(actor, "person__"))
        .select_related("person")
        .order_by("person__family_name", "person__given_name", "pk")
    )
