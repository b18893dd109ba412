"""Decide who may set, change, correct and see grades, and who opens grading periods.

- SET_GRADE (a GradeTarget): a teacher who is a grader (`ActivityTeacher.grader`) of an
  activity of that syllabus at the unit, whose groups hold the pupil, that day, while the
  unit has the period open. Nobody else: not the rektor, not another teacher at the school.
- AMEND_GRADE (an Ändring of the current decision, SL 3:20): the grade's grading teacher
  while they still hold a duty at the unit, or the unit's rektor.
- RECTIFY_GRADE (a Rättelse of a clerical error): the unit's rektor alone.
- EXAMINE (a prövning, a GradeTarget): the unit's rektor or a teacher at the unit (the
  examiner the rektor appoints; no activity or period needed).
- CREATE (a GradeTarget, a grade from an earlier school or school form): the unit's
  administrators, who record it from the document.
- VIEW: the unit's school-wide staff (rektor, administrators, pupil health, guidance) and
  whoever set, registered or co-signed the grade.

"The unit's rektor" is `organisation_policy`'s DECIDE: a rektor's duty at the unit or
above it (a förskolechef counts there too, but preschools give no grades). A grade says
where a pupil goes to school, so a pupil with protected identity is graded and seen only
by staff named for them (`core.access.located`).

`published_grade_policy` (what pupils and guardians see, `PublishedGrade`): VIEW for the
pupil themself and for an adult who may see the child's records, which is
`people.access.child_policy`'s SEE_RECORDS: custody holders (vårdnadshavare, god man) of a
child under 18 while the relation lasts, not other responsible adults, and for a pupil of
18 or older only the adults the pupil consented to. Nothing before publication.

`grading_period_policy`: DECIDE (open and close, and publish) is the unit's rektor's; VIEW the staff
of the unit. `licence_policy`: CHANGE (record a teacher's licence) is for administrators
of an organisation where the teacher holds a duty; VIEW likewise, and the teacher
themself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from skolsam.activities.models import Activity, ActivityTeacher
from skolsam.attendance.access import mentor_group_ids
from skolsam.core.access import Actor, located, may_see_location
from skolsam.core.choices import DutyRole, SchoolType
from skolsam.core.models import valid_on
from skolsam.core.policy import Action, Policy, pk_of
from skolsam.curriculum.models import Syllabus
from skolsam.duties.models import Duty
from skolsam.enrolment.models import Enrolment
from skolsam.grades.models import (
    Grade,
    GradeOrigin,
    GradingPeriod,
    LicenceQualification,
    PublishedGrade,
    StudyPlan,
    TeacherLicence,
)
from skolsam.groups.models import GroupMembership
from skolsam.organisations.access import organisation_policy
from skolsam.organisations.models import Organisation
from skolsam.people.access import child_policy

# The duties whose holder may examine (prövning) at a unit.
TEACHING_ROLES = frozenset({DutyRole.LARARE, DutyRole.FORSTELARARE})


@dataclass(frozen=True)
class GradeTarget:
    """A grade not yet set: whose, in what, at which unit, in which period."""

    student: Any
    syllabus: Syllabus
    organisation: Organisation
    period: GradingPeriod | None = None


def is_rektor_of(actor: Actor, organisation: Any) -> bool:
    """Tell whether the actor decides as rektor for the unit (organisation_policy DECIDE)."""
    return organisation_policy.can(actor, Action.DECIDE, organisation)


def _active(day: date, prefix: str) -> Q:
    """Rows whose optional [start_date, end_date] covers `day` (open at either end)."""
    return (Q(**{f"{prefix}start_date__isnull": True}) | Q(**{f"{prefix}start_date__lte": day})) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": day})
    )


def teaches_in_subject(actor: Actor, student: Any, syllabus: Any, organisation: Any) -> bool:
    """Tell whether the actor grades the pupil in this syllabus at the unit that day: a
    grader of an activity of the syllabus whose groups hold the pupil. One query."""
    if actor.person_id is None:
        return False
    day = actor.on
    member = GroupMembership.objects.filter(
        valid_on(day), person_id=pk_of(student), group_id=OuterRef("activity__groups")
    )
    return (
        ActivityTeacher.objects.filter(
            _active(day, ""),
            valid_on(day, "duty__"),
            valid_on(day, "activity__"),
            grader=True,
            duty__person_id=actor.person_id,
            activity__organisation_id=pk_of(organisation),
            activity__syllabus_id=pk_of(syllabus),
        )
        .filter(Exists(member))
        .exists()
    )


def _holds_duty_at(actor: Actor, organisation: Any, roles: frozenset[str] | None = None) -> bool:
    if actor.person_id is None:
        return False
    duties = Duty.objects.filter(
        valid_on(actor.on), person_id=actor.person_id, duty_at_id=pk_of(organisation)
    )
    if roles is not None:
        duties = duties.filter(duty_role__in=roles)
    return duties.exists()


class GradePolicy(Policy[Grade]):
    """Answer for grade decisions (SET_GRADE, EXAMINE and CREATE for a GradeTarget)."""

    model = Grade
    actions = frozenset(
        {
            Action.VIEW,
            Action.SET_GRADE,
            Action.AMEND_GRADE,
            Action.RECTIFY_GRADE,
            Action.EXAMINE,
            Action.CREATE,
        }
    )

    def allows(self, actor: Actor, action: Action, obj: Any) -> bool:
        if isinstance(obj, GradeTarget):
            return self._allows_target(actor, action, obj)
        if not may_see_location(actor, obj.student):
            return False
        if action == Action.VIEW:
            return super().allows(actor, action, obj)
        current = not Grade.objects.filter(supersedes_id=obj.pk).exists()
        if not current:
            return False
        if action == Action.RECTIFY_GRADE:
            return is_rektor_of(actor, obj.organisation_id)
        if action == Action.AMEND_GRADE:
            # A grade from an earlier school is that school's to change; here only a
            # clerical error in recording it is corrected (a Rättelse).
            if obj.origin not in (GradeOrigin.HERE, GradeOrigin.PROVNING):
                return False
            own = (
                obj.grading_teacher_id is not None
                and obj.grading_teacher_id == actor.person_id
                and _holds_duty_at(actor, obj.organisation_id)
            )
            return own or is_rektor_of(actor, obj.organisation_id)
        return False

    def _allows_target(self, actor: Actor, action: Action, target: GradeTarget) -> bool:
        if not may_see_location(actor, target.student):
            return False
        unit = target.organisation
        if action == Action.SET_GRADE:
            period = target.period
            return (
                period is not None
                and period.is_open
                and period.organisation_id == unit.pk
                and teaches_in_subject(actor, target.student, target.syllabus, unit)
            )
        if action == Action.EXAMINE:
            return _holds_duty_at(actor, unit, TEACHING_ROLES) or is_rektor_of(actor, unit)
        if action == Action.CREATE:
            return unit.pk in actor.admin_org_ids
        return False

    def allows_any(self, actor: Actor, action: Action) -> bool:
        # A page's gate or a menu's link: could the actor take the action on anything?
        if action == Action.SET_GRADE:
            return (
                actor.person_id is not None
                and ActivityTeacher.objects.filter(
                    _active(actor.on, ""),
                    valid_on(actor.on, "duty__"),
                    grader=True,
                    duty__person_id=actor.person_id,
                ).exists()
            )
        if action == Action.EXAMINE:
            return actor.person_id is not None and (
                Duty.objects.filter(
                    valid_on(actor.on), person_id=actor.person_id, duty_role__in=TEACHING_ROLES
                ).exists()
                or organisation_policy.any(actor, Action.DECIDE)
            )
        if action == Action.CREATE:
            return bool(actor.admin_org_ids)
        return self.scope(actor, Action.VIEW).exists()

    def scope(self, actor: Actor, action: Action) -> QuerySet[Grade]:
        if action != Action.VIEW:
            return Grade.objects.none()
        mine = Q()
        if actor.person_id is not None:
            mine = (
                Q(grading_teacher_id=actor.person_id)
                | Q(registered_by_id=actor.person_id)
                | Q(co_signer_id=actor.person_id)
            )
        where = Q(organisation_id__in=actor.school_wide_org_ids) | mine
        if not (actor.school_wide_org_ids or actor.person_id):
            return Grade.objects.none()
        return Grade.objects.filter(where).filter(located(actor, "student__"))


grade_policy = GradePolicy()


class GradingPeriodPolicy(Policy[GradingPeriod]):
    """The rektor opens and closes a unit's periods; its staff see them."""

    model = GradingPeriod
    actions = frozenset({Action.VIEW, Action.DECIDE})

    def allows(self, actor: Actor, action: Action, obj: Any) -> bool:
        unit = obj.organisation_id if isinstance(obj, GradingPeriod) else pk_of(obj)
        if action == Action.DECIDE:
            return is_rektor_of(actor, unit)
        return unit in actor.staff_org_ids

    def scope(self, actor: Actor, action: Action) -> QuerySet[GradingPeriod]:
        if action == Action.DECIDE:
            units = organisation_policy.objects(actor, Action.DECIDE).values("pk")
            return GradingPeriod.objects.filter(organisation_id__in=units)
        return GradingPeriod.objects.filter(organisation_id__in=actor.staff_org_ids)


grading_period_policy = GradingPeriodPolicy()


class LicencePolicy(Policy[TeacherLicence]):
    """Administrators where the teacher works record and see a licence (obj: the person's
    id or the licence); the teacher sees their own."""

    model = TeacherLicence
    actions = frozenset({Action.VIEW, Action.CHANGE})

    def allows(self, actor: Actor, action: Action, obj: Any) -> bool:
        person_id = obj.person_id if isinstance(obj, TeacherLicence) else pk_of(obj)
        if action == Action.VIEW and person_id == actor.person_id:
            return True
        return Duty.objects.filter(
            valid_on(actor.on), person_id=person_id, duty_at_id__in=actor.admin_org_ids
        ).exists()

    def scope(self, actor: Actor, action: Action) -> QuerySet[TeacherLicence]:
        staff = Duty.objects.filter(valid_on(actor.on), duty_at_id__in=actor.admin_org_ids)
        where = Q(person_id__in=staff.values("person_id"))
        if action == Action.VIEW and actor.person_id is not None:
            where |= Q(person_id=actor.person_id)
        return TeacherLicence.objects.filter(where)


licence_policy = LicencePolicy()


def licensed_for(
    person_id: UUID | None, syllabus: Syllabus, school_year: int | None, on: date
) -> bool:
    """Tell whether the person held a licence on `on` covering the syllabus's subject in its
    school form, for the pupil's school year where the qualification names years (SL 3:16).

    A qualification limited to some years does not cover a pupil whose year is unknown.
    """
    if person_id is None or not syllabus.subject_code:
        return False
    covering = LicenceQualification.objects.filter(
        Q(licence__valid_to__isnull=True) | Q(licence__valid_to__gte=on),
        licence__person_id=person_id,
        licence__valid_from__lte=on,
        school_type=syllabus.school_type,
        subject_code=syllabus.subject_code,
    )
    if school_year is None:
        covering = covering.filter(school_year_from__isnull=True, school_year_to__isnull=True)
    else:
        covering = covering.filter(
            Q(school_year_from__isnull=True) | Q(school_year_from__lte=school_year),
            Q(school_year_to__isnull=True) | Q(school_year_to__gte=school_year),
        )
    return covering.exists()


def grade_history_for_actor(actor: Actor, lineage: UUID | str) -> list[Grade]:
    """Return every decision on one grade, first to last, as the actor may see them.

    A grade the actor may not see answers like a missing one (Http404). The history page
    (not built yet) is to audit the read under the pupil.
    """
    try:
        key = lineage if isinstance(lineage, UUID) else UUID(str(lineage))
    except (ValueError, TypeError):
        raise Http404("Betyget finns inte.") from None
    versions = list(
        grade_policy.objects(actor, Action.VIEW)
        .filter(lineage=key)
        .select_related("registered_by", "grading_teacher", "co_signer")
        .order_by("version")
    )
    if not versions:
        raise Http404("Betyget finns inte.")
    return versions


def licence_ranges(
    person_id: UUID | None, syllabus: Syllabus, on: date
) -> list[tuple[int | None, int | None]]:
    """Return the school-year ranges the person's licences cover for the syllabus on `on`,
    in one query: `licence_covers` then answers for each pupil as `licensed_for` would."""
    if person_id is None or not syllabus.subject_code:
        return []
    return list(
        LicenceQualification.objects.filter(
            Q(licence__valid_to__isnull=True) | Q(licence__valid_to__gte=on),
            licence__person_id=person_id,
            licence__valid_from__lte=on,
            school_type=syllabus.school_type,
            subject_code=syllabus.subject_code,
        ).values_list("school_year_from", "school_year_to")
    )


def licence_covers(ranges: list[tuple[int | None, int | None]], school_year: int | None) -> bool:
    """Tell whether one of `ranges` covers the school year (as `licensed_for` decides)."""
    for low, high in ranges:
        if school_year is None:
            if low is None and high is None:
                return True
        elif (low is None or low <= school_year) and (high is None or high >= school_year):
            return True
    return False


def graded_activities(actor: Actor) -> QuerySet[Activity]:
    """Return the activities the actor grades that day (ActivityTeacher.grader) that have
    a syllabus: the sheets a teacher may open."""
    if actor.person_id is None:
        return Activity.objects.none()
    day = actor.on
    teaching = ActivityTeacher.objects.filter(
        _active(day, ""), valid_on(day, "duty__"), grader=True, duty__person_id=actor.person_id
    )
    return Activity.objects.filter(
        valid_on(day), pk__in=teaching.values("activity_id"), syllabus__isnull=False
    )


def sheet_for_actor(
    actor: Actor, period_id: Any, activity_id: Any
) -> tuple[GradingPeriod, Activity]:
    """Return the grading period and the activity of a grade sheet the actor grades.

    Only a grader of the activity opens its sheet, in a period of the activity's unit;
    anyone else (another teacher at the school, the rektor, another school) gets a 404.
    """
    try:
        activity = (
            graded_activities(actor).select_related("syllabus", "organisation").get(pk=activity_id)
        )
        period = GradingPeriod.objects.get(pk=period_id, organisation_id=activity.organisation_id)
    except (ValueError, TypeError, ValidationError, Activity.DoesNotExist):
        raise Http404("Betygslistan finns inte.") from None
    except GradingPeriod.DoesNotExist:
        raise Http404("Betygslistan finns inte.") from None
    return period, activity


class PublishedGradePolicy(Policy[PublishedGrade]):
    """Pupils see their own published grades; adults those of the children whose records
    they may see (child_policy SEE_RECORDS)."""

    model = PublishedGrade
    actions = frozenset({Action.VIEW})

    def allows(self, actor: Actor, action: Action, obj: Any) -> bool:
        student_id = obj.grade.student_id if isinstance(obj, PublishedGrade) else pk_of(obj)
        return may_see_grades_of(actor, student_id)

    def scope(self, actor: Actor, action: Action) -> QuerySet[PublishedGrade]:
        if actor.person_id is None:
            return PublishedGrade.objects.none()
        children = child_policy.objects(actor, Action.SEE_RECORDS).values("pk")
        return PublishedGrade.objects.filter(
            Q(grade__student_id=actor.person_id) | Q(grade__student_id__in=children)
        )


published_grade_policy = PublishedGradePolicy()


def may_see_grades_of(actor: Actor, student: Any) -> bool:
    """Tell whether the actor sees this pupil's published grades: their own, or a child's
    records (custody, or an adult pupil's consent)."""
    student_id = pk_of(student)
    if actor.person_id is not None and student_id == actor.person_id:
        return True
    return child_policy.objects(actor, Action.SEE_RECORDS).filter(pk=student_id).exists()


def published_grades_of(actor: Actor, student: Any) -> QuerySet[PublishedGrade]:
    """Return one pupil's published grades as the actor may see them; Http404 when the
    actor may not see the pupil's grades (forbidden looks like missing)."""
    if not may_see_grades_of(actor, student):
        raise Http404("Eleven finns inte.")
    return PublishedGrade.objects.filter(grade__student_id=pk_of(student)).select_related(
        "grade__syllabus"
    )


class StudyPlanPolicy(Policy[StudyPlan]):
    """CHANGE (set a pupil's study plan at a unit; obj: the unit's id or the plan) and VIEW:
    the unit's administrators (rektor, skoladministratör, ...) and its studie- och
    yrkesvägledare. VIEW also for the pupil's mentor (a mentor of a group the pupil is a
    member of that day), of the plan at that group's unit only. A plan of a pupil with protected identity only by staff named for
    them (`located`): a study plan says where the pupil goes to school."""

    model = StudyPlan
    actions = frozenset({Action.VIEW, Action.CHANGE})

    def units(self, actor: Actor) -> frozenset[UUID]:
        """Return the units whose pupils' plans the actor sets (and sees)."""
        units = set(actor.admin_org_ids)
        if DutyRole.SYV in actor.roles:
            # A SYV's grant is school-wide where their duty is.
            units |= actor.school_wide_org_ids
        return frozenset(units)

    def mentored(self, actor: Actor) -> QuerySet[GroupMembership]:
        """Return the memberships of the groups the actor mentors that day."""
        return GroupMembership.objects.filter(
            valid_on(actor.on), group_id__in=mentor_group_ids(actor)
        )

    def allows(self, actor: Actor, action: Action, obj: Any) -> bool:
        if isinstance(obj, StudyPlan):
            if not may_see_location(actor, obj.student):
                return False
            unit = obj.organisation_id
        else:
            unit = pk_of(obj)
        if unit in self.units(actor):
            return True
        return (
            action == Action.VIEW
            and isinstance(obj, StudyPlan)
            and self.mentored(actor)
            .filter(person_id=obj.student_id, group__organisation_id=obj.organisation_id)
            .exists()
        )

    def allows_any(self, actor: Actor, action: Action) -> bool:
        if self.units(actor):
            return True
        return action == Action.VIEW and bool(mentor_group_ids(actor))

    def scope(self, actor: Actor, action: Action) -> QuerySet[StudyPlan]:
        where = Q(organisation_id__in=self.units(actor))
        if action == Action.VIEW:
            # A mentor sees the plans at the unit of the group they mentor, no other.
            where |= Q(
                Exists(
                    self.mentored(actor).filter(
                        person_id=OuterRef("student_id"),
                        group__organisation_id=OuterRef("organisation_id"),
                    )
                )
            )
        return StudyPlan.objects.filter(where).filter(located(actor, "student__"))


study_plan_policy = StudyPlanPolicy()

# The school forms whose pupils have an individual study plan (SL 16:14, 19:16 gymnasie-
# and anpassade gymnasieskolan).
STUDY_PLAN_SCHOOL_TYPES = frozenset({SchoolType.GY, SchoolType.GYS})


@dataclass(frozen=True)
class StudyPlanPage:
    """A pupil's study plan at a unit as the actor may see it: the pupil's enrolment there
    (school form, programme), the plan where one is set, and whether the actor may set it."""

    student: Any
    organisation: Organisation
    enrolment: Enrolment
    plan: StudyPlan | None
    may_change: bool

    @property
    def school_type(self) -> str:
        return self.enrolment.school_type


def study_plan_pupils(actor: Actor) -> QuerySet[Enrolment]:
    """Return the current upper-secondary enrolments whose study plans the actor may see:
    at the units where they set plans, and their mentees'; protected pupils only for staff
    named for them."""
    where = Q(enroled_at_id__in=study_plan_policy.units(actor)) | Q(
        Exists(
            study_plan_policy.mentored(actor).filter(
                person_id=OuterRef("person_id"), group__organisation_id=OuterRef("enroled_at_id")
            )
        )
    )
    return Enrolment.objects.filter(
        where,
        valid_on(actor.on),
        located(actor, "person__"),
        school_type__in=STUDY_PLAN_SCHOOL_TYPES,
        cancelled=False,
    )


def study_plan_page_for_actor(
    actor: Actor, person_id: Any, unit_id: Any, action: Action = Action.VIEW
) -> StudyPlanPage:
    """Return the pupil's study plan page at the unit, for `action` (VIEW or CHANGE).

    The pupil must hold an upper-secondary enrolment at the unit: current that day, or an
    earlier one where a plan was set. Anyone else, a pupil they may not locate (protected
    identity) or a missing pupil: the same Http404.
    """
    missing = "Eleven finns inte."
    plan = (
        StudyPlan.objects.filter(student_id=person_id, organisation_id=unit_id)
        .select_related("student", "organisation", "programme")
        .first()
    )
    enrolments = Enrolment.objects.filter(
        person_id=person_id,
        enroled_at_id=unit_id,
        school_type__in=STUDY_PLAN_SCHOOL_TYPES,
        cancelled=False,
        start_date__lte=actor.on,
    )
    if plan is None:
        enrolments = enrolments.filter(valid_on(actor.on))
    enrolment = (
        enrolments.select_related("person", "enroled_at", "programme")
        .order_by("-start_date")
        .first()
    )
    if enrolment is None:
        raise Http404(missing)
    target = plan or StudyPlan(student=enrolment.person, organisation=enrolment.enroled_at)
    if not study_plan_policy.can(actor, action, target):
        raise Http404(missing)
    may_change = action == Action.CHANGE or study_plan_policy.can(actor, Action.CHANGE, target)
    return StudyPlanPage(
        student=enrolment.person,
        organisation=enrolment.enroled_at,
        enrolment=enrolment,
        plan=plan,
        may_change=may_change,
    )
