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
