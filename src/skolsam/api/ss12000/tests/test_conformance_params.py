"""The spec's parameters that no other test proved, one by one, through HTTP.

docs/ss12000-conformance.md cites these tests. The register is the story's
(skolsam.testing.story), and goes on: Sagans förskola, where Signe (Alva's little sister,
Karin's daughter) has a placement in the group Räven, with two attendance schedules and a
check-in and a check-out; two lessons on one day (7B's mathematics at 08:30, a study hour
for another group at 10:00); Alva's attendance in the first and two absences of hers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.db.models import Model
from django.utils import timezone

from skolsam.activities.models import Activity
from skolsam.api.ss12000.tests.conftest import Api, day_window, make_lesson
from skolsam.attendance.models import (
    Absence,
    AbsenceChannel,
    AbsenceType,
    AttendanceEvent,
    AttendanceSchedule,
    ScheduleState,
)
from skolsam.attendance.services.other_systems import attendance_set_minutes
from skolsam.core.access import system_actor
from skolsam.core.choices import ProgrammeType
from skolsam.curriculum.models import Programme, SchoolUnitOffering, Syllabus
from skolsam.duties.models import Duty
from skolsam.enrolment.models import Enrolment, Placement
from skolsam.enrolment.services import enrolment_end
from skolsam.groups.models import Group
from skolsam.groups.services import group_membership_add
from skolsam.organisations.models import Organisation
from skolsam.people.models import Person
from skolsam.schedule import calendar
from skolsam.schedule.models import CalendarEvent
from skolsam.testing.factories import (
    GroupFactory,
    PlacementFactory,
    PupilFactory,
    SchoolUnitFactory,
)

DAY = date(2026, 9, 14)


@pytest.fixture
def api(story_api: Api) -> Api:
    """Köping's learning platform, in the story."""
    return story_api


def _mathematics() -> Any:
    """Maria's Matematik 7B, Alva's lesson."""
    return Activity.objects.get(display_name="Matematik 7B")


@dataclass
class Preschool:
    unit: Any
    raven: Any
    signe: Any
    placement: Any
    schedules: list[Any]
    events: list[Any]
    lessons: list[Any]
    study_hour: Any
    attendance: Any
    absences: list[Any]
    programme: Any
    syllabus: Any
    offering: Any


@pytest.fixture
def more(db: Any, story: Any) -> Preschool:
    unit = SchoolUnitFactory(
        parent=story.koping, display_name="Sagans förskola", school_types=["FS"]
    )
    raven = GroupFactory(
        organisation=unit, display_name="Räven", group_type="Avdelning", school_type="FS"
    )
    signe: Any = PupilFactory(given_name="Signe", family_name="Karlsson")
    placement: Any = PlacementFactory(child=signe, placed_at=unit, group=raven)
    placement.owners.add(story.guardian_of_pupil_in_7b)
    schedules = [
        AttendanceSchedule.objects.create(
            placement=placement,
            start_date=start,
            end_date=end,
            state=ScheduleState.GODKANT,
            # Empty, so that the answers validate: the spec types an entry's endTime as
            # an integer (see test_a_schedule_entrys_end_time_is_hh_mm_like_its_start_time).
            schedule_entries=[],
        )
        for start, end in ((date(2026, 8, 17), date(2026, 12, 18)), (date(2027, 1, 8), None))
    ]
    events = [
        AttendanceEvent.objects.create(
            person=signe, group=raven, event_type=kind, time=calendar.at(DAY, at), date=DAY
        )
        for kind, at in (("In", time(7, 45)), ("Ut", time(16, 5)))
    ]
    study = Activity.objects.create(
        display_name="Studietimme", organisation=story.scheeleskolan, start_date=date(2026, 8, 17)
    )
    study.groups.add(GroupFactory(organisation=story.scheeleskolan, display_name="Studiegruppen"))
    lessons = [make_lesson(_mathematics(), DAY), make_lesson(study, DAY, time(10, 0))]
    attendance = attendance_set_minutes(
        actor=system_actor("test"),
        lesson=lessons[0],
        student=story.pupil_in_7b,
        attendance_minutes=50,
        valid_absence_minutes=0,
        invalid_absence_minutes=10,
    )
    absences = [
        Absence.objects.create(
            student=story.pupil_in_7b,
            organisation=story.scheeleskolan,
            start_time=calendar.at(day, time(8, 0)),
            end_time=calendar.at(day, time(12, 0)),
            type=kind,
            channel=AbsenceChannel.WEB,
        )
        for day, kind in (
            (DAY, AbsenceType.ANMALD),
            (DAY + timedelta(days=1), AbsenceType.LEDIGHET),
        )
    ]
    gy = Programme.objects.create(
        name="Naturvetenskapsprogrammet",
        type=ProgrammeType.HOGSKOLEFORBEREDANDE,
        school_type="GY",
        code="NA",
    )
    programme = Programme.objects.create(
        name="Naturvetenskap",
        type=ProgrammeType.HOGSKOLEFORBEREDANDE,
        school_type="GY",
        code="NANAT",
        parent_programme=gy,
    )
    syllabus = Syllabus.objects.create(
        school_type="GR", subject_code="GRGRMAT01", subject_name="Matematik"
    )
    offering = SchoolUnitOffering.objects.create(offered_at=story.scheeleskolan)
    offering.offered_syllabuses.add(syllabus)
    return Preschool(
        unit=unit,
        raven=raven,
        signe=signe,
        placement=placement,
        schedules=schedules,
        events=events,
        lessons=lessons,
        study_hour=study,
        attendance=attendance,
        absences=absences,
        programme=programme,
        syllabus=syllabus,
        offering=offering,
    )


def ids(api: Api, path: str, query: dict | None = None) -> list[str]:
    return [row["id"] for row in api.all_pages(path, query)]


def _target(story: Any, more: Preschool, resource: str) -> tuple[type[Model], Any, dict]:
    """The row a test moves in time, its model and the query the list needs."""
    targets: dict[str, tuple[type[Model], Any, dict]] = {
        "organisations": (Organisation, story.scheeleskolan.pk, {}),
        "persons": (Person, story.pupil_in_7b.pk, {}),
        "placements": (Placement, more.placement.pk, {}),
        "duties": (Duty, Duty.objects.get(person=story.teacher_of_7b).pk, {}),
        "groups": (Group, story.groups["7B"].pk, {}),
        "programmes": (Programme, more.programme.pk, {}),
        "syllabuses": (Syllabus, more.syllabus.pk, {}),
        "schoolUnitOfferings": (SchoolUnitOffering, more.offering.pk, {}),
        "activities": (Activity, _mathematics().pk, {}),
        "calendarEvents": (CalendarEvent, more.lessons[0].pk, day_window(DAY)),
        "attendances": (type(more.attendance), more.attendance.pk, {}),
        "absences": (Absence, more.absences[0].pk, {}),
        "attendanceEvents": (AttendanceEvent, more.events[0].pk, {}),
        "attendanceSchedule": (AttendanceSchedule, more.schedules[0].pk, {}),
    }
    return targets[resource]


def _check_meta(api: Api, path: str, model: type[Model], pk: Any, base: dict) -> None:
    moment = timezone.now().replace(microsecond=0) - timedelta(days=3)
    model._default_manager.filter(pk=pk).update(created=moment, modified=moment)
    stamp, earlier = moment.isoformat(), (moment - timedelta(seconds=1)).isoformat()
    for name in ("meta.created", "meta.modified"):
        assert str(pk) in ids(api, path, {**base, f"{name}.before": stamp}), name
        assert str(pk) not in ids(api, path, {**base, f"{name}.after": stamp}), name
        assert str(pk) in ids(api, path, {**base, f"{name}.after": earlier}), name
        assert str(pk) not in ids(api, path, {**base, f"{name}.before": earlier}), name


@pytest.mark.parametrize(
    "resource",
    [
        "organisations",
        "persons",
        "placements",
        "duties",
        "groups",
        "programmes",
        "syllabuses",
        "schoolUnitOfferings",
        "activities",
    ],
)
def test_meta_filters_before_inclusive_after_exclusive(
    api: Api, story: Any, more: Preschool, resource: str
) -> None:
    model, pk, base = _target(story, more, resource)
    _check_meta(api, f"/{resource}", model, pk, base)


@pytest.mark.parametrize(
    "resource",
    ["calendarEvents", "attendances", "absences", "attendanceEvents", "attendanceSchedule"],
)
def test_meta_filters_on_attendance_resources(
    api: Api, story: Any, more: Preschool, resource: str
) -> None:
    model, pk, base = _target(story, more, resource)
    _check_meta(api, f"/{resource}", model, pk, base)


@pytest.mark.parametrize(
    "resource",
    ["calendarEvents", "attendances", "absences", "attendanceEvents", "attendanceSchedule"],
)
def test_attendance_resources_page(api: Api, story: Any, more: Preschool, resource: str) -> None:
    if resource == "attendances":
        attendance_set_minutes(
            actor=system_actor("test"),
            lesson=make_lesson(_mathematics(), DAY + timedelta(days=1)),
            student=story.pupil_in_7b,
            attendance_minutes=60,
            valid_absence_minutes=0,
            invalid_absence_minutes=0,
        )
    base = day_window(DAY) if resource == "calendarEvents" else {}
    everything = ids(api, f"/{resource}", base)
    assert len(everything) == 2
    first = api.get(f"/{resource}", {**base, "limit": 1})
    assert len(first["data"]) == 1 and first["pageToken"]
    paged = ids(api, f"/{resource}", {**base, "limit": 1})
    assert sorted(paged) == sorted(everything)


def test_inline_data_moves_meta_modified_and_expanded_data_does_not(
    api: Api, story: Any, more: Preschool
) -> None:
    """An enrolment is inline on a Person; a membership is inline on a Group only."""
    alva = f"/persons/{story.pupil_in_7b.pk}"

    def modified(path: str) -> datetime:
        return datetime.fromisoformat(api.get(path)["meta"]["modified"])

    seen = modified(alva)
    enrolment_end(
        actor=system_actor("test"),
        enrolment=Enrolment.objects.get(person=story.pupil_in_7b),
        end_date=date(2027, 6, 10),
    )
    moved = modified(alva)
    assert moved > seen
    assert str(story.pupil_in_7b.pk) in ids(
        api, "/persons", {"meta.modified.after": seen.isoformat()}
    )

    group = f"/groups/{more.raven.pk}"
    group_seen = modified(group)
    group_membership_add(
        actor=system_actor("test"), group=more.raven, person=story.pupil_in_7b, start_date=DAY
    )
    assert modified(group) > group_seen
    # On the Person the membership is only an expansion (`expand=groupMemberships`).
    assert modified(alva) == moved


def test_organisation_codes(api: Api, story: Any) -> None:
    Organisation.objects.filter(pk=story.scheeleskolan.pk).update(organisation_code="SCH")
    scheele, koping = str(story.scheeleskolan.pk), str(story.koping.pk)
    assert ids(api, "/organisations", {"organisationCode": "SCH"}) == [scheele]
    assert ids(api, "/organisations", {"organisationCode": "NOPE"}) == []
    assert koping in ids(api, "/organisations", {"municipalityCode": "1983"})
    assert ids(api, "/organisations", {"municipalityCode": "1984"}) == []
    found = api.post("/organisations/lookup", {"organisationCodes": ["SCH", "NOPE"]})
    assert [o["id"] for o in found] == [scheele]


@pytest.mark.parametrize(
    "resource", ["organisations", "placements", "duties", "groups", "activities"]
)
def test_period_filters(api: Api, story: Any, more: Preschool, resource: str) -> None:
    model, pk, base = _target(story, more, resource)
    start, end = date(2026, 8, 10), date(2027, 6, 10)
    model._default_manager.filter(pk=pk).update(start_date=start, end_date=end)

    def found(name: str, day: date) -> bool:
        return str(pk) in ids(api, f"/{resource}", {**base, name: day.isoformat()})

    one = timedelta(days=1)
    assert found("startDate.onOrBefore", start) and not found("startDate.onOrBefore", start - one)
    assert found("startDate.onOrAfter", start) and not found("startDate.onOrAfter", start + one)
    assert found("endDate.onOrBefore", end) and not found("endDate.onOrBefore", end - one)
    assert found("endDate.onOrAfter", end) and not found("endDate.onOrAfter", end + one)


def test_relationship_periods(api: Api, story: Any) -> None:
    Enrolment.objects.filter(person=story.pupil_in_7b).update(
        start_date=date(2026, 8, 17), end_date=date(2027, 6, 10)
    )
    alva = str(story.pupil_in_7b.pk)

    def found(name: str, day: str) -> bool:
        query = {"relationship.entity.type": "enrolment", name: day}
        return alva in ids(api, "/persons", query)

    assert found("relationship.startDate.onOrAfter", "2026-08-17")
    assert not found("relationship.startDate.onOrAfter", "2026-08-18")
    assert found("relationship.endDate.onOrBefore", "2027-06-10")
    assert not found("relationship.endDate.onOrBefore", "2027-06-09")


def test_placement_filters(api: Api, story: Any, more: Preschool) -> None:
    placement = str(more.placement.pk)
    assert ids(api, "/placements", {"organisation": str(more.unit.pk)}) == [placement]
    assert ids(api, "/placements", {"organisation": str(story.scheeleskolan.pk)}) == []
    assert ids(api, "/placements", {"group": str(more.raven.pk)}) == [placement]
    assert ids(api, "/placements", {"group": str(story.groups["7B"].pk)}) == []


def test_duty_filters(api: Api, story: Any, more: Preschool) -> None:
    # Scheeleskolan's eight staff, each with one duty there.
    at_scheele = Duty.objects.filter(duty_at=story.scheeleskolan).values_list("pk", flat=True)
    assert len(at_scheele) == 8
    found = ids(api, "/duties", {"organisation": str(story.scheeleskolan.pk)})
    assert sorted(found) == sorted(str(pk) for pk in at_scheele)
    assert ids(api, "/duties", {"organisation": str(more.unit.pk)}) == []


def test_group_school_types(api: Api, story: Any, more: Preschool) -> None:
    assert ids(api, "/groups", {"schoolTypes": "FS"}) == [str(more.raven.pk)]
    assert str(story.groups["7B"].pk) in ids(api, "/groups", {"schoolTypes": ["GR", "FS"]})
    assert ids(api, "/groups", {"schoolTypes": "GY"}) == []


def test_parent_programme(api: Api, more: Preschool) -> None:
    parent = str(more.programme.parent_programme_id)
    assert ids(api, "/programmes", {"parentProgramme": parent}) == [str(more.programme.pk)]


def test_activity_group_and_sortkey(api: Api, story: Any, more: Preschool) -> None:
    seventh_b = {str(a.pk) for a in Activity.objects.filter(groups=story.groups["7B"])}
    assert len(seventh_b) == 2  # Matematik 7B and Svenska 7B
    assert set(ids(api, "/activities", {"group": str(story.groups["7B"].pk)})) == seventh_b
    by_name = ids(api, "/activities", {"sortkey": "DisplayNameAsc"})
    names = ["Matematik 6C", "Matematik 7A", "Matematik 7B", "Studietimme", "Svenska 7B"]
    assert by_name == [str(Activity.objects.get(display_name=n).pk) for n in names]
    assert ids(api, "/activities", {"sortkey": "DisplayNameAsc", "limit": 1}) == by_name
    newest = ids(api, "/activities", {"sortkey": "ModifiedDesc", "limit": 1})
    assert sorted(newest) == sorted(by_name)


def test_calendar_event_filters(api: Api, story: Any, more: Preschool) -> None:
    maths, study = (str(lesson.pk) for lesson in more.lessons)
    window = day_window(DAY)

    def found(**query: str) -> list[str]:
        return ids(api, "/calendarEvents", {**window, **query})

    first_end = calendar.at(DAY, time(9, 30)).isoformat()
    assert found(**{"endTime.onOrBefore": first_end}) == [maths]
    assert found(**{"endTime.onOrAfter": calendar.at(DAY, time(9, 31)).isoformat()}) == [study]
    assert found(activity=str(more.study_hour.pk)) == [study]
    assert sorted(found(organisation=str(story.koping.pk))) == sorted([maths, study])
    assert found(organisation=str(more.unit.pk)) == []
    assert found(group=str(story.groups["7B"].pk)) == [maths]
    assert found(sortkey="StartTimeAsc") == [maths, study]
    assert found(sortkey="StartTimeDesc") == [study, maths]
    assert len(found(sortkey="ModifiedDesc")) == 2


def test_attendance_filters(api: Api, story: Any, more: Preschool) -> None:
    mine = [str(more.attendance.pk)]
    assert ids(api, "/attendances", {"student": str(story.pupil_in_7b.pk)}) == mine
    assert ids(api, "/attendances", {"student": str(story.protected_pupil_in_7b.pk)}) == []
    assert ids(api, "/attendances", {"organisation": str(story.scheeleskolan.pk)}) == mine
    assert ids(api, "/attendances", {"organisation": str(more.unit.pk)}) == []
    [row] = api.get("/attendances", {"expandReferenceNames": "true"})["data"]
    assert row["student"]["displayName"] == story.pupil_in_7b.full_name


def test_attendance_event_filters(api: Api, story: Any, more: Preschool) -> None:
    both = sorted(str(e.pk) for e in more.events)
    assert sorted(ids(api, "/attendanceEvents", {"group": str(more.raven.pk)})) == both
    assert ids(api, "/attendanceEvents", {"group": str(story.groups["7B"].pk)}) == []
    assert sorted(ids(api, "/attendanceEvents", {"person": str(more.signe.pk)})) == both
    assert ids(api, "/attendanceEvents", {"person": str(story.pupil_in_7b.pk)}) == []
    named = api.get("/attendanceEvents", {"expandReferenceNames": "true"})["data"]
    assert {e["person"]["displayName"] for e in named} == {"Signe Karlsson"}
    expanded = api.get("/attendanceEvents", {"expand": "person"})["data"]
    assert {e["_embedded"]["person"]["givenName"] for e in expanded} == {"Signe"}
    refused = api.get("/attendanceEvents", {"expand": "teacher"}, status=400)
    assert refused["code"] == "BadRequest"


def test_attendance_schedule_filters(api: Api, story: Any, more: Preschool) -> None:
    autumn, spring = (str(s.pk) for s in more.schedules)
    path = "/attendanceSchedule"
    assert sorted(ids(api, path, {"placement": str(more.placement.pk)})) == sorted([autumn, spring])
    assert sorted(ids(api, path, {"group": str(more.raven.pk)})) == sorted([autumn, spring])
    assert ids(api, path, {"group": str(story.groups["7B"].pk)}) == []
    assert ids(api, path, {"startDate.onOrBefore": "2026-08-17"}) == [autumn]
    assert ids(api, path, {"startDate.onOrAfter": "2026-08-18"}) == [spring]
    assert ids(api, path, {"endDate.onOrBefore": "2026-12-18"}) == [autumn]
    assert ids(api, path, {"endDate.onOrAfter": "2026-12-19"}) == []
    # A placement has no display name, so there is nothing to add; the answer still conforms.
    named = api.get(path, {"expandReferenceNames": "true"})["data"]
    assert {s["placement"]["id"] for s in named} == {str(more.placement.pk)}


def test_a_schedule_entrys_end_time_is_hh_mm_like_its_start_time(api: Api, more: Preschool) -> None:
    """The spec declares endTime `type: integer` with an HH:MM pattern; Skolsam sends "16:00"."""
    entry = {"weekOffset": 0, "dayOfWeek": "Måndag", "startTime": "08:00", "endTime": "16:00"}
    autumn = more.schedules[0]
    AttendanceSchedule.objects.filter(pk=autumn.pk).update(schedule_entries=[entry])
    # Not validated: the official YAML would refuse the string it describes.
    body = api.get(f"/attendanceSchedule/{autumn.pk}", check=False)
    assert body["scheduleEntries"] == [entry]
    assert body["scheduleDays"] == [entry]


def test_absence_filters(api: Api, story: Any, more: Preschool) -> None:
    monday, tuesday = (str(a.pk) for a in more.absences)
    assert sorted(ids(api, "/absences", {"organisation": str(story.koping.pk)})) == sorted(
        [monday, tuesday]
    )
    assert ids(api, "/absences", {"organisation": str(more.unit.pk)}) == []
    assert ids(api, "/absences", {"type": "Beviljad ledighet"}) == [tuesday]
    eight = calendar.at(DAY, time(8, 0)).isoformat()
    noon = calendar.at(DAY, time(12, 0)).isoformat()
    assert ids(api, "/absences", {"startTime.onOrBefore": eight}) == [monday]
    assert ids(api, "/absences", {"startTime.onOrAfter": eight, "sortkey": "StartTimeAsc"}) == [
        monday,
        tuesday,
    ]
    assert ids(api, "/absences", {"endTime.onOrBefore": noon}) == [monday]
    assert ids(
        api, "/absences", {"endTime.onOrAfter": calendar.at(DAY, time(12, 1)).isoformat()}
    ) == [tuesday]
    assert ids(api, "/absences", {"sortkey": "StartTimeDesc"}) == [tuesday, monday]
    assert len(ids(api, "/absences", {"sortkey": "ModifiedDesc"})) == 2
    named = api.get("/absences", {"expandReferenceNames": "true"})["data"]
    assert {a["student"]["displayName"] for a in named} == {story.pupil_in_7b.full_name}


def test_lookups_of_the_attendance_module(api: Api, story: Any, more: Preschool) -> None:
    names = {"expandReferenceNames": "true"}
    maths, study = (str(lesson.pk) for lesson in more.lessons)
    lessons = api.post("/calendarEvents/lookup", {"ids": [maths]}, query=names, check=False)
    assert [e["id"] for e in lessons] == [maths]
    by_activity = api.post(
        "/calendarEvents/lookup", {"activities": [str(more.study_hour.pk)]}, check=False
    )
    assert [e["id"] for e in by_activity] == [study]
    one = api.get(f"/calendarEvents/{maths}", names)
    assert one["activity"]["displayName"] == "Matematik 7B"
    attendance = api.post(
        "/attendances/lookup", {"activities": [str(_mathematics().pk)]}, query=names
    )
    assert [a["id"] for a in attendance] == [str(more.attendance.pk)]
    assert attendance[0]["student"]["displayName"] == story.pupil_in_7b.full_name

    in_event = str(more.events[0].pk)
    both = sorted(str(e.pk) for e in more.events)
    for body in ({"person": [str(more.signe.pk)]}, {"group": [str(more.raven.pk)]}):
        found = api.post("/attendanceEvents/lookup", body, query=names)
        assert sorted(e["id"] for e in found) == both
    assert [e["id"] for e in api.post("/attendanceEvents/lookup", {"ids": [in_event]})] == [
        in_event
    ]
    assert api.get(f"/attendanceEvents/{in_event}", names)["person"]["displayName"]

    # The spec answers these two lookups with the wrong array (AttendancesArray for
    # calendarEvents, ActivitiesArray for attendanceSchedule); Skolsam answers with the
    # entities asked for, so those answers are not validated against it.
    autumn = str(more.schedules[0].pk)
    looked_up = api.post("/attendanceSchedule/lookup", {"ids": [autumn]}, check=False)
    assert [s["id"] for s in looked_up] == [autumn]
    by_placement = api.post(
        "/attendanceSchedule/lookup",
        {"placement": [str(more.placement.pk)]},
        query=names,
        check=False,
    )
    assert len(by_placement) == 2
    assert api.get(f"/attendanceSchedule/{autumn}", names)["id"] == autumn

    monday = str(more.absences[0].pk)
    assert [a["id"] for a in api.post("/absences/lookup", {"ids": [monday]}, query=names)] == [
        monday
    ]
    assert api.get(f"/absences/{monday}")["id"] == monday


def test_aggregated_attendance_filters(api: Api, story: Any, more: Preschool) -> None:
    month = {"startDate": "2026-09-01", "endDate": "2026-09-30"}
    [row] = api.get(
        "/aggregatedAttendance", {**month, "organisation": str(story.scheeleskolan.pk)}
    )["data"]
    assert row["invalidAbsenceSum"] == 10
    assert (
        api.get("/aggregatedAttendance", {**month, "organisation": str(more.unit.pk)})["data"] == []
    )
    assert (
        len(
            api.get("/aggregatedAttendance", {**month, "student": str(story.pupil_in_7b.pk)})[
                "data"
            ]
        )
        == 1
    )
    assert (
        api.get("/aggregatedAttendance", {**month, "student": str(story.protected_pupil_in_7b.pk)})[
            "data"
        ]
        == []
    )
    [named] = api.get("/aggregatedAttendance", {**month, "expandReferenceNames": "true"})["data"]
    assert named["student"]["displayName"] == story.pupil_in_7b.full_name
    api.get("/aggregatedAttendance", {"startDate": "2026-09-01"}, status=400)


def test_subscriptions_page(api: Api, story: Any, settings: Any) -> None:
    settings.SKOLSAM_SS12000_WEBHOOK_ALLOW_PRIVATE = True
    created = [
        api.post(
            "/subscriptions",
            {
                "name": name,
                "target": "http://127.0.0.1:9/hook",
                "resourceTypes": [{"resource": "Person"}],
            },
            status=201,
        )["id"]
        for name in ("Elevsynk", "Personalsynk")
    ]
    first = api.get("/subscriptions", {"limit": 1})
    assert len(first["data"]) == 1 and first["pageToken"]
    paged = ids(api, "/subscriptions", {"limit": 1})
    assert sorted(paged) == sorted(created)


# Every resource type of the spec is served since /studyplans arrived (issue 12): no
# operation answers 501 any more, so the case that checked the 501's Error body is gone.


def test_aggregated_attendance_pages_with_limit_and_page_token(api: Api, story: Any) -> None:
    """Sums page like every list: limit, then a pageToken that stands alone."""
    from skolsam.attendance.services.other_systems import attendance_set_minutes
    from skolsam.core.access import system_actor
    from skolsam.testing.factories import EnrolmentFactory, MembershipFactory, PupilFactory

    day = date(2026, 9, 15)
    pupils = [story.pupil_in_7b]
    for name in ("Bo", "Cecilia"):
        pupil = PupilFactory(given_name=name)
        EnrolmentFactory(person=pupil, enroled_at=story.scheeleskolan, school_year=7)
        MembershipFactory(person=pupil, group=story.groups["7B"])
        pupils.append(pupil)
    for at in (time(8, 30), time(10, 0)):
        lesson = make_lesson(_mathematics(), day, at)
        for i, pupil in enumerate(pupils):
            attendance_set_minutes(
                actor=system_actor("test"),
                lesson=lesson,
                student=pupil,
                attendance_minutes=60 - 10 * i,
                valid_absence_minutes=10 * i,
                invalid_absence_minutes=0,
            )
    window = {"startDate": "2026-09-01", "endDate": "2026-09-30"}
    whole = api.get("/aggregatedAttendance", window)
    assert whole["pageToken"] is None and len(whole["data"]) == 3
    page = api.get("/aggregatedAttendance", {**window, "limit": 1})
    served = list(page["data"])
    while page["pageToken"]:
        page = api.get("/aggregatedAttendance", {"pageToken": page["pageToken"], "limit": 1})
        served += page["data"]
    assert served == whole["data"]
    assert sorted(r["validAbsenceSum"] for r in served) == [0, 20, 40]
    token = api.get("/aggregatedAttendance", {**window, "limit": 1})["pageToken"]
    refused = api.get(
        "/aggregatedAttendance", {"pageToken": token, "startDate": "2026-09-01"}, status=400
    )
    assert refused["code"] == "PageTokenWithFilter"
