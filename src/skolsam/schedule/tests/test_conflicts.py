"""Double bookings are flagged: in the timetable import's report and on the week view.

At Scheeleskolan Alva is in class 7B and also in 7A's Spanish (she is in both groups).
The new timetable puts 7B mathematics on Monday 08:30–09:30 and 7A on Monday 09:00–10:00:
she cannot be in both. Anka also teaches at Kungsskolan, at a time the file books her here.
"""

from __future__ import annotations

from datetime import date, time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from skolsam.schedule import services
from skolsam.schedule.models import TimetableEntry
from skolsam.testing import factories as f
from skolsam.testing.story import build_day, build_timetable, lesson, login, login_with_two_factor

pytestmark = pytest.mark.django_db

HEADER = "dag;start;slut;grupp;ämneskod;lärare;sal\n"
FILE = HEADER + (
    "Måndag;08:30;09:30;7B;GRGRMAT01;MARI;A12\n"
    "Måndag;09:00;10:00;7A;GRGRMAT01;INGR;B1\n"
    "Tisdag;08:30;09:30;7A;GRGRMAT01;INGR;B1\n"
)


@pytest.fixture
def school():
    story = build_timetable(
        term_start=date(2026, 8, 17), term_end=date(2026, 12, 18), on=date(2026, 8, 1)
    )
    # Alva and Elsa are in 7A as well as 7B: lessons of both at once are a conflict.
    for pupil in (story.pupil, story.protected_pupil):
        f.MembershipFactory(person=pupil, group=story.groups["7A"])
    return {
        "unit": story.school,
        "actor": story.actor,
        "term": story.term,
        "rektor": story.rektor,
        "maria": story.teacher,
    }


def test_pupils_in_two_groups_at_once_are_a_warning_with_the_rows_and_the_import_goes_through(
    school,
):
    result = services.timetable_import(
        actor=school["actor"], school_unit=school["unit"], term=school["term"], text=FILE
    )
    # Elsa has protected identity: she is not counted, so the warning says one pupil.
    assert result.warnings == [
        "Rad 3 och rad 2: 1 elev i både 7B och 7A har lektion samtidigt (måndag 09:00–10:00)."
    ]
    assert TimetableEntry.objects.count() == 3


def test_a_teacher_booked_at_the_same_time_in_another_school_is_a_warning(school):
    other = f.SchoolUnitFactory(display_name="Kungsskolan", parent=school["unit"].parent)
    there = f.DutyFactory(duty_at=other, person=school["maria"].person, signature="MARI")
    group = f.GroupFactory(display_name="8C", organisation=other)
    activity = f.ActivityFactory(organisation=other, groups=[group])
    f.ActivityTeacherFactory(activity=activity, duty=there)
    # Kungsskolan's timetable, in the same term (the huvudman's term would do as well).
    TimetableEntry.objects.create(
        activity=activity,
        term=school["term"],
        day_of_week=1,
        start_time=time(9, 0),
        end_time=time(9, 45),
    )
    result = services.timetable_import(
        actor=school["actor"], school_unit=school["unit"], term=school["term"], text=FILE
    )
    assert (
        "Rad 2, lärare: MARI undervisar samtidigt på Kungsskolan (måndag 09:00–09:45)."
        in result.warnings
    )


def test_the_import_page_reports_the_warnings(school):
    rektor = login_with_two_factor(school["rektor"].person)
    url = reverse("schedule:import", args=[school["unit"].pk])
    response = rektor.post(
        url,
        {
            "term": school["term"].pk,
            "file": SimpleUploadedFile("schema.csv", FILE.encode(), content_type="text/csv"),
        },
        follow=True,
    )
    text = response.content.decode()
    assert "Schemat är inläst: 3 rader" in text
    assert "Varning: Rad 3 och rad 2: 1 elev i både 7B och 7A" in text


def test_the_week_view_marks_a_double_booked_lesson_in_words(client):
    day = build_day(day=date(2026, 9, 7))
    lesson(day.activity, day.lesson.date, start=time(9, 0))
    lesson(day.activity, day.lesson.date, start=time(13, 0))
    login(client, day.teacher)
    page = client.get(reverse("schedule:week"), {"vecka": "2026-09-07"}).content.decode()
    assert page.count("<strong>Krock:</strong>") == 2
    assert "samtidigt som 7B Matematik 09:00–10:00" in page
    assert "samtidigt som 7B Matematik 08:30–09:30" in page
