"""Filters, expands, lookups and parameters as the SS 12000 2.1.0 spec words them (issue 10).

The story of conftest: Köping (huvudman) runs Karlbergsskolan, where Erik teaches 7A and
Alva and Saga (skyddad folkbokföring) are pupils; Arboga runs Gäddgårdsskolan with Hugo.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

import pytest

from skolsam.api.ss12000.tests.conftest import Api, World, day_window, make_lesson
from skolsam.api.ss12000.tests.factories import make_client, token_for
from skolsam.attendance.models import AttendanceEvent, AttendanceEventType
from skolsam.attendance.services.other_systems import attendance_set_minutes
from skolsam.core.access import system_actor
from skolsam.core.dates import today
from skolsam.schedule import calendar
from skolsam.testing.factories import (
    DutyFactory,
    EnrolmentFactory,
    GroupFactory,
    MembershipFactory,
    PlacementFactory,
    PupilFactory,
    ResponsibleFactory,
    SchoolUnitFactory,
)

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


# --- 2. relationship.* filters match only what the client may see ---------------------------


def test_relationship_filters_do_not_reveal_ended_history(api: Api, world: World) -> None:
    """Ullviskolan is in Köping's scope; everything that tied our people to it ended
    yesterday, so no relationship filter may name them there, as no listing does."""
    yesterday = today() - timedelta(days=1)
    long_ago = date(2020, 8, 17)
    ullvi = SchoolUnitFactory(
        parent=world.koping, display_name="Ullviskolan", school_types=["GR", "FS"]
    )
    EnrolmentFactory(person=world.alva, enroled_at=ullvi, start_date=long_ago, end_date=yesterday)
    DutyFactory(person=world.erik, duty_at=ullvi, start_date=long_ago, end_date=yesterday)
    ullvi_group = GroupFactory(organisation=ullvi, start_date=long_ago)
    MembershipFactory(person=world.alva, group=ullvi_group, start_date=long_ago, end_date=yesterday)
    # A preschool placement of Alva's little brother, owned by Maria, ended too.
    brother = PupilFactory(given_name="Olle")
    placement = PlacementFactory(
        child=brother, placed_at=ullvi, start_date=long_ago, end_date=yesterday
    )
    placement.owners.add(world.maria)
    ResponsibleFactory(person=brother, responsible=world.maria)
    # Erik was once Alva's god man; that ended as well.
    ResponsibleFactory(
        person=world.alva, responsible=world.erik, start_date=long_ago, end_date=yesterday
    )
    for kind in (
        "enrolment",
        "duty",
        "placement.child",
        "placement.owner",
        "responsibleFor.enrolment",
        "responsibleFor.placement",
        "groupMembership",
    ):
        at_ullvi = {"relationship.entity.type": kind, "relationship.organisation": str(ullvi.pk)}
        assert _ids(api.get("/persons", at_ullvi)) == set(), kind
        since = {**at_ullvi, "relationship.startDate.onOrBefore": long_ago.isoformat()}
        assert _ids(api.get("/persons", since)) == set(), kind
    assert _ids(api.get("/persons", {"relationship.organisation": str(ullvi.pk)})) == set()
    guardians = api.get("/persons", {"relationship.entity.type": "responsibleFor.enrolment"})
    assert _ids(guardians) == {str(world.maria.pk)}
    # What the client does see still matches: Alva at Karlberg, Erik's duty there.
    at_karlberg = {"relationship.organisation": str(world.karlberg.pk)}
    assert {str(world.alva.pk), str(world.erik.pk)} <= _ids(api.get("/persons", at_karlberg))


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


# --- 4. expands ---------------------------------------------------------------------------------


def test_a_lesson_embeds_its_activity_and_its_attendance(api: Api, world: World) -> None:
    lesson = make_lesson(world.activity, today())
    alva_row = _minutes(lesson, world.alva, attended=45)
    _minutes(lesson, world.saga)  # skyddad folkbokföring: never in the client's answer
    query = {**day_window(today()), "expand": ["activity", "attendance"]}
    [event] = api.get("/calendarEvents", query)["data"]
    embedded = event["_embedded"]
    assert embedded["activity"]["id"] == str(world.activity.pk)
    assert embedded["activity"]["displayName"] == "Matematik 7A"
    assert [a["id"] for a in embedded["attendance"]] == [str(alva_row.pk)]
    assert embedded["attendance"][0]["attendanceMinutes"] == 45
    one = api.get(f"/calendarEvents/{lesson.pk}", {"expand": "attendance"})
    assert [a["student"]["id"] for a in one["_embedded"]["attendance"]] == [str(world.alva.pk)]
    assert "activity" not in one["_embedded"]


def test_aggregated_attendance_embeds_the_pupil_and_the_activity(api: Api, world: World) -> None:
    lesson = make_lesson(world.activity, today())
    _minutes(lesson, world.alva, attended=30)
    query = {
        "startDate": today().isoformat(),
        "endDate": today().isoformat(),
        "expand": ["student", "activity"],
    }
    [row] = api.get("/aggregatedAttendance", query)["data"]
    assert row["attendanceSum"] == 30
    assert row["_embedded"]["student"]["givenName"] == "Alva"
    assert row["_embedded"]["activity"]["id"] == str(world.activity.pk)
    api.get("/aggregatedAttendance", {**query, "expand": "teacher"}, status=400)
    by_student = {**query, "student": [str(world.alva.pk), str(world.hugo.pk)]}
    assert len(api.get("/aggregatedAttendance", by_student)["data"]) == 1
    assert api.get("/aggregatedAttendance", {**query, "schoolType": "GY"})["data"] == []


def test_every_endpoint_expands_exactly_what_the_spec_lists() -> None:
    from skolsam.api.ss12000 import spec
    from skolsam.api.ss12000.resources import RESOURCES
    from skolsam.api.ss12000.resources.aggregated_attendance import EXPAND

    for path, resource in RESOURCES.items():
        assert resource.expand == spec.expand_values(f"/{path}"), path
    assert set(EXPAND) == set(spec.expand_values("/aggregatedAttendance") or ())


def test_every_lookup_takes_exactly_the_keys_of_the_spec(api: Api) -> None:
    from skolsam.api.ss12000 import spec
    from skolsam.api.ss12000.resources import RESOURCES

    for path, resource in RESOURCES.items():
        assert set(resource.lookup_keys) == set(spec.lookup_keys(f"/{path}/lookup") or ()), path


# --- 5. lookups ---------------------------------------------------------------------------------


def test_attendance_lookup_takes_the_spec_keys(api: Api, world: World) -> None:
    lesson = make_lesson(world.activity, today())
    row = _minutes(lesson, world.alva)
    for key, value in (
        ("ids", row.pk),
        ("students", world.alva.pk),
        ("activities", world.activity.pk),
        ("calendareEvents", lesson.pk),
    ):
        assert _ids(api.post("/attendances/lookup", {key: [str(value)]})) == {str(row.pk)}, key
    # Nothing of Saga's (protected) nor Hugo's (Arboga) by asking for them.
    assert api.post("/attendances/lookup", {"students": [str(world.saga.pk)]}) == []
    assert api.post("/attendances/lookup", {"students": [str(world.hugo.pk)]}) == []


def test_a_misspelt_lookup_key_is_a_400_not_an_empty_answer(api: Api, world: World) -> None:
    answer = api.post("/attendances/lookup", {"student": [str(world.alva.pk)]}, status=400)
    assert answer["code"] == "UnknownParameter"
    assert "students" in answer["message"]


def test_too_many_values_is_a_400_naming_the_limit(api: Api, world: World) -> None:
    many = [str(world.alva.pk)] * 1001
    answer = api.post("/attendances/lookup", {"students": many}, status=400)
    assert answer["code"] == "TooManyValues"
    assert "1000" in answer["message"] and "1001" in answer["message"]


def test_an_answer_too_large_to_serve_is_the_spec_503(
    api: Api, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from skolsam.api.ss12000 import services

    lesson = make_lesson(world.activity, today())
    _minutes(lesson, world.alva)
    other = make_lesson(world.activity, today() + timedelta(days=1))
    _minutes(other, world.alva)
    monkeypatch.setattr(services, "LOOKUP_MAX", 1)
    # One value asked, two rows found: the answer, not the question, is too large.
    answer = api.post("/attendances/lookup", {"activities": [str(world.activity.pk)]}, status=503)
    assert answer["code"] == "TooLarge"


def test_check_ins_embed_the_child_the_group_and_the_registrar(api: Api, world: World) -> None:
    now = calendar.at(today(), time(7, 45))
    for person, registrar in (
        (world.alva, world.erik),
        (world.saga, world.erik),
        (world.alva, world.saga),
    ):
        AttendanceEvent.objects.create(
            person=person,
            group=world.klass_7a,
            event_type=AttendanceEventType.IN,
            time=now,
            date=today(),
            registered_by=registrar,
        )
    query = {"expand": ["person", "group", "registeredBy"]}
    events = api.get("/attendanceEvents", query)["data"]
    # Saga's own check-in is left out, and as a registrar she is neither named nor embedded.
    assert len(events) == 2
    for event in events:
        assert event["_embedded"]["person"]["id"] == str(world.alva.pk)
        assert event["_embedded"]["group"]["id"] == str(world.klass_7a.pk)
    registrars = [e["_embedded"].get("registeredBy", {}).get("id") for e in events]
    assert sorted(registrars, key=str) == sorted([str(world.erik.pk), None], key=str)
    api.get("/attendanceEvents", {"expand": "teacher"}, status=400)
    one = api.get(f"/attendanceEvents/{events[0]['id']}", {"expand": "group"})
    assert set(one["_embedded"]) == {"group"}
    looked_up = api.post(
        "/attendanceEvents/lookup", {"person": [str(world.alva.pk)]}, {"expand": "person"}
    )
    assert {e["_embedded"]["person"]["givenName"] for e in looked_up} == {"Alva"}


def test_a_lookup_takes_only_the_query_parameters_of_its_operation(api: Api, world: World) -> None:
    ids = {"ids": [str(world.alva.pk)]}
    assert _ids(api.post("/persons/lookup", ids, {"expand": "duties"})) == {str(world.alva.pk)}
    # The spec gives POST /calendarEvents/lookup expandReferenceNames alone.
    answer = api.post("/calendarEvents/lookup", ids, {"expand": "attendance"}, status=400)
    assert answer["code"] == "UnknownParameter"
