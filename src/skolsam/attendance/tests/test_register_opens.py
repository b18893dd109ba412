"""A register opens when the lesson starts, less the school's margin; earlier marks are refused.

The tests run at noon (see conftest): Maria's 13:00 lesson has not started, and with the
default margin of ten minutes its register opens at 12:50.
"""

from __future__ import annotations

from datetime import time

import pytest
from django.urls import reverse

from skolsam.attendance.models import Attendance
from skolsam.attendance.policy import policy_for
from skolsam.attendance.services.policy_settings import attendance_policy_set
from skolsam.attendance.services.register import Mark, register_save
from skolsam.audit.models import AuditEntry
from skolsam.core.access import system_actor
from skolsam.core.errors import DomainError
from skolsam.testing.story import build_day, lesson, login, login_with_two_factor

pytestmark = pytest.mark.django_db


def test_a_register_for_a_lesson_that_has_not_started_is_refused_and_nothing_is_saved():
    day = build_day()
    afternoon = lesson(day.activity, day.lesson.date, start=time(13, 0))
    alva = day.pupils[0]
    with pytest.raises(DomainError) as refused:
        register_save(
            actor=day.actor(day.teacher),
            lesson=afternoon,
            version=0,
            marks=[Mark(alva.pk, "Frånvarande")],
        )
    assert "Lektionen har inte börjat" in str(refused.value)
    assert "12:50" in str(refused.value)
    afternoon.refresh_from_db()
    assert afternoon.register_version == 0 and afternoon.reported_at is None
    assert not Attendance.objects.filter(calendar_event=afternoon).exists()
    assert not AuditEntry.objects.filter(action="attendance.register").exists()


def test_the_margin_lets_the_teacher_mark_just_before_the_lesson_and_is_the_schools_setting():
    day = build_day()
    soon = lesson(day.activity, day.lesson.date, start=time(12, 5))
    later = lesson(day.activity, day.lesson.date, start=time(12, 30))
    teacher = day.actor(day.teacher)
    alva = day.pupils[0]
    # Five minutes before the start is inside the default margin of ten.
    register_save(actor=teacher, lesson=soon, version=0, marks=[Mark(alva.pk, "Frånvarande")])
    assert Attendance.objects.get(calendar_event=soon, student=alva).kind == "Frånvarande"
    with pytest.raises(DomainError):
        register_save(actor=teacher, lesson=later, version=0, marks=[])
    # The school widens its margin to 45 minutes; the huvudman's and default settings stay.
    attendance_policy_set(
        actor=system_actor("test"),
        organisation=day.school,
        notice_cutoff=None,
        notice_morning=None,
        alert_absence_percent=None,
        alert_invalid_occasions=None,
        csn_threshold_minutes=None,
        register_margin_minutes=45,
    )
    assert policy_for(day.school.parent_id).register_margin_minutes == 10
    register_save(actor=teacher, lesson=later, version=0, marks=[])
    assert Attendance.objects.filter(calendar_event=later).count() == 3


def test_the_page_says_when_the_register_opens_and_a_post_before_then_changes_nothing(client):
    day = build_day()
    afternoon = lesson(day.activity, day.lesson.date, start=time(13, 0))
    alva = day.pupils[0]
    login(client, day.teacher)
    url = reverse("attendance:register", args=[afternoon.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Närvaron kan registreras från klockan 12:50" in page.content.decode()
    refused = client.post(url, {"version": 0, f"kind-{alva.pk}": "Frånvarande"})
    assert refused.status_code == 400
    text = refused.content.decode()
    assert 'role="alert"' in text and "Lektionen har inte börjat" in text
    assert not Attendance.objects.filter(calendar_event=afternoon).exists()
    afternoon.refresh_from_db()
    assert afternoon.register_version == 0


def test_the_margin_is_set_on_the_settings_page_with_swedish_errors(client):
    day = build_day()
    rektor = login_with_two_factor(day.rektor)
    url = reverse("attendance:settings", args=[day.school.pk])
    assert "från 10 minuter före lektionens start" in rektor.get(url).content.decode()
    bad = rektor.post(url, {"register_margin_minutes": "500"})
    assert bad.status_code == 400 and "Ange högst 120 minuter." in bad.content.decode()
    assert policy_for(day.school.pk).register_margin_minutes == 10
    assert rektor.post(url, {"register_margin_minutes": "30"}).status_code == 302
    assert policy_for(day.school.pk).register_margin_minutes == 30
