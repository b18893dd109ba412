"""Report a pupil's absence: by a guardian, or by staff for a guardian who phoned."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from uuid import UUID

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skolsam.attendance import access as attendance_access
from skolsam.attendance.models import Absence, AbsenceChannel, AbsenceType, Attendance
from skolsam.attendance.policy import policy_for
from skolsam.attendance.services._common import (
    _apply_absence,
    _guardians_of,
    _school_unit_of,
)
from skolsam.audit.services import audit_record
from skolsam.core.access import Actor
from skolsam.core.changes import change_record
from skolsam.core.errors import DomainError
from skolsam.core.policy import Action
from skolsam.organisations.models import Organisation
from skolsam.people.models import Person
from skolsam.schedule import calendar


def _may_report_for(actor: Actor, student: Person, unit: Organisation) -> str:
    """Return the channel the actor reports through, or refuse."""
    channel = attendance_access.absence_report_channel(actor, student, unit.pk)
    if channel is None and attendance_access.is_api_client(actor):
        raise DomainError(
            {"student": _("Eleven är inte inskriven vid någon av klientens enheter den dagen.")}
        )
    if channel is None:
        raise DomainError(_("Du kan bara anmäla frånvaro för dina egna barn."))
    return channel


@transaction.atomic
def absence_report(
    *,
    actor: Actor,
    student: Person,
    start: datetime,
    end: datetime,
    reported_for: Person | None = None,
    absence_type: str = AbsenceType.ANMALD,
    organisation_id: UUID | None = None,
) -> Absence:
    """Report a pupil absent from `start` to `end`; it becomes valid absence in every lesson.

    A guardian reports their own child; staff at the pupil's school register a report
    received by phone, naming the guardian who called (`reported_for`); an SS 12000
    client (a guardian app) reports for the pupils of its organisations, optionally
    naming the guardian who reported in it (`reported_for`, then also its registrar).
    A guardian's report, on the web or through a client, is never for days gone by.
    `organisation_id`, when given, must be the school unit the pupil is at that day.
    """
    if end <= start:
        raise DomainError({"end": _("Frånvaron måste sluta efter att den börjar.")})
    if end - start > timedelta(days=31):
        raise DomainError({"end": _("En anmälan kan gälla högst en månad; gör en ny för resten.")})
    local_start = calendar.local(start)
    unit = _school_unit_of(student, local_start.date())
    if organisation_id is not None and organisation_id != unit.pk:
        raise DomainError(
            {"organisation": _("Eleven är inte inskriven vid den enheten den dagen.")}
        )
    channel = _may_report_for(actor, student, unit)
    if (
        local_start.date() < actor.on
        and (
            channel == AbsenceChannel.WEB
            or (channel == AbsenceChannel.API and attendance_access.is_api_client(actor))
        )
        and absence_type == AbsenceType.ANMALD
    ):
        raise DomainError({"start": _("Frånvaro kan inte anmälas i efterhand; kontakta skolan.")})
    if channel == AbsenceChannel.WEB:
        ahead = policy_for(unit.pk).absence_report_days_ahead
        if local_start.date() > actor.on + timedelta(days=ahead):
            raise DomainError(
                {
                    "start": _(
                        "Frånvaro kan anmälas högst %(ahead)s dagar i förväg här; kontakta "
                        "skolan för en längre frånvaro."
                    )
                    % {"ahead": ahead}
                }
            )
    if channel == AbsenceChannel.PHONE and (
        reported_for is None
        or reported_for not in _guardians_of(student, local_start.date(), Action.REPORT_ABSENCE)
    ):
        raise DomainError({"reported_for": _("Ange vilken vårdnadshavare som ringde.")})
    if (
        channel == AbsenceChannel.API
        and reported_for is not None
        and reported_for not in _guardians_of(student, local_start.date(), Action.REPORT_ABSENCE)
    ):
        raise DomainError(
            {
                "reported_for": _(
                    "Den som anmäler måste vara vårdnadshavare eller ansvarig för eleven."
                )
            }
        )
    if absence_type not in AbsenceType.values:
        raise DomainError({"type": _("Okänd frånvarotyp.")})
    absence = Absence.objects.create(
        student=student,
        organisation=unit,
        start_time=start,
        end_time=end,
        type=absence_type,
        channel=channel,
        # Through a client, the guardian who reported in it registered the report.
        registered_by_id=actor.person_id
        or (reported_for.pk if channel == AbsenceChannel.API and reported_for else None),
        reported_for=reported_for,
    )
    change_record(entity_type="Absence", ids=[absence.pk], organisation_ids=[unit.pk])
    lessons = _apply_absence(absence)
    audit_record(
        actor=actor,
        action="absence.report",
        object_type="Absence",
        object_id=absence.pk,
        person_id=student.pk,
        detail={"start": start, "end": end, "channel": channel, "lessons": lessons},
    )
    return absence


def day_span(
    first: date, last: date, start: time | None = None, end: time | None = None
) -> tuple[datetime, datetime]:
    """Return the aware period from `start` on `first` to `end` on `last` (whole days by default)."""
    begin = calendar.at(first, start or time(0, 0))
    finish = calendar.at(last, end) if end else calendar.at(last + timedelta(days=1), time(0, 0))
    return begin, finish


@transaction.atomic
def absence_report_many(
    *, actor: Actor, students: list[Person], start: datetime, end: datetime
) -> list[Absence]:
    """Report several children absent for the same period (siblings home with a cold).

    One report per child, each checked as `absence_report` checks it; all or nothing.
    """
    if not students:
        raise DomainError({"children": _("Välj minst ett barn.")})
    return [absence_report(actor=actor, student=s, start=start, end=end) for s in students]


def _may_change_report(actor: Actor, absence: Absence) -> None:
    """Refuse anyone but those who may report the pupil absent on the web, and any absence
    that is not a reported one (granted leave is changed by the rektor, not here)."""
    if absence.type != AbsenceType.ANMALD:
        raise DomainError(_("Bara anmäld frånvaro kan ändras här; kontakta skolan."))
    unit = Organisation(pk=absence.organisation_id)
    if _may_report_for(actor, absence.student, unit) != AbsenceChannel.WEB:
        raise DomainError(_("Du kan bara ändra frånvaro för dina egna barn."))


def _unapply_from(absence: Absence, moment: datetime) -> int:
    """Remove what the absence wrote in the registers of lessons starting at `moment` or later.

    A row the teacher has since saved (`reported_timestamp`) is the teacher's and stays.
    """
    rows = list(
        Attendance.objects.filter(
            absence=absence,
            calendar_event__start_time__gte=moment,
            reported_timestamp__isnull=True,
        )
    )
    if rows:
        change_record(
            entity_type="Attendance",
            ids=[r.pk for r in rows],
            organisation_ids={r.organisation_id for r in rows},
            deleted=True,
        )
        Attendance.objects.filter(pk__in=[r.pk for r in rows]).delete()
    return len(rows)


@transaction.atomic
def absence_withdraw(*, actor: Actor, absence: Absence) -> None:
    """Withdraw a reported absence before it starts (the child is well after all)."""
    _may_change_report(actor, absence)
    if absence.start_time <= timezone.now():
        raise DomainError(
            {
                "absence": _(
                    "Frånvaron har redan börjat; avsluta den i stället, eller kontakta skolan."
                )
            }
        )
    removed = _unapply_from(absence, absence.start_time)
    audit_record(
        actor=actor,
        action="absence.withdraw",
        object_type="Absence",
        object_id=absence.pk,
        person_id=absence.student_id,
        detail={"start": absence.start_time, "end": absence.end_time, "lessons": removed},
    )
    change_record(
        entity_type="Absence",
        ids=[absence.pk],
        organisation_ids=[absence.organisation_id],
        deleted=True,
    )
    absence.delete()


@transaction.atomic
def absence_end_early(*, actor: Actor, absence: Absence, end: datetime | None = None) -> Absence:
    """End an ongoing (or coming) reported absence earlier: at `end`, or now.

    Lessons from the new end on are no longer covered; the registers get them back.
    """
    _may_change_report(actor, absence)
    now = timezone.now()
    end = end or now
    if end >= absence.end_time:
        raise DomainError({"end": _("Den nya sluttiden måste vara före den anmälda.")})
    if end <= absence.start_time:
        raise DomainError(
            {"end": _("Den nya sluttiden är före starten; återkalla anmälan i stället.")}
        )
    if end < now - timedelta(minutes=5):
        raise DomainError({"end": _("Frånvaro kan inte avslutas i efterhand; kontakta skolan.")})
    old = absence.end_time
    absence.end_time = end
    absence.modified = now
    absence.save(update_fields=["end_time", "modified"])
    removed = _unapply_from(absence, end)
    _apply_absence(absence)
    change_record(
        entity_type="Absence", ids=[absence.pk], organisation_ids=[absence.organisation_id]
    )
    audit_record(
        actor=actor,
        action="absence.end_early",
        object_type="Absence",
        object_id=absence.pk,
        person_id=absence.student_id,
        changes={"end_time": [old.isoformat(), end.isoformat()]},
        detail={"lessons_freed": removed},
    )
    return absence
