"""Filters, expands, lookups and parameters as the SS 12000 2.1.0 spec words them (issue 10).

The register is the story's (skolsam.testing.story): Köping (huvudman) runs Scheeleskolan,
where Maria teaches 7B mathematics and Alva and Elsa (skyddad folkbokföring) are pupils, and
Ullviskolan; Arboga runs Gäddgårdsskolan with Maja.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

import pytest

from skolsam.activities.models import Activity
from skolsam.api.ss12000.tests.conftest import Api, day_window, make_lesson
from skolsam.api.ss12000.tests.factories import make_client, token_for
from skolsam.attendance.models import AttendanceEvent, AttendanceEventType
from skolsam.attendance.services.other_systems import attendance_set_minutes
from skolsam.core.access import system_actor
from skolsam.core.dates import today
from skolsam.duties.models import Duty
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


# Köping's staff in the story, all with one duty: at the förvaltning, Scheeleskolan, Ullviskolan.
AT_SCHEELESKOLAN = (
    "rektor_at_scheeleskolan",
    "school_admin_at_scheeleskolan",
    "kurator_at_scheeleskolan",
    "colleague_at_scheeleskolan",
    "teacher_of_7b",
    "mentor_of_7b",
    "authorised_teacher_of_7b",
    "teacher_of_7a",
)
IN_KOPING = (*AT_SCHEELESKOLAN, "central_admin_koping", "teacher_at_ullviskolan")
KOPINGS_ACTIVITIES = ("Matematik 7B", "Svenska 7B", "Matematik 7A", "Matematik 6C")


def _duties(story: Any, keys: tuple[str, ...]) -> set[str]:
    return {
        str(pk)
        for pk in Duty.objects.filter(person__in=[getattr(story, key) for key in keys]).values_list(
            "pk", flat=True
        )
    }


def _mathematics() -> Any:
    return Activity.objects.get(display_name="Matematik 7B")


@pytest.fixture
def scheele_api(db: Any, story: Any) -> Api:
    """A client bound to Scheeleskolan alone, not to Köping."""
    client, _secret = make_client([story.scheeleskolan], name="Scheeleskolans schemasystem")
    return Api(token_for(client))


# --- 1. organisation filters include the organisations below them ---------------------------


def test_duties_of_a_huvudman_are_those_at_its_school_units(story_api: Api, story: Any) -> None:
    by_huvudman = story_api.get("/duties", {"organisation": str(story.koping.pk)})
    assert _ids(by_huvudman) == _duties(story, IN_KOPING)
    by_school = story_api.get("/duties", {"organisation": str(story.scheeleskolan.pk)})
    assert _ids(by_school) == _duties(story, AT_SCHEELESKOLAN)
    # Arboga's duties are outside the client's scope, by its huvudman or its school.
    assert _ids(story_api.get("/duties", {"organisation": str(story.arboga.pk)})) == set()
    assert _ids(story_api.get("/duties", {"organisation": str(story.gaddgardsskolan.pk)})) == set()


def test_a_school_bound_client_asking_for_its_huvudman_gets_its_school_only(
    scheele_api: Api, story: Any
) -> None:
    # Not Birgitta's at the förvaltning, nor Karl's at Ullviskolan.
    by_huvudman = scheele_api.get("/duties", {"organisation": str(story.koping.pk)})
    assert _ids(by_huvudman) == _duties(story, AT_SCHEELESKOLAN)


def test_organisation_filters_that_the_spec_says_include_the_subtree(
    story_api: Api, story: Any
) -> None:
    lesson = make_lesson(_mathematics(), today())
    row = _minutes(lesson, story.pupil_in_7b)
    huvudman = {"organisation": str(story.koping.pk)}
    assert _ids(story_api.get("/activities", huvudman)) == {
        str(pk)
        for pk in Activity.objects.filter(display_name__in=KOPINGS_ACTIVITIES).values_list(
            "pk", flat=True
        )
    }
    events = story_api.get("/calendarEvents", {**huvudman, **day_window(today())})
    assert _ids(events) == {str(lesson.pk)}
    assert _ids(story_api.get("/attendances", huvudman)) == {str(row.pk)}
    arboga = {"organisation": str(story.arboga.pk)}
    assert _ids(story_api.get("/activities", arboga)) == set()
    assert _ids(story_api.get("/attendances", arboga)) == set()


# --- 2. relationship.* filters match only what the client may see ---------------------------


def test_relationship_filters_do_not_reveal_ended_history(story_api: Api, story: Any) -> None:
    """Karlbergsskolan is in Köping's scope; everything that tied our people to it ended
    yesterday, so no relationship filter may name them there, as no listing does."""
    yesterday = today() - timedelta(days=1)
    long_ago = date(2020, 8, 17)
    karlberg = SchoolUnitFactory(
        parent=story.koping_forvaltning, display_name="Karlbergsskolan", school_types=["GR", "FS"]
    )
    EnrolmentFactory(
        person=story.pupil_in_7b, enroled_at=karlberg, start_date=long_ago, end_date=yesterday
    )
    DutyFactory(
        person=story.teacher_of_7b, duty_at=karlberg, start_date=long_ago, end_date=yesterday
    )
    karlberg_group = GroupFactory(organisation=karlberg, start_date=long_ago)
    MembershipFactory(
        person=story.pupil_in_7b, group=karlberg_group, start_date=long_ago, end_date=yesterday
    )
    # A preschool placement of Alva's little brother, owned by Karin, ended too.
    brother = PupilFactory(given_name="Olle")
    placement = PlacementFactory(
        child=brother, placed_at=karlberg, start_date=long_ago, end_date=yesterday
    )
    placement.owners.add(story.guardian_of_pupil_in_7b)
    ResponsibleFactory(person=brother, responsible=story.guardian_of_pupil_in_7b)
    # Lars was once Alva's god man; that ended as well.
    ResponsibleFactory(
        person=story.pupil_in_7b,
        responsible=story.mentor_of_7b,
        start_date=long_ago,
        end_date=yesterday,
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
        at_karlberg = {
            "relationship.entity.type": kind,
            "relationship.organisation": str(karlberg.pk),
        }
        assert _ids(story_api.get("/persons", at_karlberg)) == set(), kind
        since = {**at_karlberg, "relationship.startDate.onOrBefore": long_ago.isoformat()}
        assert _ids(story_api.get("/persons", since)) == set(), kind
    assert _ids(story_api.get("/persons", {"relationship.organisation": str(karlberg.pk)})) == set()
    guardians = story_api.get("/persons", {"relationship.entity.type": "responsibleFor.enrolment"})
    adults = (story.guardian_of_pupil_in_7b, story.other_responsible_of_pupil_in_7b)
    assert _ids(guardians) == {str(a.pk) for a in adults}
    # What the client does see still matches: Alva at Scheeleskolan, Maria's duty there.
    at_scheele = {"relationship.organisation": str(story.scheeleskolan.pk)}
    seen = _ids(story_api.get("/persons", at_scheele))
    assert {str(story.pupil_in_7b.pk), str(story.teacher_of_7b.pk)} <= seen


# --- 3. unknown query parameters are a 400 ---------------------------------------------------


def test_a_typo_in_a_filter_is_a_400_naming_it_and_the_allowed_ones(
    story_api: Api, story: Any
) -> None:
    answer = story_api.get("/persons", {"nameContain": "Alva"}, status=400)
    assert answer["code"] == "UnknownParameter"
    assert "nameContain" in answer["message"]
    assert "nameContains" in answer["message"]
    assert "relationship.entity.type" in answer["message"]
    assert story_api.get("/persons", {"nameContains": "Alva"})["data"]


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
    story_api: Api, story: Any, path: str, query: dict
) -> None:
    path = path.format(activity=_mathematics().pk, alva=story.pupil_in_7b.pk)
    answer = story_api.get(path, query, status=400)
    assert answer["code"] == "UnknownParameter"


def test_every_parameter_the_spec_names_is_accepted(story_api: Api, story: Any) -> None:
    # limit is one of the spec's; the list page answers as usual.
    assert story_api.get("/syllabuses", {"limit": "1", "expandReferenceNames": "true"}) is not None


# --- 4. expands ---------------------------------------------------------------------------------


def test_a_lesson_embeds_its_activity_and_its_attendance(story_api: Api, story: Any) -> None:
    lesson = make_lesson(_mathematics(), today())
    alva_row = _minutes(lesson, story.pupil_in_7b, attended=45)
    _minutes(lesson, story.protected_pupil_in_7b)  # skyddad folkbokföring: never in the answer
    query = {**day_window(today()), "expand": ["activity", "attendance"]}
    [event] = story_api.get("/calendarEvents", query)["data"]
    embedded = event["_embedded"]
    assert embedded["activity"]["id"] == str(_mathematics().pk)
    assert embedded["activity"]["displayName"] == "Matematik 7B"
    assert [a["id"] for a in embedded["attendance"]] == [str(alva_row.pk)]
    assert embedded["attendance"][0]["attendanceMinutes"] == 45
    one = story_api.get(f"/calendarEvents/{lesson.pk}", {"expand": "attendance"})
    assert [a["student"]["id"] for a in one["_embedded"]["attendance"]] == [
        str(story.pupil_in_7b.pk)
    ]
    assert "activity" not in one["_embedded"]


def test_aggregated_attendance_embeds_the_pupil_and_the_activity(
    story_api: Api, story: Any
) -> None:
    lesson = make_lesson(_mathematics(), today())
    _minutes(lesson, story.pupil_in_7b, attended=30)
    query = {
        "startDate": today().isoformat(),
        "endDate": today().isoformat(),
        "expand": ["student", "activity"],
    }
    [row] = story_api.get("/aggregatedAttendance", query)["data"]
    assert row["attendanceSum"] == 30
    assert row["_embedded"]["student"]["givenName"] == "Alva"
    assert row["_embedded"]["activity"]["id"] == str(_mathematics().pk)
    story_api.get("/aggregatedAttendance", {**query, "expand": "teacher"}, status=400)
    by_student = {**query, "student": [str(story.pupil_in_7b.pk), str(story.pupil_in_arboga.pk)]}
    assert len(story_api.get("/aggregatedAttendance", by_student)["data"]) == 1
    assert story_api.get("/aggregatedAttendance", {**query, "schoolType": "GY"})["data"] == []


def test_every_endpoint_expands_exactly_what_the_spec_lists() -> None:
    from skolsam.api.ss12000 import spec
    from skolsam.api.ss12000.resources import RESOURCES
    from skolsam.api.ss12000.resources.aggregated_attendance import EXPAND

    for path, resource in RESOURCES.items():
        assert resource.expand == spec.expand_values(f"/{path}"), path
    assert set(EXPAND) == set(spec.expand_values("/aggregatedAttendance") or ())


def test_every_lookup_takes_exactly_the_keys_of_the_spec(story_api: Api) -> None:
    from skolsam.api.ss12000 import spec
    from skolsam.api.ss12000.resources import RESOURCES

    for path, resource in RESOURCES.items():
        if path == "studyplans":
            # The spec has no lookup for study plans; Skolsam's takes `ids` like every other.
            assert spec.lookup_keys("/studyplans/lookup") is None
            assert resource.lookup_keys == ("ids",)
            continue
        assert set(resource.lookup_keys) == set(spec.lookup_keys(f"/{path}/lookup") or ()), path


# --- 5. lookups ---------------------------------------------------------------------------------


def test_attendance_lookup_takes_the_spec_keys(story_api: Api, story: Any) -> None:
    lesson = make_lesson(_mathematics(), today())
    row = _minutes(lesson, story.pupil_in_7b)
    for key, value in (
        ("ids", row.pk),
        ("students", story.pupil_in_7b.pk),
        ("activities", _mathematics().pk),
        ("calendareEvents", lesson.pk),
    ):
        assert _ids(story_api.post("/attendances/lookup", {key: [str(value)]})) == {str(row.pk)}, (
            key
        )
    # Nothing of Elsa's (protected) nor Maja's (Arboga) by asking for them.
    assert (
        story_api.post("/attendances/lookup", {"students": [str(story.protected_pupil_in_7b.pk)]})
        == []
    )
    assert (
        story_api.post("/attendances/lookup", {"students": [str(story.pupil_in_arboga.pk)]}) == []
    )


def test_a_misspelt_lookup_key_is_a_400_not_an_empty_answer(story_api: Api, story: Any) -> None:
    answer = story_api.post(
        "/attendances/lookup", {"student": [str(story.pupil_in_7b.pk)]}, status=400
    )
    assert answer["code"] == "UnknownParameter"
    assert "students" in answer["message"]


def test_too_many_values_is_a_400_naming_the_limit(story_api: Api, story: Any) -> None:
    many = [str(story.pupil_in_7b.pk)] * 1001
    answer = story_api.post("/attendances/lookup", {"students": many}, status=400)
    assert answer["code"] == "TooManyValues"
    assert "1000" in answer["message"] and "1001" in answer["message"]


def test_an_answer_too_large_to_serve_is_the_spec_503(
    story_api: Api, story: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from skolsam.api.ss12000 import services

    lesson = make_lesson(_mathematics(), today())
    _minutes(lesson, story.pupil_in_7b)
    other = make_lesson(_mathematics(), today() + timedelta(days=1))
    _minutes(other, story.pupil_in_7b)
    monkeypatch.setattr(services, "LOOKUP_MAX", 1)
    # One value asked, two rows found: the answer, not the question, is too large.
    answer = story_api.post(
        "/attendances/lookup", {"activities": [str(_mathematics().pk)]}, status=503
    )
    assert answer["code"] == "TooLarge"


def test_check_ins_embed_the_child_the_group_and_the_registrar(story_api: Api, story: Any) -> None:
    now = calendar.at(today(), time(7, 45))
    for person, registrar in (
        (story.pupil_in_7b, story.teacher_of_7b),
        (story.protected_pupil_in_7b, story.teacher_of_7b),
        (story.pupil_in_7b, story.protected_pupil_in_7b),
    ):
        AttendanceEvent.objects.create(
            person=person,
            group=story.groups["7B"],
            event_type=AttendanceEventType.IN,
            time=now,
            date=today(),
            registered_by=registrar,
        )
    query = {"expand": ["person", "group", "registeredBy"]}
    events = story_api.get("/attendanceEvents", query)["data"]
    # Elsa's own check-in is left out, and as a registrar she is neither named nor embedded.
    assert len(events) == 2
    for event in events:
        assert event["_embedded"]["person"]["id"] == str(story.pupil_in_7b.pk)
        assert event["_embedded"]["group"]["id"] == str(story.groups["7B"].pk)
    registrars = [e["_embedded"].get("registeredBy", {}).get("id") for e in events]
    assert sorted(registrars, key=str) == sorted([str(story.teacher_of_7b.pk), None], key=str)
    story_api.get("/attendanceEvents", {"expand": "teacher"}, status=400)
    one = story_api.get(f"/attendanceEvents/{events[0]['id']}", {"expand": "group"})
    assert set(one["_embedded"]) == {"group"}
    looked_up = story_api.post(
        "/attendanceEvents/lookup", {"person": [str(story.pupil_in_7b.pk)]}, {"expand": "person"}
    )
    assert {e["_embedded"]["person"]["givenName"] for e in looked_up} == {"Alva"}


def test_a_lookup_takes_only_the_query_parameters_of_its_operation(
    story_api: Api, story: Any
) -> None:
    ids = {"ids": [str(story.pupil_in_7b.pk)]}
    assert _ids(story_api.post("/persons/lookup", ids, {"expand": "duties"})) == {
        str(story.pupil_in_7b.pk)
    }
    # The spec gives POST /calendarEvents/lookup expandReferenceNames alone.
    answer = story_api.post("/calendarEvents/lookup", ids, {"expand": "attendance"}, status=400)
    assert answer["code"] == "UnknownParameter"
