"""The timetable pages through HTTP: the week, the timetable import and one lesson's changes.

At Scheeleskolan the rektor reads in the term's timetable from a CSV file and cancels a
lesson; Maria (signature MARI) teaches 7B mathematics every weekday; Alva in 7B and her
guardian Karin look at Alva's week; a teacher at the school may do neither import nor change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from skolsam.activities.models import Activity
from skolsam.core.dates import today
from skolsam.schedule import calendar
from skolsam.schedule.models import CalendarEvent
from skolsam.testing import factories as f
from skolsam.testing.auth import verified_client
from skolsam.testing.story import build_timetable

pytestmark = pytest.mark.django_db

HEADER = "dag;start;slut;grupp;ämneskod;lärare;sal\n"
EVERY_WEEKDAY = "".join(
    f"{day};08:30;09:30;7B;GRGRMAT01;MARI;A12\n"
    for day in ("Måndag", "Tisdag", "Onsdag", "Torsdag", "Fredag")
)


@dataclass
class School:
    unit: Any
    term: Any
    rektor: Any
    maria: Any
    other_teacher: Any
    alva: Any
    karin: Any


@pytest.fixture
def school() -> School:
    day = today()
    story = build_timetable(
        term_start=day - timedelta(days=40),
        term_end=day + timedelta(days=60),
        on=day,
        term_name="Terminen",
    )
    return School(
        story.school,
        story.term,
        f.UserFactory(person=story.rektor.person),
        f.UserFactory(person=story.teacher.person),
        f.UserFactory(person=story.other_teacher.person),
        f.UserFactory(person=story.pupil),
        f.UserFactory(person=story.guardian),
    )


def _import(user: Any, school: School, content: bytes) -> Any:
    return verified_client(user).post(
        reverse("schedule:import", args=[school.unit.pk]),
        {"term": school.term.pk, "file": SimpleUploadedFile("schema.csv", content)},
        follow=True,
    )


def test_the_rektor_reads_in_a_timetable_from_the_page(school):
    page = verified_client(school.rektor).get(reverse("schedule:import", args=[school.unit.pk]))
    assert page.status_code == 200 and "Terminen" in page.content.decode()
    response = _import(school.rektor, school, (HEADER + EVERY_WEEKDAY).encode())
    assert response.redirect_chain[-1][1] == 302
    assert "Schemat är inläst: 5 rader, 1 nya aktiviteter" in response.content.decode()
    assert Activity.objects.get().display_name == "7B Matematik"
    assert CalendarEvent.objects.filter(date__gte=today()).exists()


def test_a_file_that_is_not_utf8_or_has_bad_rows_is_refused_and_nothing_is_saved(school):
    latin1 = _import(school.rektor, school, (HEADER + EVERY_WEEKDAY).encode("latin-1"))
    assert latin1.status_code == 400
    assert "Filen är inte UTF-8" in latin1.content.decode()
    bad = _import(
        school.rektor, school, (HEADER + "Måndag;08:30;09:30;9Z;GRGRMAT01;MARI;\n").encode()
    )
    assert bad.status_code == 400
    assert (
        "Rad 2, grupp: gruppen &#x27;9Z&#x27; finns inte vid skolenheten." in bad.content.decode()
    )
    assert not Activity.objects.exists() and not CalendarEvent.objects.exists()


def test_a_teacher_can_neither_import_nor_change_a_lesson(school):
    teacher = verified_client(school.other_teacher)
    assert teacher.get(reverse("schedule:import", args=[school.unit.pk])).status_code == 404
    _import(school.rektor, school, (HEADER + EVERY_WEEKDAY).encode())
    lesson = CalendarEvent.objects.order_by("start_time")[0]
    assert teacher.get(reverse("schedule:lesson", args=[lesson.pk])).status_code == 404
    assert (
        teacher.post(reverse("schedule:lesson", args=[lesson.pk]), {"action": "cancel"}).status_code
        == 404
    )
    lesson.refresh_from_db()
    assert not lesson.cancelled


def test_the_rektor_cancels_a_lesson_and_is_told_what_a_move_needs(school):
    _import(school.rektor, school, (HEADER + EVERY_WEEKDAY).encode())
    lesson = CalendarEvent.objects.order_by("start_time")[0]
    client = verified_client(school.rektor)
    url = reverse("schedule:lesson", args=[lesson.pk])
    page = client.get(url).content.decode()
    assert "Maria" in page  # offered as a substitute
    incomplete = client.post(url, {"action": "move", "date": lesson.date.isoformat()}, follow=True)
    assert "Ange datum, starttid och sluttid." in incomplete.content.decode()
    cancelled = client.post(url, {"action": "cancel", "comment": "Studiedag"}, follow=True)
    assert "Lektionen är ändrad." in cancelled.content.decode()
    lesson.refresh_from_db()
    assert lesson.cancelled


def test_teacher_pupil_and_guardian_see_the_week_and_a_stranger_does_not(school):
    _import(school.rektor, school, (HEADER + EVERY_WEEKDAY).encode())
    monday = calendar.week_start(today()).isoformat()
    week = reverse("schedule:week")
    page = verified_client(school.maria).get(week, {"vecka": monday}).content.decode()
    assert "7B Matematik" in page
    # Pupils and guardians see timetables in the portal; the staff week page is not theirs.
    alva_id = school.alva.person.pk
    pupil = verified_client(school.alva)
    own = pupil.get(reverse("portal:child", args=[alva_id]), {"vecka": monday})
    assert "7B Matematik" in own.content.decode()
    assert pupil.get(week, {"vecka": monday}).status_code == 404
    guardian = verified_client(school.karin)
    child_week = guardian.get(reverse("portal:child", args=[alva_id]), {"vecka": monday})
    assert child_week.status_code == 200
    assert "7B Matematik" in child_week.content.decode()
    assert guardian.get(week, {"vecka": monday, "person": alva_id}).status_code == 404
    stranger = verified_client(f.UserFactory())
    assert stranger.get(week, {"person": alva_id}).status_code == 404
    assert stranger.get(reverse("portal:child", args=[alva_id])).status_code == 404


def test_the_rektor_lists_and_adds_rooms_and_a_teacher_gets_404(school):
    from skolsam.audit.models import AuditEntry
    from skolsam.schedule.models import Room

    _import(school.rektor, school, (HEADER + EVERY_WEEKDAY).encode())
    url = reverse("schedule:rooms", args=[school.unit.pk])
    client = verified_client(school.rektor)
    page = client.get(url).content.decode()
    # The room the timetable named is there already.
    assert "A12" in page
    added = client.post(url, {"display_name": "Aulan", "seats": "200"}, follow=True)
    assert "Lokalen Aulan är tillagd." in added.content.decode()
    assert Room.objects.get(owner=school.unit, display_name="Aulan").seats == 200
    assert AuditEntry.objects.filter(action="room.create").exists()
    twice = client.post(url, {"display_name": "Aulan"})
    assert twice.status_code == 400 and "redan en lokal som heter Aulan" in twice.content.decode()
    bad = client.post(url, {"display_name": "Sal\x07"})
    assert bad.status_code == 400
    assert Room.objects.filter(owner=school.unit).count() == 2
    teacher = verified_client(school.other_teacher)
    assert teacher.get(url).status_code == 404
    assert teacher.post(url, {"display_name": "Smyg"}).status_code == 404
    assert not Room.objects.filter(display_name="Smyg").exists()
