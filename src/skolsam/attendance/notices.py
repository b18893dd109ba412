"""Tell guardians: same-day notices of invalid absence (SL 7:17) and leave decisions.

When: a register with invalid absence queues the school unit's send for the day's cut-off
time (AttendancePolicy.notice_cutoff, 15:00 by default); a register saved after the
cut-off queues it for the next morning (notice_morning). Each run sends, per pupil, one
notice per guardian and channel listing every lesson of the day with invalid absence so
far, and the day's total counted as the statistics count it (overlapping lessons once).
A pupil already notified that day gets no second notice.

Who: every guardian with custody that day. A guardian with protected identity gets the
notice only inside Skolsam (no e-mail or SMS: automatic mail must not carry their data).
Pupils for whom the rektor recorded särskilda skäl get none.

Exactly once: a notice is a row with a unique key (kind, pupil, day, guardian, channel,
reference). The sender inserts it first; if the insert loses to another run, that run
owns it. It is then claimed with a conditional update (Väntar → Skickas) and sent; only
the claimant sends.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from skolsam.attendance.models import (
    Attendance,
    LeaveRequest,
    Notice,
    NoticeChannel,
    NoticeExemption,
    NoticeKind,
    NoticeStatus,
)
from skolsam.attendance.policy import policy_for
from skolsam.attendance.stats import absence_minutes
from skolsam.core.choices import SecurityMarking
from skolsam.core.humandates import written_day
from skolsam.core.policy import Action
from skolsam.core.sms import sms_provider
from skolsam.people.access import minor_on, relations_acting_for
from skolsam.people.models import Person
from skolsam.schedule import calendar

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


def send_time(organisation_id: UUID, day: date, now: datetime | None = None) -> datetime:
    """Return when the notices for `day` at this unit go: the cut-off, or the next morning."""
    policy = policy_for(organisation_id, cached=True)
    moment = now or timezone.now()
    cutoff = calendar.at(day, policy.notice_cutoff)
    if moment < cutoff:
        return cutoff
    morning = calendar.at(day + timedelta(days=1), policy.notice_morning)
    return morning if moment < morning else moment


def schedule_absence_notices(*, organisation_id: UUID, day: date) -> None:
    """Queue the unit's send for `day` (called after the register's transaction commits)."""
    from django_tasks import default_task_backend

    from skolsam.attendance.tasks import send_absence_notices_task

    when = send_time(organisation_id, day)
    runner = send_absence_notices_task
    if default_task_backend.supports_defer and when > timezone.now():
        runner = runner.using(run_after=when)
    runner.enqueue(organisation_id=str(organisation_id), day=day.isoformat())


def schedule_leave_decision_notices(*, leave_id: UUID) -> None:
    from skolsam.attendance.tasks import send_leave_decision_notices_task

    send_leave_decision_notices_task.enqueue(leave_id=str(leave_id))


def _guardians(student_ids: set[UUID], day: date) -> dict[UUID, list[Person]]:
    out: dict[UUID, list[Person]] = defaultdict(list)
    for relation in (
        # Who receives notices is decided once, in people.access (custody, minors only).
        relations_acting_for(Action.RECEIVE_NOTICES, day)
        .filter(person_id__in=student_ids)
        .select_related("responsible")
        .order_by("responsible__family_name", "responsible__given_name", "responsible_id")
    ):
        out[relation.person_id].append(relation.responsible)
    # An adult pupil (18 or over) gets the notice themself; former guardians only with
    # the pupil's consent (relations_acting_for asks it).
    for pupil in Person.objects.filter(pk__in=student_ids).exclude(minor_on(day)):
        out[pupil.pk].insert(0, pupil)
    return out


def _channels(guardian: Person) -> list[tuple[str, str]]:
    """Return (channel, address) pairs for a guardian; protected guardians only in Skolsam."""
    found = [(NoticeChannel.INAPP.value, "")]
    if guardian.security_marking != SecurityMarking.INGEN:
        return found
    email = next((e.get("value") for e in guardian.emails or [] if e.get("value")), None)
    if email:
        found.append((NoticeChannel.EMAIL.value, email))
    mobile = next(
        (
            p.get("value")
            for p in guardian.phone_numbers or []
            if p.get("value") and p.get("mobile", True)
        ),
        None,
    )
    if mobile:
        found.append((NoticeChannel.SMS.value, mobile))
    return found


def _deliver(notice: Notice) -> None:
    if notice.channel == NoticeChannel.EMAIL:
        send_mail(notice.subject, notice.body, None, [notice.address])
    elif notice.channel == NoticeChannel.SMS:
        sms_provider().send(to=notice.address, text=notice.body)
    # In-app notices are delivered by being there: the guardian reads them in Skolsam.


def _claim_and_send(notice: Notice) -> bool:
    """Send a notice if this run wins the claim; return whether it was sent now."""
    claimed = Notice.objects.filter(
        pk=notice.pk,
        status__in=[NoticeStatus.PENDING, NoticeStatus.FAILED],
        attempts__lt=MAX_ATTEMPTS,
    ).update(status=NoticeStatus.SENDING, attempts=F("attempts") + 1)
    if not claimed:
        return False
    try:
        _deliver(notice)
    except Exception as exc:  # a provider may fail in any way; record it and try again later
        log.warning("Notice %s could not be sent: %s", notice.pk, exc)
        Notice.objects.filter(pk=notice.pk).update(status=NoticeStatus.FAILED, error=str(exc)[:300])
        return False
    Notice.objects.filter(pk=notice.pk).update(status=NoticeStatus.SENT, sent_at=timezone.now())
    return True


def _insert(**fields: object) -> Notice | None:
    """Insert a notice by its unique key; return the stored row (new or the existing one)."""
    key = {
        k: fields[k] for k in ("kind", "student_id", "day", "guardian_id", "channel", "reference")
    }
    try:
        with transaction.atomic():
            return Notice.objects.create(**fields)
    except IntegrityError:
        return Notice.objects.filter(**key).first()


def send_absence_notices(*, organisation_id: UUID, day: date) -> int:
    """Send, for one unit and day, one notice per pupil, guardian and channel; return how many."""
    rows = list(
        Attendance.objects.filter(
            organisation_id=organisation_id, date=day, invalid_absence_minutes__gt=0
        )
        .select_related("calendar_event__activity", "student")
        .order_by("calendar_event__start_time")
    )
    exempt = set(
        NoticeExemption.objects.filter(
            organisation_id=organisation_id, start_date__lte=day, end_date__gte=day
        ).values_list("student_id", flat=True)
    )
    lessons: dict[UUID, list[dict]] = defaultdict(list)
    students: dict[UUID, Person] = {}
    for row in rows:
        if row.student_id in exempt:
            continue
        event = row.calendar_event
        students[row.student_id] = row.student
        lessons[row.student_id].append(
            {
                "lesson": str(event.pk),
                "name": event.activity.display_name,
                "start": calendar.local(event.start_time).strftime("%H:%M"),
                "end": calendar.local(event.end_time).strftime("%H:%M"),
                "minutes": row.invalid_absence_minutes,
            }
        )
    already = set(
        Notice.objects.filter(
            kind=NoticeKind.ABSENCE,
            day=day,
            student_id__in=list(students),
            status__in=[NoticeStatus.SENT, NoticeStatus.SENDING],
        ).values_list("student_id", "guardian_id", "channel")
    )
    guardians = _guardians(set(students), day)
    # The day's invalid absence as the statistics count it: overlapping lessons once.
    totals = absence_minutes(organisation_id, day, day)
    sent = 0
    now = timezone.now()
    for student_id, items in lessons.items():
        total = totals.get(student_id, (0, 0, 0))[1]
        if not total:
            continue  # every invalid minute was spent in another lesson, or is valid there
        child = students[student_id]
        for guardian in guardians.get(student_id, []):
            subject, body = _absence_text(guardian, child, day, items, total)
            for channel, address in _channels(guardian):
                if (student_id, guardian.pk, channel) in already:
                    continue
                notice = _insert(
                    kind=NoticeKind.ABSENCE,
                    student_id=student_id,
                    guardian_id=guardian.pk,
                    day=day,
                    channel=channel,
                    reference="",
                    address=address,
                    subject=subject,
                    body=body,
                    lessons=items,
                    created=now,
                )
                if notice is not None and _claim_and_send(notice):
                    sent += 1
    return sent


def _absence_text(
    guardian: Person, child: Person, day: date, items: list[dict], total: int
) -> tuple[str, str]:
    """Write the same-day absence notice in the language the guardian chose."""
    with translation.override(guardian.language or settings.LANGUAGE_CODE):
        lines = "\n".join(f"- {i['name']} {i['start']}–{i['end']}" for i in items)
        names = {"child": child.full_name, "given_name": child.given_name, "day": written_day(day)}
        subject = _("Ogiltig frånvaro %(day)s: %(given_name)s") % names
        body = "\n\n".join(
            [
                _("Hej!"),
                _("%(child)s var frånvarande utan giltigt skäl %(day)s på de här lektionerna:")
                % names
                + "\n"
                + lines
                + "\n"
                + ngettext(
                    "Sammanlagt %(total)d minut ogiltig frånvaro.",
                    "Sammanlagt %(total)d minuter ogiltig frånvaro.",
                    total,
                )
                % {"total": total},
                _("Har ni redan anmält frånvaron, eller är något fel, kontakta skolan."),
                "Skolsam",
            ]
        )
    return subject, body


def _leave_text(guardian: Person, leave: LeaveRequest) -> tuple[str, str]:
    """Write the leave decision in the language the guardian chose."""
    child = leave.student
    with translation.override(guardian.language or settings.LANGUAGE_CODE):
        status = str(leave.get_status_display())
        names = {
            "child": child.full_name,
            "given_name": child.given_name,
            "status": status,
            "status_lower": status.lower(),
            "start": written_day(leave.start_date),
            "end": written_day(leave.end_date),
        }
        subject = _("Beslut om ledighet för %(given_name)s: %(status)s") % names
        decision = (
            _("Ansökan om ledighet för %(child)s %(start)s–%(end)s är %(status_lower)s.") % names
        )
        if leave.decision_reason:
            decision += "\n" + _("Motivering: %(reason)s") % {"reason": leave.decision_reason}
        body = "\n\n".join([_("Hej!"), decision, "Skolsam"])
    return subject, body


def send_leave_decision_notices(*, leave_id: UUID) -> int:
    """Tell every guardian with custody the decision on a leave request, once per channel."""
    leave = LeaveRequest.objects.select_related("student").filter(pk=leave_id).first()
    if leave is None or leave.decided_at is None:
        return 0
    day = calendar.local(leave.decided_at).date()
    child = leave.student
    sent = 0
    for guardian in _guardians({child.pk}, day).get(child.pk, []):
        subject, body = _leave_text(guardian, leave)
        for channel, address in _channels(guardian):
            notice = _insert(
                kind=NoticeKind.LEAVE_DECISION,
                student_id=child.pk,
                guardian_id=guardian.pk,
                day=day,
                channel=channel,
                reference=str(leave.pk),
                address=address,
                subject=subject,
                body=body,
                lessons=[],
                created=timezone.now(),
            )
            if notice is not None and _claim_and_send(notice):
                sent += 1
    return sent


def notices_for_guardian(*, guardian_id: UUID, limit: int = 50) -> list[Notice]:
    """Return a guardian's in-app notices, newest first."""
    return list(
        Notice.objects.filter(guardian_id=guardian_id, channel=NoticeChannel.INAPP)
        .select_related("student")
        .order_by("-created", "-id")[:limit]
    )


def notice_mark_read(*, guardian_id: UUID, notice_ids: list[int]) -> int:
    return Notice.objects.filter(
        guardian_id=guardian_id,
        channel=NoticeChannel.INAPP,
        pk__in=notice_ids,
        read_at__isnull=True,
    ).update(read_at=timezone.now())
