"""The school calendar and timetable: import a CSV, generate lessons, holidays, changes."""

from __future__ import annotations

from datetime import date, time

import pytest

from skolsam.accounts.actor import actor_for_person
from skolsam.activities.models import Activity
from skolsam.audit.models import AuditEntry
from skolsam.core.errors import DomainError
from skolsam.schedule import services
from skolsam.schedule.models import CalendarEvent, NonTeachingKind, TimetableEntry
from skolsam.testing import factories as f
from skolsam.testing.story import build_timetable

pytestmark = pytest.mark.django_db

HEADER = "dag;start;slut;grupp;ämneskod;lärare;sal\n"


@pytest.fixture
def school():
    story = build_timetable(
        term_start=date(2026, 8, 17), term_end=date(2026, 12, 18), on=date(2026, 8, 1)
    )
    return {
        "unit": story.school,
        "actor": story.actor,
        "term": story.term,
        "teacher": story.teacher,
        "other": story.other_teacher,
        "group": story.groups["7B"],
    }


def test_an_import_creates_the_activity_the_entries_and_the_terms_lessons(school):
    result = services.timetable_import(
        actor=school["actor"],
        school_unit=school["unit"],
        term=school["term"],
        text=HEADER
        + "Måndag;08:30;09:30;7B;GRGRMAT01;MARI;A12\nOnsdag;10:00;10:50;7B;GRGRMAT01;mari;A12\n",
        generate_from=date(2026, 8, 17),
    )
    activity = Activity.objects.get()
    assert activity.display_name == "7B Matematik"
    assert list(activity.groups.all()) == [school["group"]]
    assert result.entries == 2 and result.activities_created == 1
    # 18 weeks from 17 August to 18 December, two lessons a week.
    assert result.lessons_created == 36 == CalendarEvent.objects.count()
    first = CalendarEvent.objects.order_by("start_time")[0]
    assert first.date == date(2026, 8, 17) and first.duration_minutes == 60 and first.room == "A12"
    assert AuditEntry.objects.filter(action="timetable.import").count() == 1


def test_a_holiday_gives_no_lessons_and_a_rerun_creates_nothing_new(school):
    huvudman_actor = school["actor"]
    services.non_teaching_day_create(
        actor=huvudman_actor,
        organisation=school["unit"],
        kind=NonTeachingKind.LOV,
        name="Höstlov",
        start_date=date(2026, 10, 26),
        end_date=date(2026, 10, 30),
    )
    services.timetable_import(
        actor=school["actor"],
        school_unit=school["unit"],
        term=school["term"],
        text=HEADER + "Måndag;08:30;09:30;7B;GRGRMAT01;MARI;A12\n",
        generate_from=date(2026, 8, 17),
    )
    assert CalendarEvent.objects.count() == 17
    assert not CalendarEvent.objects.filter(date=date(2026, 10, 26)).exists()
    again = services.calendar_generate(
        actor=school["actor"], school_unit=school["unit"], term=school["term"]
    )
    assert again == 0


def test_a_bad_file_lists_every_problem_by_row_and_field_and_writes_nothing(school):
    text = HEADER + (
        "Måndag;08:30;09:30;7B;GRGRMAT01;MARI;A12\n"
        "Funday;08:30;09:30;7B;GRGRMAT01;MARI;A12\n"
        "Tisdag;10:00;09:00;9Z;GRGRMAT01;XYZ;A12\n"
        "Måndag;09:00;10:00;7B;GRGRMAT01;INGR;B1\n"
    )
    with pytest.raises(DomainError) as caught:
        services.timetable_import(
            actor=school["actor"], school_unit=school["unit"], term=school["term"], text=text
        )
    messages = caught.value.message_dict["file"]
    assert (
        "Rad 3, dag: 'Funday' är ingen skoldag (skriv Måndag, Tisdag, Onsdag, Torsdag, Fredag)."
        in messages
    )
    assert any(m.startswith("Rad 4, slut:") for m in messages)
    assert any(m.startswith("Rad 4, grupp: gruppen '9Z'") for m in messages)
    assert any(m.startswith("Rad 4, lärare: signaturen 'XYZ'") for m in messages)
    assert "Rad 5, grupp: 7B har redan lektion då (rad 2)." in messages
    assert not TimetableEntry.objects.exists() and not Activity.objects.exists()
    assert not CalendarEvent.objects.exists()


def test_a_wrong_header_is_refused(school):
    with pytest.raises(DomainError) as caught:
        services.timetable_import(
            actor=school["actor"],
            school_unit=school["unit"],
            term=school["term"],
            text="a;b\n1;2\n",
        )
    assert caught.value.message_dict["file"][0].startswith(
        "Rad 1: rubrikraden ska vara dag;start;slut"
    )


def test_a_teacher_cannot_import_a_timetable(school):
    teacher_actor = actor_for_person(school["teacher"].person_id, on=date(2026, 8, 1))
    with pytest.raises(DomainError):
        services.timetable_import(
            actor=teacher_actor,
            school_unit=school["unit"],
            term=school["term"],
            text=HEADER + "Måndag;08:30;09:30;7B;GRGRMAT01;MARI;A12\n",
        )


def test_one_lesson_is_cancelled_moved_and_given_a_substitute(school):
    services.timetable_import(
        actor=school["actor"],
        school_unit=school["unit"],
        term=school["term"],
        text=HEADER + "Måndag;08:30;09:30;7B;GRGRMAT01;MARI;A12\n",
        generate_from=date(2026, 8, 17),
    )
    lessons = list(CalendarEvent.objects.order_by("start_time")[:3])
    services.lesson_cancel(actor=school["actor"], lesson=lessons[0], comment="Studiebesök")
    services.lesson_move(
        actor=school["actor"],
        lesson=lessons[1],
        day=date(2026, 8, 25),
        start=time(13, 0),
        end=time(14, 30),
        room="B2",
    )
    services.lesson_assign_substitute(
        actor=school["actor"], lesson=lessons[2], duty=school["other"]
    )
    moved = CalendarEvent.objects.get(pk=lessons[1].pk)
    assert moved.date == date(2026, 8, 25) and moved.duration_minutes == 90 and moved.room == "B2"
    assert moved.planned_date == date(2026, 8, 24)
    assert CalendarEvent.objects.get(pk=lessons[0].pk).cancelled
    assert CalendarEvent.objects.get(pk=lessons[2].pk).substitute_id == school["other"].pk
    elsewhere = f.DutyFactory()
    with pytest.raises(DomainError):
        services.lesson_assign_substitute(actor=school["actor"], lesson=lessons[2], duty=elsewhere)
