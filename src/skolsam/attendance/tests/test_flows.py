"""Whole flows over HTTP: the teacher's register on a phone, a report taken by phone, a
guardian's report in that day's register, and the same-day notice after the task runs."""

from __future__ import annotations

import re
import uuid
from datetime import time, timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from skolsam.attendance.models import Absence, Attendance, Notice
from skolsam.attendance.notices import send_time
from skolsam.audit.models import AuditEntry
from skolsam.core.dates import today
from skolsam.core.humandates import written_day
from skolsam.testing import factories as f
from skolsam.testing.story import build_day, lesson, login

pytestmark = pytest.mark.django_db

PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile"


def _queued(task: str) -> list:
    from django_tasks_db.models import DBTaskResult

    return list(DBTaskResult.objects.filter(task_path__endswith=task).order_by("enqueued_at"))


def _run(result) -> None:
    """Run a queued task the way the worker does: its function with the stored arguments."""
    result.task.call(*result.args_kwargs["args"], **result.args_kwargs["kwargs"])


def test_a_teacher_takes_the_register_on_a_phone():
    day = build_day()
    alva, hugo, saga = day.pupils
    client = Client(headers={"User-Agent": PHONE})
    user = login(client, day.teacher)
    lessons = client.get(reverse("attendance:my_lessons")).content.decode()
    register_url = reverse("attendance:register", args=[day.lesson.pk])
    assert f'href="{register_url}"' in lessons and "Ej rapporterad" in lessons
    page = client.get(register_url).content.decode()
    assert 'name="viewport"' in page and "Spara närvaron (3 elever)" in page
    found = re.search(r'name="version" value="(\d+)"', page)
    assert found is not None
    version = found.group(1)
    saved = client.post(
        register_url,
        {
            "version": version,
            f"kind-{alva.pk}": "Frånvarande",
            f"kind-{hugo.pk}": "Sen",
            f"minutes-{hugo.pk}": "15",
            f"valid-{hugo.pk}": "on",
            f"kind-{saga.pk}": "Närvarande",
        },
        follow=True,
    )
    assert saved.redirect_chain == [(register_url, 302)]
    assert "Närvaron är sparad: 3 elever, 1 med ogiltig frånvaro." in saved.content.decode()
    rows = {a.student_id: a for a in Attendance.objects.filter(calendar_event=day.lesson)}
    assert (rows[alva.pk].kind, rows[alva.pk].invalid_absence_minutes) == ("Frånvarande", 60)
    assert (rows[hugo.pk].valid_absence_minutes, rows[hugo.pk].attendance_minutes) == (15, 45)
    assert rows[saga.pk].attendance_minutes == 60
    entry = AuditEntry.objects.get(action="attendance.register")
    assert (entry.actor_id, entry.object_id) == (user.pk, str(day.lesson.pk))
    assert entry.request_id and entry.detail == {
        "date": today().isoformat(),
        "pupils": 3,
        "invalid": 1,
    }
    assert entry.changes == {
        str(alva.pk): [None, ["Frånvarande", False, 0]],
        str(hugo.pk): [None, ["Sen", True, 15]],
    }
    lessons = client.get(reverse("attendance:my_lessons")).content.decode()
    assert "Rapporterad, 2 frånvarande" in lessons


def test_a_refused_save_writes_nothing_and_keeps_or_refreshes_the_marks():
    day = build_day()
    alva, hugo, _saga = day.pupils
    # The teacher has the register open in two tabs.
    first, second = Client(), Client()
    second.force_login(login(first, day.teacher))
    url = reverse("attendance:register", args=[day.lesson.pk])
    assert first.post(url, {"version": 0, f"kind-{alva.pk}": "Frånvarande"}).status_code == 302
    # The second tab still has version 0: refused, and shown what the first one saved.
    stale = second.post(url, {"version": 0, f"kind-{hugo.pk}": "Frånvarande"})
    assert stale.status_code == 409
    html = stale.content.decode()
    assert "Någon annan har sparat närvaron" in html and 'name="version" value="1"' in html
    assert re.search(
        rf'name="kind-{alva.pk}"[^>]*>(<option[^>]*>[^<]*</option>)*<option value="Frånvarande" selected>',
        html,
    )
    assert Attendance.objects.get(calendar_event=day.lesson, student=hugo).kind == "Närvarande"
    # Bad minutes: refused with the row named, and the teacher's marks kept on the page.
    bad = first.post(
        url,
        {
            "version": 1,
            f"kind-{alva.pk}": "Frånvarande",
            f"kind-{hugo.pk}": "Sen",
            f"minutes-{hugo.pk}": "75",
        },
    )
    assert bad.status_code == 400
    html = bad.content.decode()
    assert f"{hugo.given_name} {hugo.family_name}: ange minuter mellan 1 och 59" in html
    assert re.search(
        rf'name="kind-{hugo.pk}"[^>]*>(<option[^>]*>[^<]*</option>)*<option value="Sen" selected>',
        html,
    )
    # A pupil who is not on the register.
    stranger = first.post(url, {"version": 1, f"kind-{uuid.uuid4()}": "Frånvarande"})
    assert stranger.status_code == 400
    assert "Registret innehåller elever som inte hör till lektionen." in stranger.content.decode()
    day.lesson.refresh_from_db()
    assert day.lesson.register_version == 1
    assert AuditEntry.objects.filter(action="attendance.register").count() == 1


def test_staff_register_a_report_a_guardian_gave_by_phone():
    day = build_day()
    alva = day.pupils[0]
    client = Client()
    login(client, day.teacher)
    url = reverse("attendance:staff_report", args=[alva.pk])
    form = {"child": str(alva.pk), "scope": "day", "first_day": today().isoformat()}
    nobody = client.post(url, form)
    assert "Ange vilken vårdnadshavare som ringde." in nobody.content.decode()
    assert not Absence.objects.exists()
    # Only a guardian with custody is offered: Johan's custody ended.
    assert str(day.former_guardian.pk) not in client.get(url).content.decode()
    assert client.post(url, {**form, "guardian": str(day.guardian.pk)}).status_code == 302
    absence = Absence.objects.get(student=alva)
    assert (absence.channel, absence.reported_for_id, absence.registered_by_id) == (
        "Telefon",
        day.guardian.pk,
        day.teacher.pk,
    )
    page = client.get(reverse("attendance:register", args=[day.lesson.pk])).content.decode()
    assert "Frånvaroanmälan från vårdnadshavare – förifyllt som giltig frånvaro." in page
    # A teacher of another class cannot register reports for Alva.
    other = Client()
    login(other, day.other_teacher)
    assert other.get(url).status_code == 404


def test_a_guardians_report_for_part_of_the_day_shows_in_that_days_register():
    day = build_day()
    alva = day.pupils[0]
    guardian = Client()
    login(guardian, day.guardian)
    reported = guardian.post(
        reverse("portal:absence_report"),
        {
            "children": str(alva.pk),
            "scope": "part",
            "first_day": today().isoformat(),
            "start": "08:30",
            "end": "08:50",
        },
    )
    assert reported.status_code == 302
    row = Attendance.objects.get(calendar_event=day.lesson, student=alva)
    # Illness is never recorded: the reason is the generic "Anmäld frånvaro".
    assert (row.kind, row.minutes, row.valid, row.absence_reason) == (
        "Sen",
        20,
        True,
        "Anmäld frånvaro",
    )
    teacher = Client()
    login(teacher, day.teacher)
    page = teacher.get(reverse("attendance:register", args=[day.lesson.pk])).content.decode()
    assert re.search(
        rf'name="kind-{alva.pk}"[^>]*>(<option[^>]*>[^<]*</option>)*<option value="Sen" selected>',
        page,
    )
    assert f'name="minutes-{alva.pk}" value="20"' in page


def test_invalid_absence_gives_exactly_one_notice_per_guardian_after_the_task_runs(
    capsys, django_capture_on_commit_callbacks
):
    day = build_day()
    alva = day.pupils[0]
    per = f.PersonFactory(given_name="Per", emails=[{"type": "Privat", "value": "per@example.se"}])
    f.ResponsibleFactory(person=alva, responsible=per)
    later = lesson(day.activity, day.lesson.date, start=time(10, 0))
    teacher = Client()
    login(teacher, day.teacher)
    for item, version in ((day.lesson, 0), (later, 0), (day.lesson, 1)):
        with django_capture_on_commit_callbacks(execute=True):
            teacher.post(
                reverse("attendance:register", args=[item.pk]),
                {"version": version, f"kind-{alva.pk}": "Frånvarande"},
            )
    # Two lessons with new invalid absence queue the unit's send; saving the first again
    # with the same marks queues nothing more.
    queued = _queued("send_absence_notices_task")
    assert len(queued) == 2
    assert queued[0].run_after == send_time(day.school.pk, today(), queued[0].enqueued_at)
    assert not Notice.objects.exists()
    for result in queued:
        _run(result)
    _run(queued[0])  # a retry sends nothing twice
    notices = sorted(Notice.objects.values_list("guardian_id", "channel"))
    assert notices == sorted(
        [
            (day.guardian.pk, "E-post"),
            (day.guardian.pk, "SMS"),
            (day.guardian.pk, "Skolsam"),
            (per.pk, "E-post"),
            (per.pk, "Skolsam"),
        ]
    )
    assert sorted(m.to[0] for m in mail.outbox) == ["karin@example.se", "per@example.se"]
    assert "08:30–09:30" in mail.outbox[0].body and "10:00–11:00" in mail.outbox[0].body
    assert capsys.readouterr().out.count("--- SMS till 070-1234567 ---") == 1
    guardian = Client()
    login(guardian, day.guardian)
    page = guardian.get(reverse("portal:notices")).content.decode()
    # The day as people write it ("torsdag 3 december"), since the notice is read later too.
    assert f"Ogiltig frånvaro {written_day(today())}: {alva.given_name}" in page
    assert f"{today():%Y-%m-%d}" not in mail.outbox[0].subject
    assert Notice.objects.filter(guardian=day.former_guardian).count() == 0


def test_no_notice_is_queued_for_a_lesson_more_than_a_day_old(django_capture_on_commit_callbacks):
    day = build_day(day=today() - timedelta(days=3))
    teacher = Client()
    login(teacher, day.teacher)
    with django_capture_on_commit_callbacks(execute=True):
        teacher.post(
            reverse("attendance:register", args=[day.lesson.pk]),
            {"version": 0, f"kind-{day.pupils[0].pk}": "Frånvarande"},
        )
    assert Attendance.objects.filter(invalid_absence_minutes=60).count() == 1
    assert _queued("send_absence_notices_task") == []
