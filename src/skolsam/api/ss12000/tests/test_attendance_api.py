"""Attendance in SS 12000: calendarEvents, attendances (GET, POST, DELETE), absences,
attendanceEvents, attendanceSchedule and aggregatedAttendance, checked against the spec."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

import pytest

from skolsam.attendance.models import Attendance
from skolsam.attendance.services.absence import absence_report, day_span
from skolsam.attendance.services.other_systems import attendance_set_minutes
from skolsam.core.access import system_actor
from skolsam.schedule import calendar
from skolsam.schedule.models import CalendarEvent
from skolsam.testing.factories import EnrolmentFactory

DAY = date(2026, 9, 14)


@pytest.fixture
def lesson(world: Any) -> CalendarEvent:
    start = calendar.at(DAY, time(8, 30))
    return CalendarEvent.objects.create(
        activity=world.activity,
        organisation_id=world.activity.organisation_id,
        planned_date=DAY,
        date=DAY,
        start_time=start,
        end_time=start + timedelta(minutes=60),
        duration_minutes=60,
    )


def test_calendar_events_need_the_time_window_and_stay_in_scope(
    api: Any, world: Any, lesson: Any
) -> None:
    window = {
        "startTime.onOrAfter": "2026-09-14T00:00:00+02:00",
        "startTime.onOrBefore": "2026-09-15T00:00:00+02:00",
    }
    page = api.get("/calendarEvents", window)
    assert [e["id"] for e in page["data"]] == [str(lesson.pk)]
    assert page["data"][0]["teachingLengthStudent"] == 60
    api.get("/calendarEvents", {}, status=400, check=False)
    api.get(f"/calendarEvents/{lesson.pk}")


def test_attendance_is_posted_read_aggregated_and_deleted(
    api: Any, world: Any, lesson: Any
) -> None:
    EnrolmentFactory(
        person=world.alva, enroled_at=world.karlberg
    ) if not world.alva.enrolments.exists() else None
    body = {
        "calendarEvent": {"id": str(lesson.pk)},
        "student": {"id": str(world.alva.pk)},
        "isReported": True,
        "attendanceMinutes": 40,
        "validAbsenceMinutes": 0,
        "invalidAbsenceMinutes": 20,
    }
    created = api.post("/attendances", body)
    assert created["invalidAbsenceMinutes"] == 20 and created["student"]["id"] == str(world.alva.pk)
    listed = api.get("/attendances", {"calendarEvent": str(lesson.pk)})
    assert [a["id"] for a in listed["data"]] == [created["id"]]
    too_many = dict(body, attendanceMinutes=60)
    api.post("/attendances", too_many, status=400, check=False)
    aggregated = api.get(
        "/aggregatedAttendance", {"startDate": "2026-09-01", "endDate": "2026-09-30"}
    )
    assert aggregated["data"][0]["invalidAbsenceSum"] == 20
    assert aggregated["data"][0]["offeredSum"] == 60
    api.request("DELETE", f"/attendances/{created['id']}", status=204, check=False)
    assert not Attendance.objects.exists()


def test_is_reported_is_required_and_true_reports_the_lesson(
    api: Any, world: Any, lesson: Any
) -> None:
    """The spec requires isReported ("the lesson is reported"); true marks the lesson."""
    from skolsam.core.models import ChangeRecord

    body = {
        "calendarEvent": {"id": str(lesson.pk)},
        "student": {"id": str(world.alva.pk)},
        "attendanceMinutes": 60,
        "validAbsenceMinutes": 0,
        "invalidAbsenceMinutes": 0,
    }
    missing = api.post("/attendances", body, status=400, check=False)
    assert "isReported" in missing["message"]
    assert not Attendance.objects.exists()
    assert api.post("/attendances", {**body, "isReported": "ja"}, status=400, check=False)
    # false: stored, the lesson stays unreported.
    first = api.post("/attendances", {**body, "isReported": False})
    assert first["isReported"] is False
    lesson.refresh_from_db()
    assert lesson.reported_at is None
    # true: the lesson is reported, and its rows say so and count as changed.
    before = ChangeRecord.objects.count()
    again = api.post("/attendances", {**body, "isReported": True})
    assert again["id"] == first["id"] and again["isReported"] is True
    lesson.refresh_from_db()
    assert lesson.reported_at is not None
    assert ChangeRecord.objects.count() == before + 1
    listed = api.get("/attendances", {"calendarEvent": str(lesson.pk)})["data"]
    assert [a["isReported"] for a in listed] == [True]
    # A later false does not un-report the lesson.
    api.post("/attendances", {**body, "isReported": False})
    lesson.refresh_from_db()
    assert lesson.reported_at is not None


def test_a_protected_pupils_attendance_is_not_handed_out(api: Any, world: Any, lesson: Any) -> None:
    attendance_set_minutes(
        actor=system_actor("test"),
        lesson=lesson,
        student=world.saga,
        attendance_minutes=60,
        valid_absence_minutes=0,
        invalid_absence_minutes=0,
    )
    assert api.get("/attendances")["data"] == []


def test_absences_are_listed_with_their_type(api: Any, world: Any, lesson: Any) -> None:
    start, end = day_span(DAY, DAY)
    absence_report(actor=system_actor("test"), student=world.alva, start=start, end=end)
    page = api.get("/absences")
    assert [a["type"] for a in page["data"]] == ["Anmäld frånvaro"]
