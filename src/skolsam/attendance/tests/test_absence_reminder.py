"""The optional 07:10 reminder: "absent yesterday, absent today too?", and its one tap.

Karin (Alva's guardian) turns the reminder on under Meddelanden. Alva was reported absent
on Monday 30 November; on Tuesday at 07:15 the cron run reminds Karin once, in her
language, by Skolsam, e-mail and SMS, and the link reports Alva absent today. Hugo's
guardian did not ask for it and gets nothing.
"""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from skolsam.attendance.models import Absence, AbsenceType, Notice, NoticeKind
from skolsam.attendance.reminders import send_absence_reminders
from skolsam.attendance.services.absence import absence_report, day_span
from skolsam.audit.models import AuditEntry
from skolsam.core.dates import today
from skolsam.messaging.models import Reminder, ReminderChoice
from skolsam.schedule import calendar
from skolsam.schedule.models import NonTeachingDay
from skolsam.testing import factories as f
from skolsam.testing.story import build_day, login

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 11, 30)
TUESDAY = MONDAY + timedelta(days=1)
AT_0715 = calendar.at(TUESDAY, time(7, 15))


def _client(person) -> Client:
    client = Client()
    login(client, person)
    return client


def _opt_in(person) -> None:
    ReminderChoice.objects.create(person=person, reminder=Reminder.ABSENCE_TODAY)


def _reported(day, child, first: date, last: date | None = None, reporter=None):
    """Report `child` absent as their guardian did on `first` (whole days)."""
    reporter = reporter or day.guardian
    start, end = day_span(first, last or first)
    return absence_report(actor=day.actor(reporter, on=first), student=child, start=start, end=end)


def _reminders(**kw):
    return Notice.objects.filter(kind=NoticeKind.ABSENCE_TODAY, **kw)


def test_the_reminder_goes_once_per_guardian_and_day_even_when_the_run_is_repeated():
    day = build_day()
    alva = day.pupils[0]
    _opt_in(day.guardian)
    _reported(day, alva, MONDAY)
    assert send_absence_reminders(now=calendar.at(TUESDAY, time(7, 0))) == 0  # before 07:10
    assert send_absence_reminders(now=AT_0715) == 3  # Skolsam, e-mail, SMS
    assert send_absence_reminders(now=AT_0715) == 0  # a retried worker
    assert send_absence_reminders(now=AT_0715 + timedelta(hours=1)) == 0
    assert _reminders(guardian=day.guardian).count() == 3
    [email] = mail.outbox
    assert email.to == ["karin@example.se"]
    assert email.subject == "Frånvaro i dag också? Alva"
    link = reverse("portal:absence_today") + f"?barn={alva.pk}"
    assert link in email.body
    assert "sjuk" not in email.body.lower() and "sjuk" not in email.subject.lower()
    # Johan, whose custody ended, is not reminded; nor is anyone who did not ask.
    assert not _reminders(guardian=day.former_guardian).exists()


def test_a_failed_send_is_retried_by_the_next_run_and_then_sent_once():
    day = build_day()
    _opt_in(day.guardian)
    _reported(day, day.pupils[0], MONDAY)
    send_absence_reminders(now=AT_0715)
    Notice.objects.filter(kind=NoticeKind.ABSENCE_TODAY, channel="E-post").update(
        status="Misslyckad"
    )
    mail.outbox.clear()
    assert send_absence_reminders(now=AT_0715) == 1
    assert len(mail.outbox) == 1


def test_no_reminder_for_a_guardian_who_did_not_turn_it_on_or_turned_it_off():
    day = build_day()
    alva = day.pupils[0]
    _reported(day, alva, MONDAY)
    assert send_absence_reminders(now=AT_0715) == 0
    karin = _client(day.guardian)
    url = reverse("messaging:preferences")
    fields = {"nyhet": "", "veckobrev": "", "konversation": ""}
    assert karin.post(url, {**fields, "franvaro_i_dag": "on"}).status_code == 302
    assert 'name="franvaro_i_dag"' in karin.get(url).content.decode()
    assert karin.post(url, fields).status_code == 302  # unticked: off again
    assert not ReminderChoice.objects.filter(person=day.guardian).exists()
    assert (
        AuditEntry.objects.filter(action="message.preferences", person_id=day.guardian.pk).count()
        == 2
    )
    assert send_absence_reminders(now=AT_0715) == 0
    assert not _reminders().exists()


def test_no_reminder_when_today_is_already_reported_or_no_school_day():
    day = build_day()
    alva, hugo = day.pupils[0], day.pupils[1]
    _opt_in(day.guardian)
    # Alva was reported for Monday and Tuesday: today is already reported.
    _reported(day, alva, MONDAY, TUESDAY)
    assert send_absence_reminders(now=AT_0715) == 0
    # Hugo (Karin's too here) was reported for Monday, but Tuesday is a studiedag.
    f.ResponsibleFactory(person=hugo, responsible=day.guardian)
    _reported(day, hugo, MONDAY)
    NonTeachingDay.objects.create(
        organisation=day.school,
        kind="Studiedag",
        name="Studiedag",
        start_date=TUESDAY,
        end_date=TUESDAY,
    )
    assert send_absence_reminders(now=AT_0715) == 0
    # A Friday report is not followed up on Saturday.
    friday, saturday = date(2026, 12, 4), date(2026, 12, 5)
    _reported(day, hugo, friday)
    assert send_absence_reminders(now=calendar.at(saturday, time(7, 15))) == 0
    # Granted leave that ended yesterday is no reported absence.
    assert not _reminders().exists()


def test_siblings_are_named_in_one_reminder_in_the_guardians_language():
    day = build_day()
    alva, hugo = day.pupils[0], day.pupils[1]
    f.ResponsibleFactory(person=hugo, responsible=day.guardian)
    day.guardian.language = "en"
    day.guardian.save(update_fields=["language"])
    _opt_in(day.guardian)
    _reported(day, alva, MONDAY)
    _reported(day, hugo, MONDAY)
    assert send_absence_reminders(now=AT_0715) == 3
    [notice] = _reminders(channel="Skolsam")
    assert notice.subject == "Absent today too? Alva, Hugo"
    assert "Frånvaro" not in notice.body
    assert {c["child"] for c in notice.lessons} == {str(alva.pk), str(hugo.pk)}


def test_a_protected_child_s_reminder_stays_inside_skolsam():
    day = build_day()
    alva = day.pupils[0]
    alva.security_marking = "Skyddad folkbokföring"
    alva.save(update_fields=["security_marking"])
    _opt_in(day.guardian)
    _reported(day, alva, MONDAY)
    assert send_absence_reminders(now=AT_0715) == 1
    assert list(_reminders().values_list("channel", flat=True)) == ["Skolsam"]
    assert mail.outbox == []


def test_an_adult_pupil_is_reminded_himself():
    day = build_day()
    otto = f.PupilFactory(given_name="Otto", birth_date=date(2007, 5, 1))
    f.EnrolmentFactory(person=otto, enroled_at=day.school, start_date=date(2026, 1, 1))
    _opt_in(otto)
    _reported(day, otto, MONDAY, reporter=otto)
    assert send_absence_reminders(now=AT_0715) == 1  # no address: Skolsam only
    [notice] = _reminders(channel="Skolsam")
    assert notice.guardian_id == otto.pk
    assert notice.subject == "Frånvaro i dag också?"


def test_the_command_runs_the_same_send():
    call_command("send_absence_reminders")  # whatever the hour: nothing due, nothing fails


def test_one_tap_reports_today_through_the_portal():
    day = build_day()
    alva = day.pupils[0]
    karin = _client(day.guardian)
    url = reverse("portal:absence_today") + f"?barn={alva.pk}"
    page = karin.get(url)
    assert page.status_code == 200
    assert "Anmäl frånvaro i dag för Alva" in page.content.decode()
    response = karin.post(reverse("portal:absence_today"), {"barn": str(alva.pk)})
    assert response.status_code == 302 and response["Location"] == reverse("portal:start")
    [absence] = Absence.objects.filter(student=alva)
    assert absence.type == AbsenceType.ANMALD and absence.channel == "Webb"
    assert (absence.start_time, absence.end_time) == day_span(today(), today())
    assert AuditEntry.objects.filter(action="absence.report", person_id=alva.pk).exists()
    # Once reported, the link says so and reports nothing more.
    again = karin.get(url).content.decode()
    assert "Frånvaro är redan anmäld i dag för Alva" in again
    assert karin.post(reverse("portal:absence_today"), {"barn": str(alva.pk)}).status_code == 200
    assert Absence.objects.filter(student=alva).count() == 1


def test_the_one_tap_page_is_only_for_those_who_may_report_the_child():
    day = build_day()
    alva, hugo = day.pupils[0], day.pupils[1]
    # Hugo is not Karin's; Johan's custody of Alva has ended; Maria is a teacher.
    karin = _client(day.guardian)
    assert karin.get(reverse("portal:absence_today") + f"?barn={hugo.pk}").status_code == 404
    assert karin.post(reverse("portal:absence_today"), {"barn": str(hugo.pk)}).status_code == 404
    johan = _client(day.former_guardian)
    assert johan.post(reverse("portal:absence_today"), {"barn": str(alva.pk)}).status_code == 404
    assert karin.get(reverse("portal:absence_today") + "?barn=nonsense").status_code == 404
    assert not Absence.objects.exists()


def test_the_in_app_reminder_offers_the_one_tap_report_today():
    day = build_day()
    alva = day.pupils[0]
    _opt_in(day.guardian)
    monday = today() - timedelta(days=1)
    _reported(day, alva, monday)
    Notice.objects.create(
        kind=NoticeKind.ABSENCE_TODAY,
        student=alva,
        guardian=day.guardian,
        day=today(),
        channel="Skolsam",
        subject="Frånvaro i dag också? Alva",
        body="Hej!",
        lessons=[{"child": str(alva.pk), "name": "Alva"}],
        created=calendar.at(today(), time(7, 10)),
    )
    body = _client(day.guardian).get(reverse("portal:notices")).content.decode()
    assert reverse("portal:absence_today") + f"?barn={alva.pk}" in body


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_reminder_once():
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("two connections to one database: PostgreSQL")
    day = build_day()
    alva, hugo = day.pupils[0], day.pupils[1]
    f.ResponsibleFactory(person=hugo, responsible=day.guardian)
    _opt_in(day.guardian)
    _reported(day, alva, MONDAY)
    _reported(day, hugo, MONDAY)
    start = threading.Barrier(2)
    sent: list[int] = []

    def worker() -> None:
        try:
            start.wait()
            sent.append(send_absence_reminders(now=AT_0715))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(sent) == 3  # Skolsam, e-mail and SMS, once each
    assert len(mail.outbox) == 1
    assert _reminders().count() == 3


def test_friday_s_report_is_followed_up_on_monday_and_not_a_week_later():
    day = build_day()
    alva, hugo = day.pupils[0], day.pupils[1]
    _opt_in(day.guardian)
    f.ResponsibleFactory(person=hugo, responsible=day.guardian)
    friday, monday = date(2026, 12, 4), date(2026, 12, 7)
    _reported(day, alva, friday)
    # Hugo's report ran over the weekend: it ended on Sunday, after Friday.
    _reported(day, hugo, friday, friday + timedelta(days=2))
    assert send_absence_reminders(now=calendar.at(monday, time(7, 15))) == 3
    reminder = _reminders(guardian=day.guardian, channel="E-post").get()
    assert {c["child"] for c in reminder.lessons} == {str(alva.pk), str(hugo.pk)}
    # A report that ended on the Friday before is no longer followed up a week on.
    later = monday + timedelta(days=7)
    assert send_absence_reminders(now=calendar.at(later, time(7, 15))) == 0


def test_the_day_after_a_studiedag_follows_up_the_day_before_it():
    day = build_day()
    alva = day.pupils[0]
    _opt_in(day.guardian)
    wednesday = TUESDAY + timedelta(days=1)
    NonTeachingDay.objects.create(
        organisation=day.school,
        kind="Studiedag",
        name="Studiedag",
        start_date=TUESDAY,
        end_date=TUESDAY,
    )
    _reported(day, alva, MONDAY)
    assert send_absence_reminders(now=calendar.at(wednesday, time(7, 15))) == 3
