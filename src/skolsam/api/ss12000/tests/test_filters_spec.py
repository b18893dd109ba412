"""Filters, expands, lookups and parameters as the SS 12000 2.1.0 spec words them (issue 10).

The story of conftest: Köping (huvudman) runs Karlbergsskolan, where Erik teaches 7A and
Alva and Saga (skyddad folkbokföring) are pupils; Arboga runs Gäddgårdsskolan with Hugo.
"""

from __future__ import annotations

from typing import Any

import pytest

from skolsam.api.ss12000.tests.conftest import Api, World, day_window, make_lesson
from skolsam.api.ss12000.tests.factories import make_client, token_for
from skolsam.attendance.services.other_systems import attendance_set_minutes
from skolsam.core.access import system_actor
from skolsam.core.dates import today
from skolsam.testing.factories import DutyFactory, SchoolUnitFactory

SYSTEM = system_actor("test")


def _ids(page: Any) -> set[str]:
    rows = page["data"] if isinstance(page, dict) else page
    return {row["id"] for row in rows}


def _minutes(lesson: Any, pupil: Any, attended: int = 60) -> Any:
    return attendance_set_minutes(
        actor=SYSTEM,
        lesson=lesson,
        student=pupil,
        attendance_minutes=attended,
        valid_absence_minutes=60 - attended,
        invalid_absence_minutes=0,
    )


@pytest.fixture
def karlberg_api(world: World) -> Api:
    """A client bound to Karlbergsskolan alone, not to Köping."""
    client, _secret = make_client([world.karlberg], name="Karlbergs schemasystem")
    return Api(token_for(client))


# --- 1. organisation filters include the organisations below them ---------------------------


def test_duties_of_a_huvudman_are_those_at_its_school_units(api: Api, world: World) -> None:
    by_huvudman = api.get("/duties", {"organisation": str(world.koping.pk)})
    assert _ids(by_huvudman) == {str(world.erik_duty.pk)}
    assert _ids(api.get("/duties", {"organisation": str(world.karlberg.pk)})) == {
        str(world.erik_duty.pk)
    }
    # Arboga's duties are outside the client's scope, by its huvudman or its school.
    assert _ids(api.get("/duties", {"organisation": str(world.arboga.pk)})) == set()
    assert _ids(api.get("/duties", {"organisation": str(world.gaddgard.pk)})) == set()


def test_a_school_bound_client_asking_for_its_huvudman_gets_its_school_only(
    karlberg_api: Api, world: World
) -> None:

    other_school = SchoolUnitFactory(parent=world.koping, display_name="Ullviskolan")
    DutyFactory(duty_at=other_school)
    assert _ids(karlberg_api.get("/duties", {"organisation": str(world.koping.pk)})) == {
        str(world.erik_duty.pk)
    }


def test_organisation_filters_that_the_spec_says_include_the_subtree(
    api: Api, world: World
) -> None:
    lesson = make_lesson(world.activity, today())
    row = _minutes(lesson, world.alva)
    huvudman = {"organisation": str(world.koping.pk)}
    assert _ids(api.get("/activities", huvudman)) == {str(world.activity.pk)}
    events = api.get("/calendarEvents", {**huvudman, **day_window(today())})
    assert _ids(events) == {str(lesson.pk)}
    assert _ids(api.get("/attendances", huvudman)) == {str(row.pk)}
    arboga = {"organisation": str(world.arboga.pk)}
    assert _ids(api.get("/activities", arboga)) == set()
    assert _ids(api.get("/attendances", arboga)) == set()


# --- 3. unknown query parameters are a 400 ---------------------------------------------------


def test_a_typo_in_a_filter_is_a_400_naming_it_and_the_allowed_ones(api: Api, world: World) -> None:
    answer = api.get("/persons", {"nameContain": "Alva"}, status=400)
    assert answer["code"] == "UnknownParameter"
    assert "nameContain" in answer["message"]
    assert "nameContains" in answer["message"]
    assert "relationship.entity.type" in answer["message"]
    assert api.get("/persons", {"nameContains": "Alva"})["data"]


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/organisations", {"parentOrganisation": "x"}),
        ("/duties", {"organization": "x"}),
        ("/groups", {"expand": "assignmentRoles", "groupTyp": "Klass"}),
        ("/activities/{activity}", {"expandReferenceName": "true"}),
        ("/persons/{alva}", {"nameContains": "Alva"}),
        ("/aggregatedAttendance", {"startDate": "2026-01-01", "endDate": "2026-02-01", "x": "1"}),
        ("/deletedEntities", {"entity": "Person"}),
        ("/subscriptions", {"expand": "x"}),
        ("/attendances/{alva}", {"expandReferenceNames": "true"}),
    ],
)
def test_every_get_refuses_parameters_its_operation_lacks(
    api: Api, world: World, path: str, query: dict
) -> None:
    path = path.format(activity=world.activity.pk, alva=world.alva.pk)
    answer = api.get(path, query, status=400)
    assert answer["code"] == "UnknownParameter"


def test_every_parameter_the_spec_names_is_accepted(api: Api, world: World) -> None:
    # limit is one of the spec's; the list page answers as usual.
    assert api.get("/syllabuses", {"limit": "1", "expandReferenceNames": "true"}) is not None

