"""A page costs the same number of queries whatever its size.

The register is the story's (skolsam.testing.story): pupils are added to Scheeleskolan's
7B, Alva's class, and to Maria's lessons of Matematik 7B.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from skolsam.activities.models import Activity
from skolsam.api.ss12000.tests.conftest import Api
from skolsam.testing.factories import (
    EnrolmentFactory,
    MembershipFactory,
    PupilFactory,
    ResponsibleFactory,
)

PAGES = {
    "/persons": {
        "expand": ["duties", "responsibleFor", "placements", "ownedPlacements", "groupMemberships"]
    },
    "/groups": {"expand": ["assignmentRoles"]},
    "/duties": {"expand": ["person"]},
    "/activities": {"expand": ["groups", "teachers", "syllabus"]},
    "/organisations": {},
    "/placements": {"expand": ["child", "owners"]},
}


def _count(api: Api, path: str, query: dict, capture: Callable) -> int:
    with capture() as queries:
        api.get(path, {**query, "expandReferenceNames": "true"}, check=False)
    return len(queries)


@pytest.mark.parametrize("path", PAGES)
def test_queries_per_page_are_constant(
    story_api: Api, story: Any, path: str, django_assert_max_num_queries
) -> None:
    def capture() -> CaptureQueriesContext:
        return CaptureQueriesContext(connection)

    # The story has every kind of relation, so the first count takes every query there is.
    small = _count(story_api, path, {**PAGES[path], "limit": 100}, capture)
    for i in range(30):
        pupil = PupilFactory(given_name=f"Elev{i}")
        EnrolmentFactory(person=pupil, enroled_at=story.scheeleskolan)
        MembershipFactory(person=pupil, group=story.groups["7B"])
        ResponsibleFactory(person=pupil)
    with django_assert_max_num_queries(small):
        story_api.get(
            path, {**PAGES[path], "limit": 100, "expandReferenceNames": "true"}, check=False
        )


def _lessons_with_attendance(story: Any, pupils: int) -> None:
    from datetime import time

    from skolsam.api.ss12000.tests.conftest import make_lesson
    from skolsam.attendance.services.other_systems import attendance_set_minutes
    from skolsam.core.access import system_actor
    from skolsam.core.dates import today

    class_7b = [PupilFactory(given_name=f"Närvaro{i}") for i in range(pupils)]
    for pupil in class_7b:
        EnrolmentFactory(person=pupil, enroled_at=story.scheeleskolan)
        MembershipFactory(person=pupil, group=story.groups["7B"])
    for hour in range(3):
        lesson = make_lesson(
            Activity.objects.get(display_name="Matematik 7B"),
            today(),
            time(8 + pupils % 7 + hour, 0),
        )
        for pupil in [story.pupil_in_7b, *class_7b]:
            attendance_set_minutes(
                actor=system_actor("test"),
                lesson=lesson,
                student=pupil,
                attendance_minutes=60,
                valid_absence_minutes=0,
                invalid_absence_minutes=0,
            )


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/calendarEvents", {"expand": ["activity", "attendance"]}),
        ("/aggregatedAttendance", {"expand": ["activity", "student"]}),
    ],
)
def test_expanded_attendance_costs_the_same_for_a_class_of_1_and_of_30(
    story_api: Api, story: Any, path: str, query: dict, django_assert_max_num_queries
) -> None:
    from skolsam.api.ss12000.tests.conftest import day_window
    from skolsam.core.dates import today

    window = (
        day_window(today())
        if path == "/calendarEvents"
        else {"startDate": today().isoformat(), "endDate": today().isoformat()}
    )
    full = {**query, **window, "expandReferenceNames": "true"}
    _lessons_with_attendance(story, 1)

    def capture() -> CaptureQueriesContext:
        return CaptureQueriesContext(connection)

    small = _count(story_api, path, full, capture)
    _lessons_with_attendance(story, 30)
    with django_assert_max_num_queries(small):
        page = story_api.get(path, full)
    assert len(page["data"]) >= 6
