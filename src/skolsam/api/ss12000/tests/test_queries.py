"""A page costs the same number of queries whatever its size."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

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
    api: Api, world, path: str, django_assert_max_num_queries
) -> None:
    def capture() -> CaptureQueriesContext:
        return CaptureQueriesContext(connection)

    # The story has every kind of relation, so the first count takes every query there is.
    small = _count(api, path, {**PAGES[path], "limit": 100}, capture)
    for i in range(30):
        pupil = PupilFactory(given_name=f"Elev{i}")
        EnrolmentFactory(person=pupil, enroled_at=world.karlberg)
        MembershipFactory(person=pupil, group=world.klass_7a)
        ResponsibleFactory(person=pupil)
    with django_assert_max_num_queries(small):
        api.get(path, {**PAGES[path], "limit": 100, "expandReferenceNames": "true"}, check=False)


def _lessons_with_attendance(world, pupils: int) -> None:
    from datetime import time

    from skolsam.api.ss12000.tests.conftest import make_lesson
    from skolsam.attendance.services.other_systems import attendance_set_minutes
    from skolsam.core.access import system_actor
    from skolsam.core.dates import today

    class_7a = [PupilFactory(given_name=f"Närvaro{i}") for i in range(pupils)]
    for pupil in class_7a:
        EnrolmentFactory(person=pupil, enroled_at=world.karlberg)
        MembershipFactory(person=pupil, group=world.klass_7a)
    for hour in range(3):
        lesson = make_lesson(world.activity, today(), time(8 + pupils % 7 + hour, 0))
        for pupil in [world.alva, *class_7a]:
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
    api: Api, world, path: str, query: dict, django_assert_max_num_queries
) -> None:
    from skolsam.api.ss12000.tests.conftest import day_window
    from skolsam.core.dates import today

    window = (
        day_window(today())
        if path == "/calendarEvents"
        else {"startDate": today().isoformat(), "endDate": today().isoformat()}
    )
    full = {**query, **window, "expandReferenceNames": "true"}
    _lessons_with_attendance(world, 1)

    def capture() -> CaptureQueriesContext:
        return CaptureQueriesContext(connection)

    small = _count(api, path, full, capture)
    _lessons_with_attendance(world, 30)
    with django_assert_max_num_queries(small):
        page = api.get(path, full)
    assert len(page["data"]) >= 6
