"""The guardian and pupil portal, through HTTP, with the school day's cast.

Karin is Alva's guardian; Johan's custody ended last summer; Maria teaches 7B mathematics
today at 08:30; Lars mentors 7B. Hugo is Alva's classmate, and in these tests also
Karin's son where the story needs two children. Every page is reached as the guardian or
pupil would reach it, and nobody else gets further than a missing page.
"""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from skolsam.attendance.models import Absence, Attendance
from skolsam.attendance.services.absence import absence_report, day_span
from skolsam.audit.models import AuditEntry
from skolsam.core.choices import SecurityMarking
from skolsam.core.dates import today
from skolsam.schedule import calendar
from skolsam.testing import factories as f
from skolsam.testing.story import build_day, lesson, login

pytestmark = pytest.mark.django_db


def _client(person) -> Client:
    client = Client()
    login(client, person)
    return client


def test_a_guardian_lands_in_the_portal_with_one_card_per_child_and_only_portal_navigation():
    day = build_day()
    alva, hugo = day.pupils[0], day.pupils[1]
    f.ResponsibleFactory(person=hugo, responsible=day.guardian)
    karin = _client(day.guardian)
    response = karin.get("/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("portal:start")
    body = response.content.decode()
    assert f'id="card-{alva.pk}"' in body and f'id="card-{hugo.pk}"' in body
    assert "7B Matematik" in body  # today's lesson on each card
    assert "Anmäl frånvaro för flera" in body
    # Staff navigation is gone, and staff pages answer like missing ones.
    assert "Personer" not in body and "Mina lektioner" not in body
    for url in ("/personer/", reverse("attendance:my_lessons"), reverse("schedule:week")):
        assert karin.get(url).status_code == 404, url


def test_a_child_page_shows_the_week_with_teacher_substitute_and_cancellation():
    day = build_day()
    alva = day.pupils[0]
    cancelled = lesson(day.activity, today(), start=time(10, 0))
    cancelled.cancelled = True
    cancelled.save()
    covered = lesson(day.activity, today(), start=time(13, 0))
    covered.substitute = f.DutyFactory(
        duty_at=day.school, person=f.PersonFactory(given_name="Vera", family_name="Vikarie")
    )
    covered.save()
    body = _client(day.guardian).get(reverse("portal:child", args=[alva.pk])).content.decode()
    assert "Maria" in body  # the teacher by name
    assert "Inställd" in body
    assert "Vikarie: Vera Vikarie" in body
    assert "Lars" in body  # the mentor's contact


def test_a_pupil_sees_her_own_lessons_today_not_none():
    day = build_day()
    alva = day.pupils[0]
    for hour in (10, 11, 13, 14, 15):
        lesson(day.activity, today(), start=time(hour, 0), minutes=50)
    alva_client = _client(alva)
    body = alva_client.get("/", follow=True).content.decode()
    assert "Min dag" in body
    assert body.count("7B Matematik") >= 6
    assert "inga lektioner i dag" not in body.lower()
    own = alva_client.get(reverse("portal:child", args=[alva.pk]))
    assert own.status_code == 200 and "Mitt schema och min närvaro" in own.content.decode()
    # A minor pupil does not report her own absence.
    assert alva_client.get(reverse("portal:absence_report")).status_code == 404
    # Nor does she see a classmate.
    assert alva_client.get(reverse("portal:child", args=[day.pupils[1].pk])).status_code == 404


def test_a_guardian_reports_two_children_sick_today_in_one_go():
    day = build_day()
    alva, hugo = day.pupils[0], day.pupils[1]
    f.ResponsibleFactory(person=hugo, responsible=day.guardian)
    karin = _client(day.guardian)
    form = karin.get(reverse("portal:absence_report")).content.decode()
    assert "Vem är borta?" in form
    response = karin.post(
        reverse("portal:absence_report"),
        {
            "children": [str(alva.pk), str(hugo.pk)],
            "scope": "day",
            "first_day": today().isoformat(),
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("portal:start")
    assert "i dag, hela dagen" in response.content.decode()
    assert set(Absence.objects.values_list("student_id", flat=True)) == {alva.pk, hugo.pk}
    # The lesson of the day is valid absence for both.
    assert Attendance.objects.filter(valid=True, calendar_event=day.lesson).count() == 2
    body = karin.get(reverse("portal:child", args=[alva.pk])).content.decode()
    assert "Anmäld frånvaro:</strong> i dag, hela dagen" in body
    assert "00:00" not in body


def test_a_report_for_a_child_who_is_not_hers_changes_nothing():
    day = build_day()
    karin = _client(day.guardian)
    response = karin.post(
        reverse("portal:absence_report"),
        {"children": [str(day.pupils[1].pk)], "scope": "day", "first_day": today().isoformat()},
    )
    assert response.status_code == 400
    assert "Välj ett giltigt alternativ" in response.content.decode()
    assert not Absence.objects.exists()


def test_a_part_day_report_needs_both_times_and_says_which_is_missing():
    day = build_day()
    response = _client(day.guardian).post(
        reverse("portal:absence_report"),
        {
            "children": [str(day.pupils[0].pk)],
            "scope": "part",
            "first_day": today().isoformat(),
            "start": "10:00",
        },
    )
    assert response.status_code == 400
    assert "Ange till vilken tid barnet är borta." in response.content.decode()
    assert not Absence.objects.exists()


def test_a_guardian_withdraws_a_report_before_it_starts_and_the_register_is_clean_again():
    day = build_day()
    alva = day.pupils[0]
    tomorrow = today() + timedelta(days=1)
    lesson_tomorrow = lesson(day.activity, tomorrow)
    start, end = day_span(tomorrow, tomorrow)
    absence = absence_report(actor=day.actor(day.guardian), student=alva, start=start, end=end)
    assert Attendance.objects.filter(calendar_event=lesson_tomorrow, absence=absence).exists()
    karin = _client(day.guardian)
    page = karin.get(reverse("portal:child", args=[alva.pk])).content.decode()
    assert "I morgon, hela dagen" in page or "i morgon, hela dagen" in page
    url = reverse("portal:absence_withdraw", args=[absence.pk])
    assert url in page
    response = karin.post(url, follow=True)
    assert "Frånvaroanmälan är återkallad." in response.content.decode()
    assert not Absence.objects.exists()
    assert not Attendance.objects.filter(calendar_event=lesson_tomorrow).exists()
    assert AuditEntry.objects.filter(action="absence.withdraw", person_id=alva.pk).exists()


def test_an_ongoing_absence_cannot_be_withdrawn_but_can_be_ended_early():
    day = build_day()
    alva = day.pupils[0]
    now = calendar.local(calendar.at(today(), time(0, 0)))
    # From the start of today to the end of tomorrow: under way.
    absence = absence_report(
        actor=day.actor(day.guardian),
        student=alva,
        start=now,
        end=calendar.at(today() + timedelta(days=2), time(0, 0)),
    )
    later = lesson(day.activity, today() + timedelta(days=1))
    from skolsam.attendance.services._common import _apply_absence

    _apply_absence(absence)
    assert Attendance.objects.filter(calendar_event=later).exists()
    karin = _client(day.guardian)
    refused = karin.post(reverse("portal:absence_withdraw", args=[absence.pk]), follow=True)
    assert "Frånvaron har redan börjat" in refused.content.decode()
    assert Absence.objects.filter(pk=absence.pk).exists()
    ended = karin.post(reverse("portal:absence_end", args=[absence.pk]), follow=True)
    assert "Frånvaron är avslutad" in ended.content.decode()
    absence.refresh_from_db()
    assert absence.end_time < calendar.at(today() + timedelta(days=1), time(0, 0))
    # Tomorrow's lesson is no longer covered.
    assert not Attendance.objects.filter(calendar_event=later).exists()
    assert AuditEntry.objects.filter(action="absence.end_early", person_id=alva.pk).exists()


@pytest.mark.parametrize("who", ["former_guardian", "teacher", "stranger"])
def test_nobody_else_withdraws_or_ends_a_report(who):
    day = build_day()
    tomorrow = today() + timedelta(days=1)
    start, end = day_span(tomorrow, tomorrow)
    absence = absence_report(
        actor=day.actor(day.guardian), student=day.pupils[0], start=start, end=end
    )
    person = f.PersonFactory() if who == "stranger" else getattr(day, who)
    client = _client(person)
    for name in ("portal:absence_withdraw", "portal:absence_end"):
        assert client.post(reverse(name, args=[absence.pk])).status_code == 404
    assert Absence.objects.filter(pk=absence.pk).exists()


def test_attendance_history_counts_minutes_and_percent_with_the_lessons_behind():
    day = build_day(day=today() - timedelta(days=7))
    alva = day.pupils[0]
    Attendance.objects.create(
        calendar_event=day.lesson,
        student=alva,
        date=day.lesson.date,
        organisation=day.school,
        kind="Frånvarande",
        valid=False,
        invalid_absence_minutes=60,
    )
    body = _client(day.guardian).get(reverse("portal:child", args=[alva.pk])).content.decode()
    assert "Lektioner med frånvaro vecka" in body
    assert "60 min ogiltig" in body
    assert "100,0 %" in body


def test_a_protected_childs_guardian_sees_her_day_but_not_her_school_or_mentor():
    day = build_day()
    elsa = day.pupils[1]
    elsa.security_marking = SecurityMarking.SKYDDAD_FOLKBOKFORING
    elsa.save(update_fields=["security_marking"])
    lena = f.PersonFactory(given_name="Lena")
    f.ResponsibleFactory(person=elsa, responsible=lena)
    body = _client(lena).get(reverse("portal:child", args=[elsa.pk])).content.decode()
    assert "7B Matematik" in body
    assert "Scheeleskolan" not in body
    assert "Lars" not in body
    assert "skyddade personuppgifter" in body
    # Karin, another class parent, gets nothing about her.
    karin = _client(day.guardian)
    assert karin.get(reverse("portal:child", args=[elsa.pk])).status_code == 404
    assert str(elsa.pk) not in karin.get(reverse("portal:start")).content.decode()


def test_the_other_responsible_adult_reports_absence_but_applies_for_no_leave():
    day = build_day()
    alva = day.pupils[0]
    mats = f.PersonFactory(given_name="Mats")
    f.ResponsibleFactory(person=alva, responsible=mats, relation_type="Annan ansvarig")
    client = _client(mats)
    body = client.get(reverse("portal:child", args=[alva.pk])).content.decode()
    assert reverse("portal:absence_report") in body
    assert "Ansök om ledighet" not in body
    leave = client.get(reverse("portal:leave")).content.decode()
    assert "Skicka ansökan" not in leave


def _cost(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_the_start_and_child_pages_cost_the_same_for_one_child_as_for_three():
    day = build_day(pupils=4)
    alva = day.pupils[0]
    karin = _client(day.guardian)
    start_one = _cost(karin, reverse("portal:start"))
    child_one = _cost(karin, reverse("portal:child", args=[alva.pk]))
    for pupil in day.pupils[1:]:
        f.ResponsibleFactory(person=pupil, responsible=day.guardian)
    for hour in (10, 11, 13):
        lesson(day.activity, today(), start=time(hour, 0))
        lesson(day.activity, today() + timedelta(days=1), start=time(hour, 0))
    karin.get(reverse("portal:start"))  # the register changed: the Actor is built anew once
    assert _cost(karin, reverse("portal:start")) == start_one
    assert _cost(karin, reverse("portal:child", args=[alva.pk])) == child_one


def test_human_dates_read_like_people_write_them():
    from skolsam.core.humandates import human_period

    tuesday = date(2026, 12, 1)
    start, end = day_span(tuesday, tuesday)
    assert human_period(start, end, today=date(2026, 11, 20)) == "tisdag 1 december, hela dagen"
    assert human_period(start, end, today=tuesday) == "i dag, hela dagen"
    start, end = day_span(tuesday, tuesday, time(8, 30), time(9, 30))
    assert human_period(start, end, today=tuesday) == "i dag 08:30–09:30"
    start, end = day_span(tuesday, date(2026, 12, 4))
    assert (
        human_period(start, end, today=date(2026, 11, 20))
        == "tisdag 1 december – fredag 4 december, hela dagarna"
    )


def test_a_guardian_changes_her_phone_and_her_childs_email_and_it_is_audited():
    day = build_day()
    alva = day.pupils[0]
    karin = _client(day.guardian)
    page = karin.get(reverse("portal:contact")).content.decode()
    assert "karin@example.se" in page and "070-1234567" in page
    response = karin.post(
        reverse("portal:contact"),
        {
            "person": str(day.guardian.pk),
            f"{day.guardian.pk}-email": "karin@example.se",
            f"{day.guardian.pk}-phone": "073-111 22 33",
        },
    )
    assert response.status_code == 302
    day.guardian.refresh_from_db()
    assert day.guardian.phone_numbers[0]["value"] == "073-111 22 33"
    entry = AuditEntry.objects.get(action="person.contact_update", person_id=day.guardian.pk)
    assert entry.changes["phone_numbers"][0][0]["value"] == "070-1234567"
    karin.post(
        reverse("portal:contact"),
        {"person": str(alva.pk), f"{alva.pk}-email": "alva@example.se", f"{alva.pk}-phone": ""},
    )
    alva.refresh_from_db()
    assert alva.emails[0]["value"] == "alva@example.se"
    assert AuditEntry.objects.filter(action="person.contact_update", person_id=alva.pk).exists()


def test_a_wrong_email_is_refused_with_the_field_named_and_nothing_changes():
    day = build_day()
    karin = _client(day.guardian)
    response = karin.post(
        reverse("portal:contact"),
        {
            "person": str(day.guardian.pk),
            f"{day.guardian.pk}-email": "karin(at)example",
            f"{day.guardian.pk}-phone": "070-1234567",
        },
    )
    assert response.status_code == 400
    assert "är ingen e-postadress" in response.content.decode()
    day.guardian.refresh_from_db()
    assert day.guardian.emails[0]["value"] == "karin@example.se"


def test_the_other_responsible_adult_changes_only_his_own_contact_details():
    day = build_day()
    alva = day.pupils[0]
    mats = f.PersonFactory(given_name="Mats")
    f.ResponsibleFactory(person=alva, responsible=mats, relation_type="Annan ansvarig")
    client = _client(mats)
    assert str(alva.pk) not in client.get(reverse("portal:contact")).content.decode()
    client.post(
        reverse("portal:contact"),
        {"person": str(alva.pk), f"{alva.pk}-email": "x@example.se", f"{alva.pk}-phone": ""},
    )
    alva.refresh_from_db()
    assert not any(e.get("value") == "x@example.se" for e in alva.emails)


def test_custodians_see_who_else_acts_for_the_child_and_the_other_adult_does_not():
    day = build_day()
    alva = day.pupils[0]
    mats = f.PersonFactory(given_name="Mats", family_name="Fosterson")
    f.ResponsibleFactory(person=alva, responsible=mats, relation_type="Annan ansvarig")
    karin_page = _client(day.guardian).get(reverse("portal:child", args=[alva.pk]))
    body = karin_page.content.decode()
    assert "Mats Fosterson: annan ansvarig" in body
    assert day.former_guardian.full_name not in body  # custody ended
    mats_page = _client(mats).get(reverse("portal:child", args=[alva.pk])).content.decode()
    assert "Vilka har rätt att agera" not in mats_page


def test_a_protected_childs_address_is_not_shown_on_the_contact_page():
    day = build_day()
    elsa = day.pupils[1]
    elsa.security_marking = SecurityMarking.SKYDDAD_FOLKBOKFORING
    elsa.addresses = [
        {
            "type": "Folkbokföring",
            "streetAddress": "Hemliga vägen 1",
            "postalCode": "73130",
            "locality": "Köping",
            "country": "Sverige",
        }
    ]
    elsa.save(update_fields=["security_marking", "addresses"])
    lena = f.PersonFactory(given_name="Lena")
    f.ResponsibleFactory(person=elsa, responsible=lena)
    body = _client(lena).get(reverse("portal:contact")).content.decode()
    assert "Hemliga vägen" not in body
    assert elsa.full_name in body


def _adult(day):
    alva = day.pupils[0]
    alva.birth_date = date(today().year - 19, 1, 1)
    alva.save(update_fields=["birth_date"])
    return alva


def test_an_adult_pupil_reports_her_own_absence_and_her_guardian_no_longer_sees_her():
    day = build_day()
    alva = _adult(day)
    alva_client = _client(alva)
    body = alva_client.get(reverse("portal:start")).content.decode()
    assert "Vad mina vårdnadshavare får se" in body
    response = alva_client.post(
        reverse("portal:absence_report"),
        {"children": [str(alva.pk)], "scope": "day", "first_day": today().isoformat()},
    )
    assert response.status_code == 302
    assert Absence.objects.get().channel == "Webb"
    karin = _client(day.guardian)
    assert karin.get(reverse("portal:child", args=[alva.pk])).status_code == 404


def test_an_adult_pupil_consents_per_category_and_withdraws():
    day = build_day()
    alva = _adult(day)
    alva_client = _client(alva)
    page = alva_client.get(reverse("portal:consent")).content.decode()
    assert day.guardian.full_name in page
    assert day.former_guardian.full_name not in page  # custody ended before she turned 18
    alva_client.post(
        reverse("portal:consent"),
        {"responsible": str(day.guardian.pk), "category": "see_child", "given": "1"},
    )
    karin = _client(day.guardian)
    assert karin.get(reverse("portal:child", args=[alva.pk])).status_code == 200
    assert f'id="card-{alva.pk}"' in karin.get(reverse("portal:start")).content.decode()
    # Seeing her is not deciding for her.
    assert karin.get(reverse("portal:absence_report")).status_code == 404
    assert AuditEntry.objects.filter(action="consent.give", person_id=alva.pk).exists()
    alva_client.post(
        reverse("portal:consent"),
        {"responsible": str(day.guardian.pk), "category": "see_child", "given": "0"},
    )
    assert karin.get(reverse("portal:child", args=[alva.pk])).status_code == 404
    assert AuditEntry.objects.filter(action="consent.withdraw", person_id=alva.pk).exists()


def test_a_minor_pupil_and_a_guardian_have_no_consent_page():
    day = build_day()
    assert _client(day.pupils[0]).get(reverse("portal:consent")).status_code == 404
    assert _client(day.guardian).get(reverse("portal:consent")).status_code == 404


def test_a_stranger_cannot_be_given_consent():
    day = build_day()
    alva = _adult(day)
    stranger = f.PersonFactory()
    response = _client(alva).post(
        reverse("portal:consent"),
        {"responsible": str(stranger.pk), "category": "see_child", "given": "1"},
    )
    assert response.status_code == 404


def test_a_guardian_subscribes_to_her_childs_lessons_and_revokes_the_address():
    import re

    import icalendar

    day = build_day()
    alva = day.pupils[0]
    cancelled = lesson(day.activity, today() + timedelta(days=1), start=time(10, 0))
    cancelled.cancelled = True
    cancelled.save()
    karin = _client(day.guardian)
    made = karin.post(
        reverse("portal:calendar_feed", args=[alva.pk]), {"action": "create"}, follow=True
    )
    url = re.search(r"http://testserver(/portal/kalender/[^ <]+\.ics)", made.content.decode())
    assert url is not None
    feed = Client().get(url.group(1))  # a calendar app: no login
    assert feed["Content-Type"].startswith("text/calendar")
    events = icalendar.Calendar.from_ical(feed.content).walk("VEVENT")
    assert {str(e["summary"]) for e in events} == {"7B Matematik", "7B Matematik (inställd)"}
    assert any(str(e.get("status", "")) == "CANCELLED" for e in events)
    from skolsam.schedule.models import CalendarFeed

    stored = CalendarFeed.objects.get()
    assert url.group(1).split("/")[-1].removesuffix(".ics") not in stored.token_hash
    assert AuditEntry.objects.filter(action="portal.ical_token", person_id=alva.pk).exists()
    karin.post(reverse("portal:calendar_feed", args=[alva.pk]), {"action": "revoke"})
    assert Client().get(url.group(1)).status_code == 404
    assert AuditEntry.objects.filter(action="portal.ical_revoke", person_id=alva.pk).exists()


def test_a_feed_stops_when_its_owner_no_longer_acts_for_the_child():
    from skolsam.people.models import Responsible
    from skolsam.schedule.services.feeds import calendar_feed_create

    day = build_day()
    alva = day.pupils[0]
    token = calendar_feed_create(actor=day.actor(day.guardian), person=alva)
    assert Client().get(reverse("portal:ical", args=[token])).status_code == 200
    Responsible.objects.filter(responsible=day.guardian).update(
        end_date=today() - timedelta(days=1), start_date=date(2026, 1, 1)
    )
    assert Client().get(reverse("portal:ical", args=[token])).status_code == 404
    assert Client().get(reverse("portal:ical", args=["gissat"])).status_code == 404


def test_nobody_makes_a_feed_for_a_child_who_is_not_theirs():
    day = build_day()
    client = _client(day.teacher)
    assert client.post(reverse("portal:calendar_feed", args=[day.pupils[0].pk])).status_code == 404


def test_the_mentor_previews_the_portal_as_the_guardian_sees_it_and_it_is_audited():
    day = build_day()
    alva = day.pupils[0]
    lars = _client(day.mentor)
    response = lars.get(reverse("portal:preview", args=[day.guardian.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Förhandsvisning" in body and f'id="card-{alva.pk}"' in body
    assert reverse("portal:absence_report") not in body  # nothing to act on
    child = lars.get(reverse("portal:preview_child", args=[day.guardian.pk, alva.pk]))
    assert child.status_code == 200 and "7B Matematik" in child.content.decode()
    entries = AuditEntry.objects.filter(action="portal.preview", person_id=day.guardian.pk)
    assert entries.count() == 2
    from skolsam.audit.models import AuditEntryPerson

    assert AuditEntryPerson.objects.filter(person_id=alva.pk).count() == 2


def test_a_teacher_of_another_class_and_a_guardian_cannot_preview():
    day = build_day()
    url = reverse("portal:preview", args=[day.guardian.pk])
    assert _client(day.other_teacher).get(url).status_code == 404
    assert _client(day.guardian).get(url).status_code == 404


def test_staff_not_named_for_a_protected_pupil_cannot_preview_her_guardians_portal():
    day = build_day()
    elsa = day.pupils[1]
    elsa.security_marking = SecurityMarking.SKYDDAD_FOLKBOKFORING
    elsa.save(update_fields=["security_marking"])
    lena = f.PersonFactory(given_name="Lena")
    f.ResponsibleFactory(person=elsa, responsible=lena)
    lars = _client(day.mentor)
    assert lars.get(reverse("portal:preview", args=[lena.pk])).status_code == 404
    assert lars.get(reverse("portal:preview_child", args=[lena.pk, elsa.pk])).status_code == 404
    assert not AuditEntry.objects.filter(action="portal.preview").exists()


def test_the_school_sets_how_far_ahead_absence_may_be_reported():
    from skolsam.attendance.models import AttendancePolicy

    day = build_day()
    AttendancePolicy.objects.create(organisation=day.school, absence_report_days_ahead=7)
    from skolsam.attendance import policy

    policy.forget()
    karin = _client(day.guardian)

    def report(days: int):
        return karin.post(
            reverse("portal:absence_report"),
            {
                "children": [str(day.pupils[0].pk)],
                "scope": "day",
                "first_day": (today() + timedelta(days=days)).isoformat(),
            },
        )

    refused = report(10)
    assert refused.status_code == 400
    assert "högst 7 dagar i förväg" in refused.content.decode()
    assert not Absence.objects.exists()
    assert report(5).status_code == 302
    assert Absence.objects.count() == 1


def _fritids_with_a_lov():
    """Alva goes to fritidshem at Scheeleskolan; the jullov is in the coming weeks."""
    from skolsam.schedule.models import NonTeachingDay

    day = build_day()
    alva = day.pupils[0]
    fritids = f.GroupFactory(
        display_name="Fritids", group_type="Avdelning", school_type="FTH", organisation=day.school
    )
    placement = f.PlacementFactory(
        child=alva,
        placed_at=day.school,
        group=fritids,
        school_type="FTH",
        start_date=date(2026, 1, 1),
    )
    start = today() + timedelta(days=7 - today().weekday())  # next Monday
    NonTeachingDay.objects.create(
        organisation=day.school,
        kind="Lov",
        name="Jullov",
        start_date=start,
        end_date=start + timedelta(days=11),  # two weeks: ten weekdays
    )
    return day, placement, start


def test_a_guardian_answers_the_lov_in_one_screen():
    from skolsam.attendance.models import AttendanceSchedule

    day, placement, monday = _fritids_with_a_lov()
    karin = _client(day.guardian)
    child_page = karin.get(reverse("portal:child", args=[day.pupils[0].pk])).content.decode()
    url = reverse("portal:holiday_schedule", args=[placement.pk])
    assert url in child_page
    page = karin.get(url).content.decode()
    assert "Jullov" in page and page.count('type="time"') == 20
    data = {
        f"{monday.isoformat()}-start": "08:00",
        f"{monday.isoformat()}-end": "16:00",
        f"{(monday + timedelta(days=8)).isoformat()}-start": "09:00",
        f"{(monday + timedelta(days=8)).isoformat()}-end": "15:00",
    }
    response = karin.post(url, data)
    assert response.status_code == 302
    schedule = AttendanceSchedule.objects.get()
    assert schedule.temporary and schedule.number_of_weeks == 2
    assert (schedule.start_date, schedule.end_date) == (monday, monday + timedelta(days=11))
    assert sorted((e["weekOffset"], e["dayOfWeek"]) for e in schedule.schedule_entries) == [
        (0, "Måndag"),
        (1, "Tisdag"),
    ]
    assert "redan besvarat" in karin.get(url).content.decode()


def test_a_half_filled_lov_day_is_refused_and_nothing_is_sent():
    from skolsam.attendance.models import AttendanceSchedule

    day, placement, monday = _fritids_with_a_lov()
    response = _client(day.guardian).post(
        reverse("portal:holiday_schedule", args=[placement.pk]),
        {f"{monday.isoformat()}-start": "08:00"},
    )
    assert response.status_code == 400
    assert "Skriv både från och till" in response.content.decode()
    assert not AttendanceSchedule.objects.exists()


def test_the_other_responsible_adult_does_not_answer_the_lov():
    day, placement, _monday = _fritids_with_a_lov()
    mats = f.PersonFactory(given_name="Mats")
    f.ResponsibleFactory(person=day.pupils[0], responsible=mats, relation_type="Annan ansvarig")
    url = reverse("portal:holiday_schedule", args=[placement.pk])
    assert _client(mats).get(url).status_code == 404


def test_a_staff_page_answers_a_guardian_with_the_products_missing_page_in_the_demo_too(settings):
    """With DEBUG on (make demo) the refusal is the product's page, identical to a missing one."""
    from skolsam.testing.auth import without_csrf_tokens

    settings.DEBUG = True
    day = build_day()
    karin = _client(day.guardian)
    refused = karin.get("/personer/")
    missing = karin.get("/finns-inte/")
    assert refused.status_code == missing.status_code == 404
    assert "Sidan finns inte" in refused.content.decode()
    assert without_csrf_tokens(refused.content) == without_csrf_tokens(missing.content)
