"""Write attendance as other systems send it through SS 12000 (POST and DELETE)."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skolsam.attendance.models import Attendance, AttendanceKind, AttendanceSource
from skolsam.audit.services import audit_record
from skolsam.core.access import Actor
from skolsam.core.changes import change_record
from skolsam.core.errors import DomainError, text_problem
from skolsam.core.models import valid_on
from skolsam.people.models import Person
from skolsam.schedule.models import CalendarEvent


@transaction.atomic
def attendance_set_minutes(
    *,
    actor: Actor,
    lesson: CalendarEvent,
    student: Person,
    attendance_minutes: int,
    valid_absence_minutes: int,
    invalid_absence_minutes: int,
    other_attendance_minutes: int = 0,
    absence_reason: str = "",
    lesson_reported: bool = False,
) -> Attendance:
    """Record one pupil's minutes at one lesson as another system sends them (SS 12000 POST).

    The pupil must be a member of one of the lesson's groups that day, and the minutes
    must not add up to more than the lesson. `lesson_reported` (SS 12000 `isReported`:
    "the lesson is reported") marks the lesson reported if it is not yet; every row of the
    lesson then shows `isReported: true` and is modified now, so an incremental sync sees
    it. False leaves the lesson as it is: one system's row does not un-report a lesson
    that its teacher has reported.
    """
    from skolsam.groups.models import GroupMembership

    minutes = (
        attendance_minutes,
        valid_absence_minutes,
        invalid_absence_minutes,
        other_attendance_minutes,
    )
    if problem := text_problem(absence_reason, max_length=100):
        raise DomainError({"absence_reason": problem})
    if any(m < 0 for m in minutes):
        raise DomainError({"minutes": _("Minuter kan inte vara negativa.")})
    if sum(minutes) > lesson.duration_minutes:
        raise DomainError(
            {
                "minutes": _("Minuterna är fler än lektionens %(duration_minutes)s minuter.")
                % {"duration_minutes": lesson.duration_minutes}
            }
        )
    member = GroupMembership.objects.filter(
        valid_on(lesson.date),
        person=student,
        group_id__in=lesson.activity.groups.values("pk"),
    ).exists()
    if not member:
        raise DomainError({"student": _("Eleven hör inte till lektionens grupper den dagen.")})
    valid = valid_absence_minutes > 0 and invalid_absence_minutes == 0
    away = valid_absence_minutes + invalid_absence_minutes
    kind = (
        AttendanceKind.PRESENT
        if away == 0
        else AttendanceKind.ABSENT
        if away >= lesson.duration_minutes
        else AttendanceKind.LATE
    )
    now = timezone.now()
    row, created = Attendance.objects.update_or_create(
        calendar_event=lesson,
        student=student,
        defaults={
            "date": lesson.date,
            "organisation_id": lesson.organisation_id,
            "kind": kind,
            "valid": valid,
            "minutes": 0 if kind != AttendanceKind.LATE else away,
            "attendance_minutes": attendance_minutes,
            "valid_absence_minutes": valid_absence_minutes,
            "invalid_absence_minutes": invalid_absence_minutes,
            "other_attendance_minutes": other_attendance_minutes,
            "absence_reason": absence_reason,
            "source": AttendanceSource.API,
            "reported_timestamp": now,
            "modified": now,
        },
    )
    changed = [row.pk]
    if lesson_reported and lesson.reported_at is None:
        marked = CalendarEvent.objects.filter(pk=lesson.pk, reported_at__isnull=True).update(
            reported_at=now
        )
        if marked:
            lesson.reported_at = now
            others = Attendance.objects.filter(calendar_event=lesson).exclude(pk=row.pk)
            changed += list(others.values_list("pk", flat=True))
            others.update(modified=now)
    change_record(entity_type="Attendance", ids=changed, organisation_ids=[lesson.organisation_id])
    audit_record(
        actor=actor,
        action="attendance.api_set",
        object_type="Attendance",
        object_id=row.pk,
        person_id=student.pk,
        detail={
            "lesson": lesson.pk,
            "minutes": list(minutes),
            "created": created,
            "lesson_reported": lesson.reported_at is not None,
        },
    )
    if invalid_absence_minutes and lesson.date >= actor.on - timedelta(days=1):
        from skolsam.attendance.notices import schedule_absence_notices

        transaction.on_commit(
            lambda: schedule_absence_notices(
                organisation_id=lesson.organisation_id, day=lesson.date
            )
        )
    return row


@transaction.atomic
def attendance_delete(*, actor: Actor, attendance: Attendance) -> None:
    """Remove one attendance row (SS 12000 DELETE); the deletion is audit-logged."""
    audit_record(
        actor=actor,
        action="attendance.api_delete",
        object_type="Attendance",
        object_id=attendance.pk,
        person_id=attendance.student_id,
        detail={"lesson": attendance.calendar_event_id},
    )
    change_record(
        entity_type="Attendance",
        ids=[attendance.pk],
        organisation_ids=[attendance.organisation_id],
        deleted=True,
    )
    attendance.delete()
