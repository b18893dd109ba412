"""Notices to a guardian are written in the language the guardian chose."""

from __future__ import annotations

import pytest
from django.core import mail

from skolsam.attendance.models import Notice
from skolsam.attendance.notices import send_absence_notices
from skolsam.attendance.services.register import Mark, register_save
from skolsam.testing import factories as f
from skolsam.testing.story import build_day

pytestmark = pytest.mark.django_db


def _absent_alva(day):
    register_save(
        actor=day.actor(day.teacher),
        lesson=day.lesson,
        version=0,
        marks=[Mark(day.pupils[0].pk, "Frånvarande")],
    )
    send_absence_notices(organisation_id=day.school.pk, day=day.lesson.date)


def test_a_guardian_who_reads_english_gets_the_same_day_notice_in_english():
    day = build_day()
    day.guardian.language = "en"
    day.guardian.save(update_fields=["language"])
    _absent_alva(day)
    notice = Notice.objects.get(guardian=day.guardian, channel="Skolsam")
    assert notice.subject.startswith("Unexcused absence")
    assert "Ogiltig" not in notice.body and "60 minutes" in notice.body
    assert mail.outbox[0].subject == notice.subject


def test_a_guardian_who_reads_arabic_gets_it_in_arabic_and_swedish_is_the_default():
    day = build_day()
    hugo = day.pupils[1]
    hugos_guardian = f.PersonFactory(language="ar")
    f.ResponsibleFactory(person=hugo, responsible=hugos_guardian)
    register_save(
        actor=day.actor(day.teacher),
        lesson=day.lesson,
        version=0,
        marks=[Mark(day.pupils[0].pk, "Frånvarande"), Mark(hugo.pk, "Frånvarande")],
    )
    send_absence_notices(organisation_id=day.school.pk, day=day.lesson.date)
    arabic = Notice.objects.get(guardian=hugos_guardian, channel="Skolsam")
    swedish = Notice.objects.get(guardian=day.guardian, channel="Skolsam")
    assert "غياب" in arabic.subject
    assert swedish.subject.startswith("Ogiltig frånvaro")
    assert "Sammanlagt 60 minuter ogiltig frånvaro." in swedish.body


def test_leave_statuses_are_shown_in_the_guardians_language_in_the_portal_and_the_notice():
    from datetime import timedelta
    from html import unescape

    from django.test import Client
    from django.urls import reverse

    from skolsam.attendance.services.leave import leave_request_create, leave_request_decide
    from skolsam.core.dates import today
    from skolsam.testing.story import login

    day = build_day()
    alva = day.pupils[0]
    day.guardian.language = "so"
    day.guardian.save(update_fields=["language"])
    start = today() + timedelta(days=7)
    leave = leave_request_create(
        actor=day.actor(day.guardian), student=alva, start_date=start, end_date=start, reason="Resa"
    )
    karin = Client()
    login(karin, day.guardian)
    page = unescape(karin.get(reverse("portal:leave")).content.decode())
    assert "Waxaa la sugayaa go'aan" in page
    leave_request_decide(actor=day.actor(day.rektor), leave=leave, grant=True)
    from skolsam.attendance.notices import send_leave_decision_notices

    send_leave_decision_notices(leave_id=leave.pk)
    body = karin.get(reverse("portal:leave")).content.decode()
    assert "La oggolaaday" in body and "Beviljad" not in body
    notice = Notice.objects.get(guardian=day.guardian, channel="Skolsam", kind="Ledighetsbeslut")
    assert "La oggolaaday" in notice.subject
