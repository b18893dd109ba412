"""Remind on an adaptation's follow-up date: a notice to whoever recorded it and to the
pupil's mentors, in their Skolsam inbox (and by e-mail or push as they chose), through
messaging, with the delivery enqueued on the tasks queue after the commit.

Run daily (`manage.py send_adaptation_reminders`, from cron in the morning). Exactly once
per adaptation and follow-up date: the run that claims the adaptation (sets `reminded_for`
to its follow-up date with a conditional UPDATE) writes the message; a second run, or a
retry, finds it claimed. An evaluation that continues the adaptation sets a new
follow-up date, which gets its own reminder. A date that passed while no run went is
reminded at the next run.

A recipient gets the notice only while they may still see the adaptation
(`adaptation_policy`): a mentor not named for a pupil with protected identity gets
nothing, and nobody who has left the school. Messaging keeps a notice about a protected
pupil inside Skolsam (no e-mail, push or SMS). The text names the pupil and the subject,
never what is adapted.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from skolsam.accounts.actor import actor_for_person
from skolsam.audit.services import audit_record
from skolsam.core.access import system_actor
from skolsam.core.dates import today
from skolsam.core.humandates import written_day
from skolsam.core.policy import Action
from skolsam.people.models import Person
from skolsam.pupil_documentation.access import adaptation_policy, mentors_of
from skolsam.pupil_documentation.models import Adaptation
from skolsam.pupil_documentation.services.notices import staff_notice_send


def _claim(adaptation: Adaptation) -> bool:
    """Mark the adaptation's follow-up date as reminded; True only for the run that wins."""
    return bool(
        Adaptation.objects.filter(
            pk=adaptation.pk, ended_at__isnull=True, follow_up_date=adaptation.follow_up_date
        )
        .exclude(reminded_for=F("follow_up_date"))
        .update(reminded_for=adaptation.follow_up_date)
    )


def _text(adaptation: Adaptation, day: date) -> tuple[str, str]:
    subject_name = (
        adaptation.syllabus.subject_name or adaptation.syllabus.course_name
        if adaptation.syllabus
        else _("alla ämnen")
    )
    link = settings.SKOLSAM_PUBLIC_URL.rstrip("/") + reverse(
        "pupil_documentation:adaptation", args=[adaptation.pk]
    )
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Dags att följa upp en extra anpassning")
        body = _(
            "Den extra anpassningen för %(pupil)s (%(subject)s) ska följas upp %(day)s. "
            "Utvärdera den i Skolsam: vilken effekt den har haft, och om den fortsätter "
            "eller avslutas.\n\n%(link)s"
        ) % {
            "pupil": adaptation.student.full_name,
            "subject": subject_name,
            "day": written_day(adaptation.follow_up_date, today=day),
            "link": link,
        }
    return subject, body


def _remind(adaptation: Adaptation, day: date) -> int:
    """Write one adaptation's notice to those who may see it; return how many it reached."""
    candidates = {adaptation.recorded_by_id} | mentors_of(adaptation.student_id, day)
    reached = [
        person
        for person in Person.objects.filter(pk__in=candidates).order_by("family_name", "pk")
        if adaptation_policy.can(actor_for_person(person.pk, on=day), Action.VIEW, adaptation)
    ]
    if reached:
        subject, body = _text(adaptation, day)
        staff_notice_send(
            sender_id=adaptation.recorded_by_id,
            organisation_id=adaptation.organisation_id,
            subject=subject,
            body=body,
            label=_("Påminnelse om uppföljning"),
            recipients=reached,
            child=adaptation.student,
        )
    audit_record(
        actor=system_actor("påminnelser om extra anpassningar"),
        action="adaptation.remind",
        object_type="Adaptation",
        object_id=adaptation.pk,
        person_id=adaptation.student_id,
        detail={
            "follow_up_date": adaptation.follow_up_date.isoformat(),
            "recipients": [str(p.pk) for p in reached],
        },
    )
    return len(reached)


def adaptation_reminders_send(*, on: date | None = None) -> int:
    """Send the notices of every active adaptation whose follow-up date has come and was
    not reminded yet; return how many adaptations were reminded by this run."""
    day = on or today()
    due = list(
        Adaptation.objects.filter(ended_at__isnull=True, follow_up_date__lte=day)
        .exclude(reminded_for=F("follow_up_date"))
        .select_related("student", "syllabus")
        .order_by("follow_up_date", "pk")
    )
    done = 0
    for adaptation in due:
        with transaction.atomic():
            if not _claim(adaptation):
                continue
            _remind(adaptation, day)
        done += 1
    return done
