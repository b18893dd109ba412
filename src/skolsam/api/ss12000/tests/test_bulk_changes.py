"""Bulk and single-statement writes reach subscribers and deletedEntities too.

A register import and a timetable write rows in bulk, and the teacher's register saves in
one statement; their services record the change (`skolsam.core.changes`). A change no
one subscribes to costs no task.

The register is the story's (skolsam.testing.story), built for each test here: two of them
commit as a request does, which a story shared by the module cannot survive. Maria takes
7B's mathematics at Scheeleskolan; Anders, the rektor, imports a timetable.
"""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest
from django_tasks_db.models import DBTaskResult

from skolsam.accounts.actor import actor_for_person
from skolsam.activities.models import Activity
from skolsam.api.ss12000.tests.conftest import Api
from skolsam.api.ss12000.tests.factories import make_client, token_for
from skolsam.api.ss12000.tests.test_changes import DATABASE, IMMEDIATE, Receiver, _subscribe
from skolsam.attendance.models import AttendanceKind
from skolsam.attendance.services.register import Mark, register_save
from skolsam.core.access import system_actor
from skolsam.curriculum.models import Syllabus
from skolsam.duties.models import Duty
from skolsam.imports.parser import parse_file
from skolsam.imports.services import register_import_run
from skolsam.imports.tests.conftest import ADULTS, PUPILS
from skolsam.people.models import Person
from skolsam.schedule import calendar
from skolsam.schedule import services as schedule_services
from skolsam.schedule.models import CalendarEvent
from skolsam.testing.story import Story, build_story, dashed

# Numbers no factory hands out (skolsam.imports.tests.conftest), so none is the story's.
PUPIL, GUARDIAN = PUPILS[0], ADULTS[0]
IMPORT = (
    "personnummer;förnamn;efternamn;skolform;årskurs;klass;startdatum;"
    "vh1_personnummer;vh1_förnamn;vh1_efternamn;vh1_relation\n"
    f"{dashed(PUPIL)};Vera;Sund;GR;8;8C;2026-08-17;"
    f"{dashed(GUARDIAN)};Sara;Sund;Vårdnadshavare\n"
)


@pytest.fixture
def story(db: Any) -> Story:
    """The story, built for each test (see the module's docstring)."""
    return build_story()


@pytest.fixture
def hooks(settings):
    settings.SKOLSAM_SS12000_WEBHOOK_ALLOW_PRIVATE = True
    pair = (Receiver(), Receiver())
    yield pair
    for r in pair:
        r.server.shutdown()


def _mathematics_lesson(story: Any) -> CalendarEvent:
    """Maria's mathematics lesson with 7B at Scheeleskolan, Monday 14 September."""
    day = date(2026, 9, 14)
    return CalendarEvent.objects.create(
        activity=Activity.objects.get(display_name="Matematik 7B"),
        organisation_id=story.scheeleskolan.pk,
        planned_date=day,
        date=day,
        start_time=calendar.at(day, time(8, 30)),
        end_time=calendar.at(day, time(9, 30)),
        duration_minutes=60,
    )


def _subscribers(api: Api, story: Any, hooks, *types: str) -> None:
    koping_hook, arboga_hook = hooks
    _subscribe(api, koping_hook.url, *types)
    arboga_client, _ = make_client([story.arboga], name="Arbogas plattform")
    _subscribe(Api(token_for(arboga_client)), arboga_hook.url, *types)


def test_a_register_import_is_told_to_subscribers_in_scope_only(
    story_api: Api, story: Any, hooks, settings, django_capture_on_commit_callbacks
) -> None:
    settings.TASKS = IMMEDIATE
    _subscribers(story_api, story, hooks, "Person", "Group")
    parsed = parse_file(IMPORT.encode(), "elever.csv")
    with django_capture_on_commit_callbacks(execute=True):
        plan, staged = register_import_run(
            actor=system_actor("test"),
            school_unit=story.scheeleskolan,
            parsed=parsed,
            create_classes=True,
        )
    assert staged is not None, plan
    assert Person.objects.filter(civic_no=PUPIL).exists()
    koping_hook, arboga_hook = hooks
    assert [c[0] for c in koping_hook.calls] == [
        {"modifiedEntites": ["Group", "Person"], "deletedEntities": False}
    ]
    assert arboga_hook.calls == [], "Arboga heard of an import in Köping"


@pytest.mark.django_db(transaction=True)
def test_a_teachers_register_is_told_to_attendance_subscribers(
    story_api: Api, story: Any, hooks, settings
) -> None:
    # As in a request: autocommit, so the save is dispatched as soon as it commits.
    settings.TASKS = IMMEDIATE
    _subscribers(story_api, story, hooks, "Attendance")
    lesson = _mathematics_lesson(story)
    day = lesson.date
    absent = Mark(student_id=story.pupil_in_7b.pk, kind=AttendanceKind.ABSENT)
    register_save(
        actor=actor_for_person(story.teacher_of_7b.pk, on=day),
        lesson=lesson,
        version=lesson.register_version,
        marks=[absent],
    )
    koping_hook, arboga_hook = hooks
    assert [c[0] for c in koping_hook.calls] == [
        {"modifiedEntites": ["Attendance"], "deletedEntities": False}
    ]
    assert arboga_hook.calls == []


def test_lessons_removed_by_a_timetable_reimport_are_deleted_entities(
    story_api: Api, story: Any, hooks, settings, django_capture_on_commit_callbacks
) -> None:
    settings.TASKS = IMMEDIATE
    _subscribers(story_api, story, hooks, "CalendarEvent")
    Duty.objects.filter(person=story.teacher_of_7b).update(signature="MARI")
    Syllabus.objects.get_or_create(
        school_type="GR",
        subject_code="GRGRMAT01",
        course_code="",
        defaults={"subject_name": "Matematik"},
    )
    actor = actor_for_person(story.rektor_at_scheeleskolan.pk, on=date(2026, 8, 1))
    term = schedule_services.term_create(
        actor=actor,
        organisation=story.scheeleskolan,
        school_year=2026,
        name="Höstterminen 2026",
        start_date=date(2026, 8, 17),
        end_date=date(2026, 12, 18),
    )
    header = "dag;start;slut;grupp;ämneskod;lärare;sal\n"

    def timetable(text: str) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            schedule_services.timetable_import(
                actor=actor,
                school_unit=story.scheeleskolan,
                term=term,
                text=header + text,
                generate_from=date(2026, 8, 17),
            )

    timetable("Måndag;08:30;09:30;7A;GRGRMAT01;MARI;A12\n")
    mondays = set(CalendarEvent.objects.values_list("pk", flat=True))
    assert len(mondays) == 18
    timetable("Tisdag;08:30;09:30;7A;GRGRMAT01;MARI;A12\n")

    deleted = story_api.get("/deletedEntities")["data"]
    assert set(deleted["calendarEvents"]) == {str(pk) for pk in mondays}
    koping_hook, arboga_hook = hooks
    assert koping_hook.calls[-1][0] == {
        "modifiedEntites": ["CalendarEvent"],
        "deletedEntities": True,
    }
    assert arboga_hook.calls == []
    # Arboga's client is not told which of Köping's lessons went.
    arboga_client, _ = make_client([story.arboga], name="Arbogas andra plattform")
    assert "calendarEvents" not in Api(token_for(arboga_client)).get("/deletedEntities")["data"]


@pytest.mark.django_db(transaction=True)
def test_a_change_nobody_subscribes_to_enqueues_no_task(story: Any, settings: Any) -> None:
    settings.TASKS = DATABASE
    settings.SKOLSAM_SS12000_WEBHOOK_ALLOW_PRIVATE = True
    DBTaskResult.objects.all().delete()
    lesson = _mathematics_lesson(story)
    day = lesson.date
    mark = Mark(student_id=story.pupil_in_7b.pk, kind=AttendanceKind.ABSENT)
    teacher = actor_for_person(story.teacher_of_7b.pk, on=day)
    register_save(actor=teacher, lesson=lesson, version=lesson.register_version, marks=[mark])
    assert not DBTaskResult.objects.filter(task_path__endswith="dispatch_changes").exists()
    # Once someone subscribes to attendances, the same kind of save wakes the dispatcher.
    client, _ = make_client([story.koping])
    _subscribe(Api(token_for(client)), "http://127.0.0.1:9/skolsam", "Attendance")
    lesson.refresh_from_db()
    late = Mark(student_id=story.pupil_in_7b.pk, kind=AttendanceKind.LATE, minutes=10)
    register_save(actor=teacher, lesson=lesson, version=lesson.register_version, marks=[late])
    assert DBTaskResult.objects.filter(task_path__endswith="dispatch_changes").count() == 1
