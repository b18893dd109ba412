"""The administrators' settings pages: attendance settings per huvudman and school unit,
terms and days without teaching. Only administrators; everyone else gets 404."""

from __future__ import annotations

from datetime import date, time

import pytest
from django.test import Client
from django.urls import reverse

from skolsam.attendance.models import AttendancePolicy
from skolsam.attendance.policy import policy_for
from skolsam.attendance.services.policy_settings import attendance_policy_set
from skolsam.audit.models import AuditEntry
from skolsam.core.choices import DutyRole
from skolsam.core.errors import DomainError
from skolsam.schedule.models import CalendarEvent, NonTeachingDay, Term
from skolsam.testing import factories as f
from skolsam.testing.story import build_day, lesson, login, login_with_two_factor

pytestmark = pytest.mark.django_db


def _central_administrator(huvudman):
    return f.DutyFactory(
        duty_at=huvudman,
        duty_role=DutyRole.SKOLADMINISTRATOR,
        person=f.PersonFactory(given_name="Eva"),
    ).person


def test_the_huvudman_decides_for_every_school_and_a_school_sets_its_own_cut_off():
    day = build_day()
    huvudman = day.school.parent
    central = login_with_two_factor(_central_administrator(huvudman))
    index = central.get(reverse("attendance:settings_index")).content.decode()
    assert reverse("attendance:settings", args=[huvudman.pk]) in index
    assert reverse("schedule:calendar", args=[day.school.pk]) in index
    saved = central.post(
        reverse("attendance:settings", args=[huvudman.pk]),
        {
            "leave_requires_all_guardians": "1",
            "notice_cutoff": "14:30",
            "alert_absence_percent": "15",
            "csn_threshold_hours": "4,5",
        },
    )
    assert saved.status_code == 302
    school = policy_for(day.school.pk)
    assert (
        school.leave_requires_all_guardians,
        school.notice_cutoff,
        school.alert_absence_percent,
        school.csn_threshold_minutes,
        school.notice_morning,  # not set anywhere: the default
    ) == (True, time(14, 30), 15, 270, time(7, 30))
    entry = AuditEntry.objects.get(action="attendance.settings", object_id=str(huvudman.pk))
    assert entry.changes["notice_cutoff"] == [None, "14:30"]
    assert entry.changes["leave_requires_all_guardians"] == [None, True]

    # The rektor sets the school's own cut-off; the rest still follows the huvudman.
    rektor = login_with_two_factor(day.rektor)
    url = reverse("attendance:settings", args=[day.school.pk])
    page = rektor.get(url).content.decode()
    assert "Gäller nu: 14:30" in page and "leave_requires_all_guardians" not in page
    rektor.post(url, {"notice_cutoff": "13:00", "leave_requires_all_guardians": "0"})
    school = policy_for(day.school.pk)
    assert (school.notice_cutoff, school.leave_requires_all_guardians) == (time(13, 0), True)
    assert policy_for(huvudman.pk).notice_cutoff == time(14, 30)
    # Emptying a field makes it follow the huvudman again.
    rektor.post(url, {"notice_cutoff": ""})
    assert policy_for(day.school.pk).notice_cutoff == time(14, 30)


def test_bad_settings_are_refused_with_swedish_errors_and_change_nothing():
    day = build_day()
    rektor = login_with_two_factor(day.rektor)
    url = reverse("attendance:settings", args=[day.school.pk])
    for data, message in (
        ({"notice_cutoff": "05:00"}, "Brytpunkten ska vara mellan 09:00 och 22:00"),
        ({"notice_cutoff": "kvart i tre"}, "Ange en tid som TT:MM, t.ex. 15:00."),
        ({"notice_morning": "11:00"}, "Morgonutskicket ska vara mellan 06:00 och 10:00."),
        ({"alert_absence_percent": "0"}, "Ange minst 1."),
        ({"alert_absence_percent": "120"}, "Frånvarogränsen i procent ska vara mellan 1 och 100."),
        ({"csn_threshold_hours": "fyra"}, "Ange antal timmar, t.ex. 4 eller 4,5."),
        ({"csn_threshold_hours": "200"}, "CSN-gränsen ska vara mellan 0,5 och 100 timmar."),
    ):
        response = rektor.post(url, data)
        assert response.status_code == 400, data
        assert message in response.content.decode(), data
    assert not AttendancePolicy.objects.exists()
    assert not AuditEntry.objects.filter(action="attendance.settings").exists()


def test_settings_are_for_administrators_only():
    day = build_day()
    huvudman = day.school.parent
    other_school = f.SchoolUnitFactory(parent=huvudman)
    other_rektor = f.DutyFactory(duty_at=other_school, duty_role=DutyRole.REKTOR).person
    teacher = Client()
    login(teacher, day.teacher)
    rektor = login_with_two_factor(day.rektor)
    stranger = login_with_two_factor(other_rektor)
    for client, url in (
        (teacher, reverse("attendance:settings_index")),
        (teacher, reverse("attendance:settings", args=[day.school.pk])),
        (teacher, reverse("schedule:calendar", args=[day.school.pk])),
        # A rektor sets the school's settings, not the huvudman's.
        (rektor, reverse("attendance:settings", args=[huvudman.pk])),
        (rektor, reverse("schedule:calendar", args=[huvudman.pk])),
        (stranger, reverse("attendance:settings", args=[day.school.pk])),
        (stranger, reverse("schedule:calendar", args=[day.school.pk])),
    ):
        assert client.get(url).status_code == 404, url
        if url != reverse("attendance:settings_index"):
            assert client.post(url, {"notice_cutoff": "12:00"}).status_code == 404, url
    assert not AttendancePolicy.objects.exists()
    with pytest.raises(DomainError):
        attendance_policy_set(
            actor=day.actor(day.rektor),
            organisation=day.school,
            notice_cutoff=None,
            notice_morning=None,
            alert_absence_percent=None,
            alert_invalid_occasions=None,
            csn_threshold_minutes=None,
            leave_requires_all_guardians=True,
        )


def test_terms_and_days_off_for_the_huvudman_and_the_school():
    day = build_day(day=date(2026, 10, 28))
    huvudman = day.school.parent
    booked = lesson(day.activity, date(2026, 11, 3))
    central = login_with_two_factor(_central_administrator(huvudman))
    url = reverse("schedule:calendar", args=[huvudman.pk])
    term = {
        "action": "term",
        "termin-name": "Höstterminen 2026",
        "termin-school_year": "2026",
        "termin-start_date": "2026-08-17",
        "termin-end_date": "2026-12-22",
    }
    assert central.post(url, term).status_code == 302
    # The same term again overlaps; an end before the start names the field.
    again = central.post(url, term)
    assert again.status_code == 400
    assert "Terminen överlappar en annan termin vid samma enhet." in again.content.decode()
    backwards = central.post(
        url, {**term, "termin-start_date": "2027-01-10", "termin-end_date": "2027-01-09"}
    )
    assert "Slutdatum kan inte ligga före startdatum." in backwards.content.decode()
    wrong_year = central.post(
        url, {**term, "termin-start_date": "2029-01-10", "termin-end_date": "2029-06-09"}
    )
    assert "Läsåret 2026/27 kan inte ha en termin som börjar 2029-01-10." in (
        wrong_year.content.decode()
    )
    assert Term.objects.count() == 1
    lov = central.post(
        url,
        {
            "action": "day",
            "lov-kind": "Lov",
            "lov-name": "Höstlov",
            "lov-start_date": "2026-11-02",
            "lov-end_date": "2026-11-06",
        },
    )
    assert lov.status_code == 302
    booked.refresh_from_db()
    assert booked.cancelled and booked.comment == "Höstlov"
    assert not CalendarEvent.objects.get(pk=day.lesson.pk).cancelled

    # The school sees the huvudman's term and lov, and adds a studiedag of its own.
    rektor = login_with_two_factor(day.rektor)
    school_url = reverse("schedule:calendar", args=[day.school.pk])
    page = rektor.get(school_url).content.decode()
    assert "Höstterminen 2026" in page and "Höstlov" in page and huvudman.display_name in page
    nameless = rektor.post(
        school_url, {"action": "day", "lov-kind": "Studiedag", "lov-start_date": "2026-11-20"}
    )
    assert (
        nameless.status_code == 400
        and not NonTeachingDay.objects.filter(organisation=day.school).exists()
    )
    assert (
        rektor.post(
            school_url,
            {
                "action": "day",
                "lov-kind": "Studiedag",
                "lov-name": "Studiedag",
                "lov-start_date": "2026-11-20",
            },
        ).status_code
        == 302
    )
    studiedag = NonTeachingDay.objects.get(organisation=day.school)
    assert (studiedag.start_date, studiedag.end_date) == (date(2026, 11, 20), date(2026, 11, 20))
    assert AuditEntry.objects.filter(action="calendar.non_teaching_day").count() == 2
    assert AuditEntry.objects.filter(action="term.create").count() == 1


def test_a_central_administrator_at_the_forvaltning_sets_the_huvudmans_calendar():
    day = build_day()
    huvudman = day.school.parent
    forvaltning = f.ForvaltningFactory(parent=huvudman)
    at_forvaltning = f.DutyFactory(duty_at=forvaltning, duty_role=DutyRole.SKOLADMINISTRATOR).person
    client = login_with_two_factor(at_forvaltning)
    index = client.get(reverse("attendance:settings_index")).content.decode()
    assert reverse("attendance:settings", args=[huvudman.pk]) in index
    saved = client.post(
        reverse("schedule:calendar", args=[huvudman.pk]),
        {
            "action": "day",
            "lov-kind": "Studiedag",
            "lov-name": "Kommunens studiedag",
            "lov-start_date": "2026-11-25",
        },
    )
    assert saved.status_code == 302
    assert NonTeachingDay.objects.get().organisation_id == huvudman.pk
    # Another huvudman's central administrator does not even find the page.
    other = f.DutyFactory(duty_at=f.HuvudmanFactory(), duty_role=DutyRole.SKOLADMINISTRATOR).person
    stranger = login_with_two_factor(other)
    assert stranger.get(reverse("schedule:calendar", args=[huvudman.pk])).status_code == 404
    assert stranger.get(reverse("attendance:settings", args=[huvudman.pk])).status_code == 404
