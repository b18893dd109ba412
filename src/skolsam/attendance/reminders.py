"""Remind at 07:10: "was absent yesterday, absent today too?", for those who asked for it.

Which absence: a reported absence (Anmäld frånvaro, by a guardian on the web, by phone or
through a client; not granted leave) that ended on the previous school day of the child's
school unit or since, during the day or at midnight, so a one-day report for yesterday
and the last day of a longer one both count, and Friday's report (or one that ran over
the weekend, or up to a studiedag) is followed up on Monday (or the next school day).

Who: the adults who may report the child absent today (`relations_acting_for`,
REPORT_ABSENCE: custody and other responsible adults, minors only) and an adult pupil
themself, and of those only the ones who turned the reminder on
(`messaging.Reminder.ABSENCE_TODAY`, off by default).

Not sent for a child already reported (or on leave) today, nor when today is no school
day for the child's school unit (a weekend, a lov, studiedag or helgdag there). The text
says "frånvaro", never why: the portal never asks and never says what the child has.

Exactly once per adult, day and channel: the notice row is inserted first under the
partial unique key (guardian, day, channel) for this kind, and only the run that then
claims it (Väntar → Skickas) sends it, as for the same-day notices; a retried worker
finds the row taken. Siblings are named in one reminder.

The link opens `portal:absence_today`, which reports today through
`absence_report_many` with the same rules as every web report.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode
from uuid import UUID

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from skolsam.attendance.models import Absence, AbsenceChannel, AbsenceType, NoticeKind
from skolsam.attendance.notices import _channels, _claim_and_send, _insert
from skolsam.core.choices import SecurityMarking
from skolsam.core.policy import Action
from skolsam.messaging.models import Reminder
from skolsam.messaging.selectors import persons_with_reminder
from skolsam.people.access import minor_on, relations_acting_for
from skolsam.people.models import Person
from skolsam.schedule import calendar

log = logging.getLogger(__name__)

REMINDER_TIME = time(7, 10)
REPORTED = (AbsenceChannel.WEB, AbsenceChannel.PHONE, AbsenceChannel.API)


def absence_today_url(child_ids: list[UUID]) -> str:
    """Return the portal's one-tap page for reporting these children absent today."""
    query = urlencode([("barn", str(pk)) for pk in child_ids])
    return f"{reverse('portal:absence_today')}?{query}"


# How far back the previous school day is looked for: past any lov but a summer's.
LOOKBACK_DAYS = 14


def _previous_school_day(unit: UUID, today: date) -> date | None:
    """Return the unit's school day before `today`, or None when today is no school day
    there (a weekend, a lov, studiedag or helgdag) or none lies within the lookback."""
    start = today - timedelta(days=LOOKBACK_DAYS)
    off = calendar.non_teaching_dates(calendar.ancestors_and_self(unit), start, today)
    if today.weekday() >= 5 or today in off:
        return None
    day = today - timedelta(days=1)
    while day >= start:
        if day.weekday() < 5 and day not in off:
            return day
        day -= timedelta(days=1)
    return None


def _candidates(now: datetime) -> dict[UUID, Person]:
    """Return the children whose reported absence ended on their unit's previous school
    day or since, and who are not yet reported today, at units where today is a school day."""
    today = calendar.local(now).date()
    midnight = calendar.at(today, time(0, 0))
    ended = list(
        Absence.objects.filter(
            type=AbsenceType.ANMALD,
            channel__in=REPORTED,
            end_time__gt=midnight - timedelta(days=LOOKBACK_DAYS),
            end_time__lte=midnight,
        ).select_related("student")
    )
    if not ended:
        return {}
    ids = {a.student_id for a in ended}
    tomorrow = calendar.at(today + timedelta(days=1), time(0, 0))
    reported_today = set(
        Absence.objects.filter(
            student_id__in=ids, start_time__lt=tomorrow, end_time__gt=midnight
        ).values_list("student_id", flat=True)
    )
    previous: dict[UUID, date | None] = {}
    out: dict[UUID, Person] = {}
    for absence in ended:
        if absence.student_id in reported_today:
            continue
        unit = absence.organisation_id
        if unit not in previous:
            previous[unit] = _previous_school_day(unit, today)
        # The day the absence ended on: one ending at midnight ended the day before.
        last_day = calendar.local(absence.end_time - timedelta(microseconds=1)).date()
        since = previous[unit]
        if since is not None and last_day >= since:
            out[absence.student_id] = absence.student
    return out


def _adults(children: dict[UUID, Person], today: date) -> dict[UUID, tuple[Person, list[Person]]]:
    """Return, per adult who may report, the adult and the children they are reminded of."""
    out: dict[UUID, tuple[Person, list[Person]]] = {}
    wanted: dict[UUID, list[Person]] = defaultdict(list)
    people: dict[UUID, Person] = {}
    for relation in (
        relations_acting_for(Action.REPORT_ABSENCE, today)
        .filter(person_id__in=list(children))
        .select_related("responsible")
    ):
        people[relation.responsible_id] = relation.responsible
        wanted[relation.responsible_id].append(children[relation.person_id])
    # An adult pupil (18 or over) reports their own absence, so is reminded themself.
    for pupil in Person.objects.filter(pk__in=list(children)).exclude(minor_on(today)):
        people[pupil.pk] = pupil
        wanted[pupil.pk].append(children[pupil.pk])
    chosen = persons_with_reminder(Reminder.ABSENCE_TODAY, list(people))
    for adult_id in chosen:
        kids = sorted(
            {c.pk: c for c in wanted[adult_id]}.values(), key=lambda c: (c.given_name, str(c.pk))
        )
        out[adult_id] = (people[adult_id], kids)
    return out


def _text(adult: Person, children: list[Person], link: str) -> tuple[str, str]:
    """Write the reminder in the adult's language; it says "frånvaro", never why."""
    with translation.override(adult.language or settings.LANGUAGE_CODE):
        if len(children) == 1 and children[0].pk == adult.pk:
            subject = _("Frånvaro i dag också?")
            question = _(
                "Du var anmäld frånvarande i går. Är du borta i dag också? "
                "Anmäl frånvaro för i dag med ett tryck:"
            )
        else:
            names = ", ".join(c.given_name for c in children)
            subject = _("Frånvaro i dag också? %(names)s") % {"names": names}
            question = _(
                "%(names)s var anmäld frånvarande i går. Är %(names)s borta i dag också? "
                "Anmäl frånvaro för i dag med ett tryck:"
            ) % {"names": names}
        body = "\n\n".join(
            [
                _("Hej!"),
                f"{question}\n{link}",
                _(
                    "Du får den här påminnelsen eftersom du valt det. Du stänger av den under Meddelanden."
                ),
                "Skolsam",
            ]
        )
    return subject, body


def send_absence_reminders(*, now: datetime | None = None) -> int:
    """Send today's 07:10 reminders that are due and not yet sent; return how many went."""
    moment = now or timezone.now()
    today = calendar.local(moment).date()
    if moment < calendar.at(today, REMINDER_TIME) or today.weekday() >= 5:
        return 0
    children = _candidates(moment)
    if not children:
        return 0
    base = settings.SKOLSAM_PUBLIC_URL.rstrip("/")
    sent = 0
    for adult, kids in _adults(children, today).values():
        link = base + absence_today_url([c.pk for c in kids])
        subject, body = _text(adult, kids, link)
        channels = _channels(adult)
        # Nothing about a protected child leaves Skolsam by e-mail or SMS.
        if any(c.security_marking != SecurityMarking.INGEN for c in kids):
            channels = channels[:1]
        for channel, address in channels:
            notice = _insert(
                kind=NoticeKind.ABSENCE_TODAY,
                student_id=kids[0].pk,
                guardian_id=adult.pk,
                day=today,
                channel=channel,
                reference="",
                address=address,
                subject=subject,
                body=body,
                # Here the children the reminder names, for the portal's one-tap button.
                lessons=[{"child": str(c.pk), "name": c.given_name} for c in kids],
                created=moment,
            )
            if notice is not None and _claim_and_send(notice):
                sent += 1
    return sent
