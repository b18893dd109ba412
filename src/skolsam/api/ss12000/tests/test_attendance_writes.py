"""The attendance module's writes through SS 12000: POST /absences, POST and DELETE
/attendanceEvents and /attendanceSchedule, and what POST /attendances refuses.

The register is the story's (skolsam.testing.story), and goes on: Köping also runs
Förskolan Solrosen, where Signe is placed in the department Solen, and Tove, placed there
too, has skyddad folkbokföring. Arboga's Förskolan Ugglan has Olle in Ugglorna. Köping's
guardian app reports Alva absent for Karin, her guardian; the department's app checks Signe
in and out and sends her vistelseschema. Nothing of Arboga, and nothing of Tove or of Elsa
(skyddad folkbokföring, in 7B), must be reachable.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import time, timedelta
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skolsam.activities.models import Activity
from skolsam.api.ss12000.tests.conftest import Api, make_lesson
from skolsam.api.ss12000.tests.factories import make_client, token_for
from skolsam.attendance.models import (
    Absence,
    AbsenceChannel,
    Attendance,
    AttendanceEvent,
    AttendanceSchedule,
)
from skolsam.attendance.services.preschool import (
    attendance_event_register,
    attendance_schedule_submit,
)
from skolsam.audit.models import AuditEntry
from skolsam.core.access import system_actor
from skolsam.core.choices import SecurityMarking
from skolsam.core.models import ChangeRecord
from skolsam.schedule import calendar
from skolsam.testing.factories import (
    GroupFactory,
    PlacementFactory,
    PupilFactory,
    SchoolUnitFactory,
)


@pytest.fixture
def api(story_api: Api) -> Api:
    """Köping's learning platform, in the story."""
    return story_api


ENTRIES = [
    {"weekOffset": 0, "dayOfWeek": "Måndag", "startTime": "08:00", "endTime": "16:00"},
    {"weekOffset": 0, "dayOfWeek": "Tisdag", "startTime": "08:00", "endTime": "15:30"},
]


@dataclass
class Preschool:
    solrosen: Any
    solen: Any
    signe: Any
    tove: Any
    signes_placement: Any
    toves_placement: Any
    ugglan: Any
    ugglorna: Any
    olle: Any
    olles_placement: Any


@pytest.fixture
def preschool(db: Any, story: Any) -> Preschool:
    solrosen = SchoolUnitFactory(
        parent=story.koping, display_name="Förskolan Solrosen", school_types=["FS"]
    )
    solen = GroupFactory(organisation=solrosen, display_name="Solen")
    signe = PupilFactory(given_name="Signe", family_name="Nilsson")
    tove = PupilFactory(
        given_name="Tove",
        family_name="Ek",
        security_marking=SecurityMarking.SKYDDAD_FOLKBOKFORING,
    )
    ugglan = SchoolUnitFactory(
        parent=story.arboga, display_name="Förskolan Ugglan", school_types=["FS"]
    )
    ugglorna = GroupFactory(organisation=ugglan, display_name="Ugglorna")
    olle = PupilFactory(given_name="Olle", family_name="Berg")
    return Preschool(
        solrosen=solrosen,
        solen=solen,
        signe=signe,
        tove=tove,
        signes_placement=PlacementFactory(child=signe, placed_at=solrosen, group=solen),
        toves_placement=PlacementFactory(child=tove, placed_at=solrosen, group=solen),
        ugglan=ugglan,
        ugglorna=ugglorna,
        olle=olle,
        olles_placement=PlacementFactory(child=olle, placed_at=ugglan, group=ugglorna),
    )


def _ref(obj: Any) -> dict[str, str]:
    return {"id": str(obj.pk)}


def _unknown(api: Api, path: str, body: dict, field: str) -> str:
    """POST, expect the 400 an unknown reference gets, and return its message."""
    answer = api.post(path, body, status=400)
    assert answer["message"].startswith(f"{field}.id:"), answer
    return str(answer["message"]).split(" finns inte")[0].rsplit(" ", 1)[0]


def _tomorrow() -> tuple[str, str]:
    day = timezone.localdate() + timedelta(days=1)
    return (
        calendar.at(day, time(0, 0)).isoformat(),
        calendar.at(day + timedelta(days=1), time(0, 0)).isoformat(),
    )


def _writer(story: Any, *scopes: str, **kwargs: Any) -> Api:
    client, _ = make_client([story.koping], name="Skolappen", scopes=scopes, **kwargs)
    return Api(token_for(client))


def _deleted(api: Api, key: str) -> list[str]:
    return list(api.get("/deletedEntities")["data"].get(key, []))


# --- POST /absences --------------------------------------------------------------------------


def _absence(story: Any, **changes: Any) -> dict[str, Any]:
    start, end = _tomorrow()
    body: dict[str, Any] = {
        "student": _ref(story.pupil_in_7b),
        "startTime": start,
        "endTime": end,
        "type": "Anmäld frånvaro",
        "registeredBy": _ref(story.guardian_of_pupil_in_7b),
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def test_a_guardian_app_reports_a_pupil_absent(api: Api, story: Any) -> None:
    created = api.post("/absences", _absence(story))
    assert created["student"]["id"] == str(story.pupil_in_7b.pk)
    assert created["type"] == "Anmäld frånvaro"
    assert created["organisation"]["id"] == str(story.scheeleskolan.pk)
    assert created["registeredBy"]["id"] == str(story.guardian_of_pupil_in_7b.pk)
    absence = Absence.objects.get()
    assert absence.channel == AbsenceChannel.API
    assert absence.reported_for_id == story.guardian_of_pupil_in_7b.pk
    assert [a["id"] for a in api.get("/absences")["data"]] == [created["id"]]
    record = ChangeRecord.objects.get(entity_type="Absence")
    assert record.entity_ids == [created["id"]]
    entry = AuditEntry.objects.get(action="absence.report")
    assert entry.person_id == story.pupil_in_7b.pk
    assert "Köpings lärplattform" in entry.actor_label


def test_without_the_write_scope_an_absence_is_refused(story: Any) -> None:
    reader = _writer(story, "absences:read")
    answer = reader.post("/absences", _absence(story), status=403)
    assert "absences:write" in answer["message"]
    assert not Absence.objects.exists()


def test_another_municipalitys_pupil_and_a_protected_pupil_are_unknown(
    api: Api, story: Any
) -> None:
    missing = _unknown(
        api, "/absences", _absence(story, student={"id": str(uuid.uuid4())}), "student"
    )
    assert (
        _unknown(api, "/absences", _absence(story, student=_ref(story.pupil_in_arboga)), "student")
        == missing
    )
    body = _absence(story, student=_ref(story.protected_pupil_in_7b), registeredBy=None)
    assert _unknown(api, "/absences", body, "student") == missing
    assert not Absence.objects.exists()
    # A client that may see protected data reports for her as for anyone.
    trusted = _writer(story, "absences:read", "absences:write", allow_protected_data=True)
    assert trusted.post("/absences", body)["student"]["id"] == str(story.protected_pupil_in_7b.pk)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"startTime": None}, "startTime"),
        ({"startTime": "i morgon"}, "startTime"),
        ({"startTime": "2026-12-04T08:00:00"}, "startTime"),
        ({"startTime": "0001-01-01T00:00:00Z"}, "startTime"),
        ({"endTime": "9999-12-31T23:59:59+14:00"}, "endTime"),
        ({"type": "Sjuk"}, "type"),
        ({"student": {"id": "inte-ett-id\x07"}}, "student.id"),
        ({"student": "Alva"}, "student"),
        ({"registeredBy": {"id": 7}}, "registeredBy"),
        ({"organisation": [1]}, "organisation"),
    ],
)
def test_a_bad_absence_names_the_field_and_stores_nothing(
    api: Api, story: Any, changes: dict, field: str
) -> None:
    body = _absence(story)
    body.update(changes)
    body = {k: v for k, v in body.items() if v is not None}
    answer = api.post("/absences", body, status=400)
    assert answer["message"].startswith(f"{field}:") or answer["code"] == "BadRequest"
    assert field.split(".")[0] in answer["message"]
    assert not Absence.objects.exists()


def test_domain_rules_answer_400_with_the_field(api: Api, story: Any) -> None:
    start, end = _tomorrow()
    cases = [
        (_absence(story, endTime=start, startTime=end), "endTime"),
        (_absence(story, registeredBy=_ref(story.mentor_of_7b)), "registeredBy"),
        (_absence(story, organisation=_ref(story.gaddgardsskolan)), "organisation"),
        (
            _absence(
                story,
                startTime="2026-09-14T08:00:00+02:00",
                endTime="2026-09-14T12:00:00+02:00",
            ),
            "startTime",
        ),
    ]
    for body, field in cases:
        answer = api.post("/absences", body, status=400)
        assert answer["message"].startswith(f"{field}:"), answer
    assert not Absence.objects.exists()
    assert not ChangeRecord.objects.filter(entity_type="Absence").exists()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    body=st.dictionaries(
        st.sampled_from(["student", "startTime", "endTime", "type", "registeredBy", "x"]),
        st.none()
        | st.booleans()
        | st.integers(min_value=-(2**63), max_value=2**63 - 1)
        | st.text(max_size=30)
        | st.fixed_dictionaries({"id": st.text(max_size=40) | st.uuids().map(str)}),
    )
)
def test_no_absence_body_breaks_the_server(api: Api, story: Any, body: dict) -> None:
    answer = api.post("/absences", body, status=None)
    assert answer is not None
    assert "code" in answer and "message" in answer
    assert not Absence.objects.exists()


# --- POST and DELETE /attendanceEvents -----------------------------------------------------------


def _event(preschool: Preschool, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "person": _ref(preschool.signe),
        "group": _ref(preschool.solen),
        "eventType": "In",
        "time": (timezone.now() - timedelta(minutes=30)).isoformat(),
    }
    body.update(changes)
    return body


def test_a_department_app_checks_a_child_in_and_out_and_deletes_a_mistake(
    api: Api, story: Any, preschool: Preschool
) -> None:
    checked_in = api.post("/attendanceEvents", _event(preschool))
    assert checked_in["eventType"] == "In" and checked_in["person"]["id"] == str(preschool.signe.pk)
    twice = api.post("/attendanceEvents", _event(preschool), status=400)
    assert twice["message"].startswith("eventType:")
    out = api.post(
        "/attendanceEvents",
        _event(preschool, eventType="Ut", time=(timezone.now() - timedelta(minutes=1)).isoformat()),
    )
    listed = api.get("/attendanceEvents")["data"]
    assert {e["id"] for e in listed} == {checked_in["id"], out["id"]}
    assert AuditEntry.objects.filter(action="attendance.check_in", person_id=preschool.signe.pk)

    api.request("DELETE", f"/attendanceEvents/{out['id']}", status=204, check=False)
    assert not AttendanceEvent.objects.filter(pk=out["id"]).exists()
    assert _deleted(api, "attendanceEvents") == [out["id"]]
    entry = AuditEntry.objects.get(action="attendance.event_delete")
    assert entry.person_id == preschool.signe.pk
    api.request("DELETE", f"/attendanceEvents/{out['id']}", status=404, check=False)


def test_attendance_events_need_the_write_scope(story: Any, preschool: Preschool) -> None:
    reader = _writer(story, "attendanceEvents:read")
    reader.post("/attendanceEvents", _event(preschool), status=403)
    reader.request("DELETE", f"/attendanceEvents/{uuid.uuid4()}", status=403, check=False)
    assert not AttendanceEvent.objects.exists()


def test_attendance_events_stay_in_the_clients_organisations(
    api: Api, story: Any, preschool: Preschool
) -> None:
    missing = _unknown(
        api, "/attendanceEvents", _event(preschool, person={"id": str(uuid.uuid4())}), "person"
    )
    assert (
        _unknown(api, "/attendanceEvents", _event(preschool, person=_ref(preschool.olle)), "person")
        == missing
    )
    assert (
        _unknown(api, "/attendanceEvents", _event(preschool, person=_ref(preschool.tove)), "person")
        == missing
    )
    _unknown(api, "/attendanceEvents", _event(preschool, group=_ref(preschool.ugglorna)), "group")
    assert not AttendanceEvent.objects.exists()
    # Arboga's and Tove's events answer exactly as a missing one.
    olles = attendance_event_register(
        actor=system_actor("test"),
        person=preschool.olle,
        group=preschool.ugglorna,
        event_type="In",
    )
    toves = attendance_event_register(
        actor=system_actor("test"), person=preschool.tove, group=preschool.solen, event_type="In"
    )
    for pk in (olles.pk, toves.pk, uuid.uuid4()):
        api.request("DELETE", f"/attendanceEvents/{pk}", status=404, check=False)
    assert AttendanceEvent.objects.count() == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"eventType": "Paus"}, "eventType"),
        ({"time": None}, "time"),
        ({"time": "igår"}, "time"),
        ({"time": "2500-01-01T08:00:00Z"}, "time"),
        ({"group": None}, "group"),
    ],
)
def test_a_bad_attendance_event_names_the_field(
    api: Api, preschool: Preschool, changes: dict, field: str
) -> None:
    body = {k: v for k, v in _event(preschool, **changes).items() if v is not None}
    answer = api.post("/attendanceEvents", body, status=400)
    assert answer["message"].startswith(f"{field}:"), answer
    assert not AttendanceEvent.objects.exists()


def test_a_check_in_in_the_future_or_for_another_department_is_refused(
    api: Api, story: Any, preschool: Preschool
) -> None:
    future = (timezone.now() + timedelta(hours=2)).isoformat()
    assert api.post("/attendanceEvents", _event(preschool, time=future), status=400)[
        "message"
    ].startswith("time:")
    other = GroupFactory(organisation=preschool.solrosen, display_name="Månen")
    answer = api.post("/attendanceEvents", _event(preschool, group=_ref(other)), status=400)
    assert answer["message"].startswith("person:")
    assert not AttendanceEvent.objects.exists()


# --- POST and DELETE /attendanceSchedule ----------------------------------------------------------


def _schedule(preschool: Preschool, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "placement": _ref(preschool.signes_placement),
        "numberOfWeeks": 1,
        "startDate": str(timezone.localdate() + timedelta(days=7)),
        "temporary": False,
        "state": [],
        "scheduleEntries": ENTRIES,
    }
    body.update(changes)
    return body


def test_a_schedule_is_submitted_read_and_deleted(
    api: Api, story: Any, preschool: Preschool
) -> None:
    created = api.post("/attendanceSchedule", _schedule(preschool))
    assert created["scheduleEntries"][0]["endTime"] == "16:00"
    assert [s["state"] for s in created["state"]] == ["Begärt"]
    assert api.get(f"/attendanceSchedule/{created['id']}")["id"] == created["id"]
    assert ChangeRecord.objects.filter(entity_type="AttendanceSchedule").exists()
    assert AuditEntry.objects.get(action="schedule.submit").person_id == preschool.signe.pk

    api.request("DELETE", f"/attendanceSchedule/{created['id']}", status=204, check=False)
    assert not AttendanceSchedule.objects.exists()
    assert _deleted(api, "attendanceSchedules") == [created["id"]]
    assert AuditEntry.objects.get(action="schedule.delete").person_id == preschool.signe.pk


def test_schedules_need_the_write_scope(story: Any, preschool: Preschool) -> None:
    reader = _writer(story, "attendanceSchedule:read")
    reader.post("/attendanceSchedule", _schedule(preschool), status=403)
    reader.request("DELETE", f"/attendanceSchedule/{uuid.uuid4()}", status=403, check=False)
    assert not AttendanceSchedule.objects.exists()


def test_schedules_stay_in_the_clients_organisations(
    api: Api, story: Any, preschool: Preschool
) -> None:
    missing = _unknown(
        api,
        "/attendanceSchedule",
        _schedule(preschool, placement={"id": str(uuid.uuid4())}),
        "placement",
    )
    for placement in (preschool.olles_placement, preschool.toves_placement):
        body = _schedule(preschool, placement=_ref(placement))
        assert _unknown(api, "/attendanceSchedule", body, "placement") == missing
    assert not AttendanceSchedule.objects.exists()
    day = timezone.localdate() + timedelta(days=7)
    for placement in (preschool.olles_placement, preschool.toves_placement):
        kept = attendance_schedule_submit(
            actor=system_actor("test"), placement=placement, entries=ENTRIES, start_date=day
        )
        api.request("DELETE", f"/attendanceSchedule/{kept.pk}", status=404, check=False)
    assert AttendanceSchedule.objects.count() == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"numberOfWeeks": 9}, "numberOfWeeks"),
        ({"numberOfWeeks": 2**63 - 1}, "numberOfWeeks"),
        ({"startDate": "10000-01-01"}, "startDate"),
        ({"startDate": "1899-12-31"}, "startDate"),
        ({"endDate": "2026-01-01"}, "endDate"),
        ({"temporary": True}, "endDate"),
        ({"scheduleEntries": "måndagar"}, "scheduleEntries"),
        ({"scheduleEntries": [{**ENTRIES[0], "endTime": 1600}]}, "scheduleEntries"),
        ({"scheduleEntries": [{**ENTRIES[0], "endTime": "07:00"}]}, "scheduleEntries"),
        ({"scheduleEntries": [{**ENTRIES[0], "weekOffset": "två"}]}, "scheduleEntries"),
        ({"scheduleEntries": [{**ENTRIES[0], "dayOfWeek": "Funday"}]}, "scheduleEntries"),
        ({"scheduleEntries": ["08:00-16:00"]}, "scheduleEntries"),
        ({"scheduleEntries": [ENTRIES[0]] * 57}, "scheduleEntries"),
    ],
)
def test_a_bad_schedule_names_the_field_and_stores_nothing(
    api: Api, preschool: Preschool, changes: dict, field: str
) -> None:
    answer = api.post("/attendanceSchedule", _schedule(preschool, **changes), status=400)
    assert answer["message"].startswith(f"{field}:"), answer
    assert not AttendanceSchedule.objects.exists()
    assert not ChangeRecord.objects.filter(entity_type="AttendanceSchedule").exists()


# --- POST /attendances: what it refuses ---------------------------------------------------------


def test_posting_attendance_refuses_unknown_references_and_bad_values(api: Api, story: Any) -> None:
    lesson = make_lesson(
        Activity.objects.get(display_name="Matematik 7B"), timezone.localdate() - timedelta(days=1)
    )
    body = {
        "calendarEvent": _ref(lesson),
        "student": _ref(story.pupil_in_7b),
        "isReported": False,
        "attendanceMinutes": 60,
    }
    missing = _unknown(
        api, "/attendances", {**body, "student": {"id": str(uuid.uuid4())}}, "student"
    )
    assert (
        _unknown(
            api, "/attendances", {**body, "student": _ref(story.protected_pupil_in_7b)}, "student"
        )
        == missing
    )
    assert (
        _unknown(api, "/attendances", {**body, "student": _ref(story.pupil_in_arboga)}, "student")
        == missing
    )
    arboga_lesson = make_lesson(Activity.objects.get(display_name="Engelska 8A"), lesson.date)
    _unknown(api, "/attendances", {**body, "calendarEvent": _ref(arboga_lesson)}, "calendarEvent")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"absenceReason": "Sjuk\x07"}, "absenceReason"),
        ({"absenceReason": "x" * 101}, "absenceReason"),
        ({"absenceReason": ["sjuk"]}, "absenceReason"),
        ({"attendanceMinutes": 2**63 - 1}, "attendanceMinutes"),
        ({"validAbsenceMinutes": -1}, "validAbsenceMinutes"),
    ]
    for changes, field in cases:
        answer = api.post("/attendances", {**body, **changes}, status=400)
        assert answer["message"].startswith(f"{field}:"), answer
    assert not Attendance.objects.exists()
