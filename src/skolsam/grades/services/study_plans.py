"""Set a pupil's individual study plan (SS 12000 `StudyPlan`): its period, programme and
planned courses, grouped under the spec's content types.

`study_plan_set` creates the pupil's plan at the unit or replaces what it holds, in one
transaction: the plan, its courses, an audit entry under the pupil and a `StudyPlan`
change for the SS 12000 outbox (webhooks, `meta.modified`).

The staff page changes a plan a step at a time: `study_plan_details_set` (start, end,
programme; creates the plan), `study_plan_course_add` and `study_plan_course_remove`.
Each checks the pupil's school form at the unit (from the enrolment the page found),
refuses bad input with a Swedish message before it writes anything, and writes the change,
the audit entry under the pupil and the outbox change in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from skolsam.audit.services import audit_record
from skolsam.core.access import Actor
from skolsam.core.changes import change_record
from skolsam.core.choices import SchoolType
from skolsam.core.errors import DomainError, period_validate
from skolsam.core.policy import Action
from skolsam.curriculum.models import Programme, Syllabus
from skolsam.enrolment.models import Enrolment
from skolsam.grades.access import study_plan_policy
from skolsam.grades.models import StudyPlan, StudyPlanContentType, StudyPlanCourse
from skolsam.grades.rules import plannable_in_study_plan
from skolsam.grades.selectors_study_plans import (
    Term,
    syllabus_code,
    syllabus_name,
    term_from_code,
)
from skolsam.organisations.models import Organisation
from skolsam.people.models import Person


@dataclass(frozen=True)
class PlannedCourse:
    """A course or subject the pupil plans to read, under one of the spec's headings."""

    content_type: str
    syllabus: Syllabus
    points: int | None = None
    note: str = ""
    start_date: date | None = None
    end_date: date | None = None


def study_plan_set(
    *,
    actor: Actor,
    student: Person,
    organisation: Organisation,
    start_date: date,
    end_date: date | None = None,
    programme: Programme | None = None,
    courses: Sequence[PlannedCourse] = (),
) -> StudyPlan:
    """Create or replace the pupil's study plan at the unit (its administrators or SYV)."""
    refused = (
        "Bara skolenhetens administratörer och studie- och yrkesvägledare sätter studieplaner."
    )
    # The plan to be, unsaved: the policy checks the unit and the pupil's location at once
    # (a protected pupil's plan only by staff named for her; the system passes).
    study_plan_policy.require(
        actor, Action.CHANGE, StudyPlan(student=student, organisation=organisation), refused
    )
    _check(start_date, end_date, courses)
    with transaction.atomic():
        now = timezone.now()
        plan, created = StudyPlan.objects.select_for_update().get_or_create(
            student=student,
            organisation=organisation,
            defaults={"start_date": start_date, "created": now, "modified": now},
        )
        before = None if created else _summary(plan, list(plan.courses.all()))
        plan.start_date = start_date
        plan.end_date = end_date
        plan.programme = programme
        plan.modified = now
        plan.save()
        plan.courses.all().delete()
        rows = StudyPlanCourse.objects.bulk_create(
            StudyPlanCourse(
                study_plan=plan,
                content_type=c.content_type,
                syllabus=c.syllabus,
                points=c.points,
                note=c.note,
                start_date=c.start_date,
                end_date=c.end_date,
            )
            for c in courses
        )
        change_record(entity_type="StudyPlan", ids=[plan.pk], organisation_ids=[organisation.pk])
        audit_record(
            actor=actor,
            action="grades.study_plan_set",
            object_type="StudyPlan",
            object_id=plan.pk,
            person_id=student.pk,
            changes={"before": before, "after": _summary(plan, rows)},
            detail={"organisation": organisation.pk},
        )
    return plan


def _check(start: date, end: date | None, courses: Sequence[PlannedCourse]) -> None:
    if end is not None and end < start:
        raise DomainError({"end_date": "Studieplanen kan inte sluta innan den börjar."})
    seen = set()
    for c in courses:
        if c.content_type not in StudyPlanContentType.values:
            raise DomainError({"courses": f"Okänd rubrik i studieplanen: {c.content_type!r}."})
        if c.syllabus.pk in seen:
            name = c.syllabus.course_name or c.syllabus.subject_name
            raise DomainError({"courses": f"{name} står två gånger i studieplanen."})
        seen.add(c.syllabus.pk)
        if c.start_date and c.end_date and c.end_date < c.start_date:
            raise DomainError({"courses": "En kurs kan inte sluta innan den börjar."})


def _summary(plan: StudyPlan, courses: Sequence[StudyPlanCourse]) -> dict[str, Any]:
    return {
        "start_date": str(plan.start_date),
        "end_date": str(plan.end_date) if plan.end_date else None,
        "programme": str(plan.programme_id) if plan.programme_id else None,
        "courses": [[c.content_type, str(c.syllabus_id), c.points] for c in courses],
    }


def _refused() -> str:
    return _(
        "Bara skolenhetens rektor, administratörer och studie- och yrkesvägledare ändrar "
        "studieplanen."
    )


# Planned points a course may carry (the gymnasiearbete is 100; a GY25 subject level rarely
# more than a few hundred; 3,000 is a whole programme).
MAX_POINTS = 3000


def _school_form_name(school_type: str) -> str:
    return str(SchoolType(school_type).label) if school_type in SchoolType.values else school_type


def study_plan_details_set(
    *,
    actor: Actor,
    enrolment: Enrolment,
    start_date: date,
    end_date: date | None,
    programme: Programme | None,
) -> StudyPlan:
    """Create the pupil's study plan at the enrolment's unit, or change its start, end and
    programme; the planned courses must still fall within the plan's terms."""
    student, organisation = enrolment.person, enrolment.enroled_at
    study_plan_policy.require(
        actor, Action.CHANGE, StudyPlan(student=student, organisation=organisation), _refused()
    )
    period_validate(start_date, end_date)
    if programme is not None and programme.school_type != enrolment.school_type:
        raise DomainError(
            {
                "programme": _("%(programme)s hör inte till skolformen %(form)s som eleven går i.")
                % {"programme": programme, "form": _school_form_name(enrolment.school_type)}
            }
        )
    with transaction.atomic():
        now = timezone.now()
        plan, created = StudyPlan.objects.select_for_update().get_or_create(
            student=student,
            organisation=organisation,
            defaults={"start_date": start_date, "created": now, "modified": now},
        )
        courses = list(plan.courses.select_related("syllabus"))
        before = None if created else _summary(plan, courses)
        for c in courses:
            if not _within(c.start_date, c.end_date, start_date, end_date):
                raise DomainError(
                    {
                        "start_date": _(
                            "%(name)s är planerad utanför den nya tiden. Flytta eller ta "
                            "bort den först."
                        )
                        % {"name": syllabus_name(c.syllabus)}
                    }
                )
        plan.start_date = start_date
        plan.end_date = end_date
        plan.programme = programme
        plan.modified = now
        plan.save()
        change_record(entity_type="StudyPlan", ids=[plan.pk], organisation_ids=[organisation.pk])
        audit_record(
            actor=actor,
            action="grades.study_plan_details",
            object_type="StudyPlan",
            object_id=plan.pk,
            person_id=student.pk,
            changes={"before": before, "after": _summary(plan, courses)},
            detail={"organisation": organisation.pk},
        )
    return plan


def _within(start: date | None, end: date | None, plan_start: date, plan_end: date | None) -> bool:
    """Tell whether a course's term span overlaps the plan's period."""
    if start is None:
        return True
    last = end or start
    return last >= plan_start and (plan_end is None or start <= plan_end)


def _syllabus_by_code(code: str, school_type: str) -> Syllabus:
    code = code.strip()[:40]
    if not code:
        raise DomainError({"syllabus": _("Ange kurs- eller ämneskoden.")})
    found = list(
        Syllabus.objects.filter(
            Q(course_code__iexact=code) | Q(subject_code__iexact=code, course_code="")
        )
    )
    mine = [s for s in found if s.school_type == school_type]
    if not found:
        raise DomainError(
            {"syllabus": _("Det finns ingen kurs eller ämne med koden %(code)s.") % {"code": code}}
        )
    if not mine:
        raise DomainError(
            {
                "syllabus": _(
                    "%(name)s (%(code)s) hör till skolformen %(other)s, inte till %(form)s "
                    "som eleven går i."
                )
                % {
                    "name": syllabus_name(found[0]),
                    "code": code,
                    "other": _school_form_name(found[0].school_type),
                    "form": _school_form_name(school_type),
                }
            }
        )
    syllabus = mine[0]
    if not plannable_in_study_plan(syllabus.curriculum, syllabus.course_code):
        raise DomainError(
            {
                "syllabus": _(
                    "%(name)s är ett ämne i GY11, där betyg sätts per kurs: välj en av "
                    "ämnets kurser."
                )
                % {"name": syllabus_name(syllabus)}
            }
        )
    return syllabus


def study_plan_course_add(
    *,
    actor: Actor,
    enrolment: Enrolment,
    plan: StudyPlan,
    content_type: str,
    code: str,
    term: str,
    points: int | None = None,
    note: str = "",
) -> StudyPlanCourse:
    """Add a course (GY11) or subject (GY25) of the pupil's school form to the plan, under
    one of the spec's headings, planned for a term within the plan's period."""
    study_plan_policy.require(actor, Action.CHANGE, plan, _refused())
    if content_type not in StudyPlanContentType.values:
        raise DomainError({"content_type": _("Välj en rubrik i studieplanen.")})
    syllabus = _syllabus_by_code(code, enrolment.school_type)
    when: Term | None = term_from_code(term) if term else None
    if term and when is None:
        raise DomainError({"term": _("Välj en termin, till exempel HT2026.")})
    if points is not None and not 0 < points <= MAX_POINTS:
        raise DomainError(
            {"points": _("Poängen ska vara mellan 1 och %(max)s.") % {"max": MAX_POINTS}}
        )
    if when is not None and not _within(when.start, when.end, plan.start_date, plan.end_date):
        raise DomainError(
            {
                "term": _("%(term)s ligger utanför studieplanens tid (%(start)s–%(end)s).")
                % {"term": when, "start": plan.start_date, "end": plan.end_date or ""}
            }
        )
    with transaction.atomic():
        locked = StudyPlan.objects.select_for_update().get(pk=plan.pk)
        if locked.courses.filter(syllabus=syllabus).exists():
            raise DomainError(
                {
                    "syllabus": _("%(name)s står redan i studieplanen.")
                    % {"name": syllabus_name(syllabus)}
                }
            )
        course = StudyPlanCourse.objects.create(
            study_plan=locked,
            content_type=content_type,
            syllabus=syllabus,
            points=points,
            note=note,
            start_date=when.start if when else None,
            end_date=when.end if when else None,
        )
        locked.modified = timezone.now()
        locked.save(update_fields=["modified"])
        change_record(
            entity_type="StudyPlan", ids=[locked.pk], organisation_ids=[locked.organisation_id]
        )
        audit_record(
            actor=actor,
            action="grades.study_plan_course_add",
            object_type="StudyPlan",
            object_id=locked.pk,
            person_id=locked.student_id,
            changes={
                "added": [
                    content_type,
                    syllabus_code(syllabus),
                    points,
                    when.code if when else None,
                ]
            },
            detail={"organisation": locked.organisation_id},
        )
    return course


def study_plan_course_remove(*, actor: Actor, plan: StudyPlan, course_id: Any) -> None:
    """Take a planned course or subject off the plan (a course the pupil drops is better
    moved under Borttagna kurser; this removes a planning mistake)."""
    study_plan_policy.require(actor, Action.CHANGE, plan, _refused())
    with transaction.atomic():
        locked = StudyPlan.objects.select_for_update().get(pk=plan.pk)
        course = (
            StudyPlanCourse.objects.filter(study_plan=locked, pk=course_id)
            .select_related("syllabus")
            .first()
            if str(course_id).isdigit() and len(str(course_id)) < 19
            else None
        )
        if course is None:
            raise DomainError(
                {"course": _("Kursen finns inte i studieplanen. Läs in sidan på nytt.")}
            )
        course.delete()
        locked.modified = timezone.now()
        locked.save(update_fields=["modified"])
        change_record(
            entity_type="StudyPlan", ids=[locked.pk], organisation_ids=[locked.organisation_id]
        )
        audit_record(
            actor=actor,
            action="grades.study_plan_course_remove",
            object_type="StudyPlan",
            object_id=locked.pk,
            person_id=locked.student_id,
            changes={
                "removed": [
                    course.content_type,
                    syllabus_code(course.syllabus),
                    course.points,
                    str(course.start_date) if course.start_date else None,
                ]
            },
            detail={"organisation": locked.organisation_id},
        )


def security_marking_changed(*, person_id: Any, **_: Any) -> None:
    """Record a pupil's study plans as changed when her protected identity changes.

    Receiver of `core.events.security_marking_changed` (connected in apps.py). The SS 12000
    API hides a protected pupil's study plans from clients without the right to protected
    data, so they leave (and come back into) those clients' view: a `left` tombstone
    candidate in each unit, listed in /deletedEntities while out of view.
    """
    for pk, unit in StudyPlan.objects.filter(student_id=person_id).values_list(
        "pk", "organisation_id"
    ):
        change_record(entity_type="StudyPlan", ids=[pk], organisation_ids=[unit], left=True)
