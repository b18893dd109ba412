"""Helpers shared by several topics: the register row's columns, a pupil's school unit
and guardians, and absence written into the registers (reported absence, granted leave)."""

from __future__ import annotations

import uuid
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from skolsam.attendance.minutes import split
from skolsam.attendance.models import (
    Absence,
    AbsenceType,
    Attendance,
    AttendanceKind,
    AttendanceSource,
)
from skolsam.core.changes import change_record
from skolsam.core.errors import DomainError
from skolsam.core.models import valid_on
from skolsam.core.policy import Action
from skolsam.enrolment.models import Enrolment, Placement
from skolsam.organisations.models import Organisation
from skolsam.people.access import relations_acting_for
from skolsam.people.models import Person
from skolsam.schedule.access import lessons_of_person

_ROW_FIELDS = (
    "kind",
    "valid",
    "minutes",
    "attendance_minutes",
    "valid_absence_minutes",
    "invalid_absence_minutes",
    "absence_reason",
    "source",
    "absence",
    "reporter",
    "reported_timestamp",
    "modified",
)


def _school_unit_of(student: Person, day: date) -> Organisation:
    enrolment = (
        Enrolment.objects.filter(valid_on(day), person=student, cancelled=False)
        .select_related("enroled_at")
        .order_by("start_date")
        .first()
    )
    if enrolment is not None:
        return enrolment.enroled_at
    placement = (
        Placement.objects.filter(valid_on(day), child=student)
        .select_related("placed_at")
        .order_by("start_date")
        .first()
    )
    if placement is not None:
        return placement.placed_at
    raise DomainError({"student": _("Eleven är inte inskriven vid någon skola den dagen.")})


def _guardians_of(
    student: Person, day: date, action: Action = Action.REPORT_ABSENCE
) -> list[Person]:
    """Return the adults who may take `action` for the pupil (people.access.child_policy)."""
    return list(
        Person.objects.filter(
            pk__in=relations_acting_for(action, day).filter(person=student).values("responsible_id")
        ).order_by("family_name", "given_name", "id")
    )


def _apply_absence(absence: Absence) -> int:
    """Make the absence valid absence in every register it touches; return how many.

    A lesson where the teacher already marked the pupil present stays as it is: the
    teacher saw the pupil. Invalid absence the teacher marked becomes valid.
    """
    lessons = list(
        lessons_of_person(absence.student_id).filter(
            cancelled=False,
            start_time__lt=absence.end_time,
            end_time__gt=absence.start_time,
        )
    )
    existing = {
        a.calendar_event_id: a
        for a in Attendance.objects.filter(
            student_id=absence.student_id, calendar_event__in=lessons
        )
    }
    source = (
        AttendanceSource.LEAVE if absence.type == AbsenceType.LEDIGHET else AttendanceSource.ABSENCE
    )
    now = timezone.now()
    rows = []
    for lesson in lessons:
        old = existing.get(lesson.pk)
        if old is not None and old.kind == AttendanceKind.PRESENT:
            continue
        start = max(lesson.start_time, absence.start_time)
        end = min(lesson.end_time, absence.end_time)
        away = int((end - start).total_seconds() // 60)
        length = lesson.duration_minutes
        if away >= length or (old is not None and old.kind == AttendanceKind.ABSENT):
            kind, minutes = AttendanceKind.ABSENT, 0
        elif start == lesson.start_time:
            kind, minutes = AttendanceKind.LATE, away
        else:
            kind, minutes = AttendanceKind.LEFT_EARLY, away
        s = split(kind, True, minutes, length)
        rows.append(
            Attendance(
                id=old.pk if old else uuid.uuid4(),
                calendar_event_id=lesson.pk,
                student_id=absence.student_id,
                date=lesson.date,
                organisation_id=lesson.organisation_id,
                kind=kind,
                valid=True,
                minutes=minutes,
                attendance_minutes=s.attendance,
                valid_absence_minutes=s.valid_absence,
                invalid_absence_minutes=0,
                absence_reason=absence.type,
                source=source,
                absence_id=absence.pk,
                reporter_id=absence.registered_by_id,
                reported_timestamp=old.reported_timestamp if old else None,
                modified=now,
            )
        )
    Attendance.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["calendar_event", "student"],
        update_fields=[f"{f}_id" if f in ("absence", "reporter") else f for f in _ROW_FIELDS],
    )
    if rows:
        change_record(
            entity_type="Attendance",
            ids=[r.pk for r in rows],
            organisation_ids={r.organisation_id for r in rows},
        )
    return len(rows)
