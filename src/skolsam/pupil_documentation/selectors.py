"""Read what the adaptation pages and the grade sheet show, through `adaptation_policy`,
each in a constant number of queries whatever the number of pupils or adaptations."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from django.db.models import Q

from skolsam.activities.models import Activity
from skolsam.core.access import Actor
from skolsam.core.models import valid_on
from skolsam.core.policy import Action, pk_of
from skolsam.curriculum.models import Syllabus
from skolsam.pupil_documentation.access import adaptation_policy, offence_policy
from skolsam.pupil_documentation.models import Adaptation, OffensiveTreatmentLimits


def subjects_of(*, student: Any, organisation: Any, day: date) -> list[Syllabus]:
    """Return the subjects the pupil studies at the unit that day: the syllabuses of the
    unit's activities whose groups hold her. One query."""
    activities = Activity.objects.filter(
        valid_on(day),
        valid_on(day, "groups__memberships__"),
        organisation_id=pk_of(organisation),
        groups__memberships__person_id=pk_of(student),
        syllabus__isnull=False,
    ).values("syllabus_id")
    return list(
        Syllabus.objects.filter(pk__in=activities).order_by("subject_name", "course_name", "pk")
    )


def pupil_adaptations(*, actor: Actor, student: Any) -> list[Adaptation]:
    """Return the pupil's adaptations the actor may see, the active ones first (by
    follow-up date), then the ended ones (latest first), each with its evaluations."""
    rows = list(
        adaptation_policy.objects(actor, Action.VIEW)
        .filter(student_id=pk_of(student))
        .select_related("organisation", "syllabus", "recorded_by", "ended_by")
        .prefetch_related("evaluations__recorded_by")
    )
    active = [a for a in rows if a.ended_at is None]
    ended = [a for a in rows if a.ended_at is not None]
    active.sort(key=lambda a: a.follow_up_date)
    ended.sort(key=lambda a: a.ended_at or a.recorded_at, reverse=True)
    return active + ended


@dataclass
class UnitRow:
    """One pupil with active adaptations at a unit: hers, and whether a follow-up is due."""

    student: Any
    adaptations: list[Adaptation] = field(default_factory=list)

    @property
    def next_follow_up(self) -> date:
        return min(a.follow_up_date for a in self.adaptations)


def unit_adaptations(*, actor: Actor, organisation: Any) -> list[UnitRow]:
    """Return the pupils with active adaptations at the unit that the actor may see, the
    earliest follow-up first: one query."""
    rows: dict[UUID, UnitRow] = {}
    for a in (
        adaptation_policy.objects(actor, Action.VIEW)
        .filter(organisation_id=pk_of(organisation), ended_at__isnull=True)
        .select_related("student", "syllabus")
        .order_by("follow_up_date", "student__family_name", "student__given_name")
    ):
        rows.setdefault(a.student_id, UnitRow(student=a.student)).adaptations.append(a)
    return sorted(
        rows.values(),
        key=lambda r: (r.next_follow_up, r.student.family_name, r.student.given_name),
    )


def sheet_adaptations(
    *, actor: Actor, student_ids: list[UUID], organisation_id: UUID, syllabus: Any | None
) -> dict[UUID, list[Adaptation]]:
    """Return, per pupil of a grade sheet, the active adaptations in the sheet's subject or
    in all subjects that the actor may see: one query, whatever the group's size.

    An adaptation "in the subject" is one of the sheet's syllabus or of another course of
    the same subject (GY11's courses of one subject, or a GY25 subject grade).
    """
    if not student_ids:
        return {}
    subject = Q(syllabus__isnull=True)
    if syllabus is not None:
        subject |= Q(syllabus_id=syllabus.pk)
        if syllabus.subject_code:
            subject |= Q(
                syllabus__subject_code=syllabus.subject_code,
                syllabus__school_type=syllabus.school_type,
            )
    out: dict[UUID, list[Adaptation]] = defaultdict(list)
    for a in (
        adaptation_policy.objects(actor, Action.VIEW)
        .filter(
            subject,
            student_id__in=student_ids,
            organisation_id=organisation_id,
            ended_at__isnull=True,
            start_date__lte=actor.on,
        )
        .select_related("syllabus")
        .order_by("start_date", "recorded_at")
    ):
        out[a.student_id].append(a)
    return dict(out)


# --- Reports of offensive treatment -------------------------------------------------------


def unit_offences(*, actor: Actor, organisation: Any) -> list[Any]:
    """Return the unit's cases the actor investigates (rektor, huvudman), newest first, with
    the ids of the persons named (for the audit entry, never shown): two queries."""
    return list(
        offence_policy.objects(actor, Action.FOLLOW_UP)
        .filter(organisation_id=pk_of(organisation))
        .prefetch_related("involved")
        .order_by("-reported_at")
    )


def term_of(day: date) -> str:
    """Name the school term a date falls in: VT (January–June) or HT (July–December)."""
    return f"{'VT' if day.month <= 6 else 'HT'} {day.year}"


@dataclass
class OffenceStats:
    """One school's count of reports in one term: no names, only numbers."""

    unit: str
    term: str
    reported: int = 0
    staff_alleged: int = 0
    closed: int = 0
    late: int = 0


def huvudman_offences(*, actor: Actor) -> tuple[list[Any], list[OffenceStats]]:
    """Return the open cases across the huvudman's units the actor investigates (with their
    unit and the named persons' ids for the audit entry), and the statistics per school and
    term over every case, without names: three queries."""
    scope = offence_policy.objects(actor, Action.FOLLOW_UP).filter(
        organisation_id__in=actor.central_org_ids
    )
    open_cases = list(
        scope.filter(closed_at__isnull=True)
        .select_related("organisation")
        .prefetch_related("involved")
        .order_by("organisation__display_name", "reported_at")
    )
    stats: dict[tuple[str, str], OffenceStats] = {}
    for name, occurred, reported, forwarded, skipped, closed in scope.values_list(
        "organisation__display_name",
        "occurred_on",
        "reported_on",
        "forwarded_on",
        "rektor_step_skipped",
        "closed_at",
    ):
        key = (name, term_of(occurred))
        row = stats.setdefault(key, OffenceStats(unit=name, term=key[1]))
        row.reported += 1
        row.staff_alleged += int(skipped)
        row.closed += int(closed is not None)
        done = forwarded or actor.on
        row.late += int((done - reported).days > OffensiveTreatmentLimits.HUVUDMAN_DAYS)
    return open_cases, sorted(stats.values(), key=lambda r: (r.unit, r.term))
