"""Attendance in SS 12000: calendarEvents, attendances (GET, POST, DELETE), absences,
attendanceEvents, attendanceSchedule and aggregatedAttendance, checked against the spec.

The register is the story's (skolsam.testing.story): a lesson of Matematik 7B, where Alva
and Elsa (skyddad folkbokföring) are pupils."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

import pytest

from skolsam.activities.models import Activity
from skolsam.attendance.models import Attendance
from skolsam.attendance.services.absence import absence_report, day_span
from skolsam.attendance.services.other_systems import attendance_set_minutes
from skolsam.core.access import system_actor
from skolsam.schedule import calendar
from skolsam.schedule.models import CalendarEvent

DAY = date(2026, 9, 14)


@pytest.fixture
def lesson(db: Any, story: Any) -> CalendarEvent:
    start = calendar.at(DAY, time(8, 30))
    mathematics = Activity.objects.get(display_name="Matematik 7B")
    return CalendarEvent.objects.create(
        activity=mathematics,
        organisation_id=mathematics.organisation_id,
        planned_date=DAY,
        date=DAY,
        start_time=start,
        end_time=start + timedelta(minutes=60),
        duration_minutes=60,
    )


def test_calendar_events_need_the_time_window_and_stay_in_scope(
    story_api: Any, story: Any, lesson: Any
) -> None:
    window = {
        "startTime.onOrAfter": "2026-09-14T00:00:00+02:00",
        "startTime.onOrBefore": "2026-09-15T00:00:00+02:00",
    }
    page = story_api.get("/calendarEvents", window)
    assert [e["id"] for e in page["data"]] == [str(lesson.pk)]
    assert page["data"][0]["teachingLengthStudent"] == 60
    story_api.get("/calendarEvents", {}, status=400, check=False)
    story_api.get(f"/calendarEvents/{lesson.pk}")


def test_attendance_is_posted_read_aggregated_and_deleted(
    story_api: Any, story: Any, lesson: Any
) -> None:
    body = {
        "calendarEvent": {"id": str(lesson.pk)},
        "student": {"id": str(story.pupil_in_7b.pk)},
        "isReported": True,
        "attendanceMinutes": 40,
        "validAbsenceMinutes": 0,
        "invalidAbsenceMinutes": 20,
    }
    created = story_api.post("/attendances", body)
    assert created["invalidAbsenceMinutes"] == 20 and created["student"]["id"] == str(
        story.pupil_in_7b.pk
    )
    listed = story_api.get("/attendances", {"calendarEvent": str(lesson.pk)})
    assert [a["id"] for a in listed["data"]] == [created["id"]]
    too_many = dict(body, attendanceMinutes=60)
    story_api.post("/attendances", too_many, status=400, check=False)
    aggregated = story_api.get(
        "/aggregatedAttendance", {"startDate": "2026-09-01", "endDate": "2026-09-30"}
    )
    assert aggregated["data"][0]["invalidAbsenceSum"] == 20
    assert aggregated["data"][0]["offeredSum"] == 60
    story_api.request("DELETE", f"/attendances/{created['id']}", status=204, check=False)
    assert not Attendance.objects.exists()


def test_is_reported_is_required_and_true_reports_the_lesson(
    story_api: Any, story: Any, lesson: Any
) -> None:
    """The spec requires isReported ("the lesson is reported"); true marks the lesson."""
    from skolsam.core.models import ChangeRecord

    body = {
        "calendarEvent": {"id": str(lesson.pk)},
        "student": {"id": str(story.pupil_in_7b.pk)},
        "attendanceMinutes": 60,
        "validAbsenceMinutes": 0,
        "invalidAbsenceMinutes": 0,
    }
    missing = story_api.post("/attendances", body, status=400, check=False)
    assert "isReported" in missing["message"]
    assert not Attendance.objects.exists()
    assert story_api.post("/attendances", {**body, "isReported": "ja"}, status=400, check=False)
    # false: stored, the lesson stays unreported.
    first = story_api.post("/attendances", {**body, "isReported": False})
    assert first["isReported"] is False
    lesson.refresh_from_db()
    assert lesson.reported_at is None
    # true: the lesson is reported, and its rows say so and count as changed.
    before = ChangeRecord.objects.count()
    again = story_api.post("/attendances", {**body, "isReported": True})
    assert again["id"] == first["id"] and again["isReported"] is True
    lesson.refresh_from_db()
    assert lesson.reported_at is not None
    assert ChangeRecord.objects.count() == before + 1
    listed = story_api.get("/attendances", {"calendarEvent": str(lesson.pk)})["data"]
    assert [a["isReported"] for a in listed] == [True]
    # A later false does not un-report the lesson.
    story_api.post("/attendances", {**body, "isReported": False})
    lesson.refresh_from_db()
    assert lesson.reported_at is not None


def test_a_protected_pupils_attendance_is_not_handed_out(
    story_api: Any, story: Any, lesson: Any
) -> None:
    attendance_set_minutes(
        actor=system_actor("test"),
        lesson=lesson,
        student=story.protected_pupil_in_7b,
        attendance_minutes=60,
        valid_absence_minutes=0,
        invalid_absence_minutes=0,
    )
    assert story_api.get("/attendances")["data"] == []


def test_absences_are_listed_with_their_type(story_api: Any, story: Any, lesson: Any) -> None:
    start, end = day_span(DAY, DAY)
    absence_report(actor=system_actor("test"), student=story.pupil_in_7b, start=start, end=end)
    page = story_api.get("/absences")
    assert [a["type"] for a in page["data"]] == ["Anmäld frånvaro"]
