"""Set a pupil's individual study plan (SS 12000 `StudyPlan`): its period, programme and
planned courses, grouped under the spec's content types.

`study_plan_set` creates the pupil's plan at the unit or replaces what it holds, in one
transaction: the plan, its courses, an audit entry under the pupil and a `StudyPlan`
change for the SS 12000 outbox (webhooks, `meta.modified`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from skolsam.audit.services import audit_record
from skolsam.core.access import Actor
from skolsam.core.changes import change_record
from skolsam.core.errors import DomainError
from skolsam.core.policy import Action
from skolsam.curriculum.models import Programme, Syllabus
from skolsam.grades.access import study_plan_policy
from skolsam.grades.models import StudyPlan, StudyPlanContentType, StudyPlanCourse
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
