"""No SS 12000 answer places a protected person, whatever the register looks like.

Hypothesis draws small registers in two municipalities, Köping and Arboga: school units,
classes with an activity and a lesson each, pupils with current and ended enrolments and
memberships, guardians, attendance, and among them Saga (skyddad folkbokföring, a pupil)
and Tove (sekretessmarkering, a teacher). A client of Köping without permission for
protected data, bound to the whole municipality or to one of its schools, then asks every
list, filter and lookup it has. The oracle: no answer names either of them anywhere but in
their own person record, that record holds no location, a filter about them or about
their relations finds nothing, and a client bound to a school does not see them at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from skolsam.activities.models import Activity, ActivityTeacher
from skolsam.api.ss12000.tests.conftest import BASE
from skolsam.api.ss12000.tests.factories import make_client, token_for
from skolsam.attendance.models import AttendanceEvent, AttendanceEventType
from skolsam.attendance.services.other_systems import attendance_set_minutes
from skolsam.core.access import system_actor
from skolsam.core.choices import SecurityMarking
from skolsam.schedule import calendar
from skolsam.schedule.models import CalendarEvent
from skolsam.testing.factories import (
    DutyFactory,
    EnrolmentFactory,
    GroupFactory,
    HuvudmanFactory,
    MembershipFactory,
    PersonFactory,
    PupilFactory,
    ResponsibleFactory,
    SchoolUnitFactory,
)

TERM_START = date(2026, 8, 17)
ENDED = date(2026, 10, 30)  # before today (December 2026): history
DAY = date(2026, 9, 14)  # a lesson day inside every period drawn here
TYPES = (
    "enrolment",
    "duty",
    "placement.child",
    "placement.owner",
    "responsibleFor.enrolment",
    "responsibleFor.placement",
    "groupMembership",
)
LOCATION_KEYS = ("addresses", "phoneNumbers", "photo", "enrolments", "responsibles")


@dataclass(frozen=True)
class Register:
    units: tuple[int, int]  # school units in Köping, in Arboga
    groups: tuple[int, ...]  # per unit (Köping's first), index of the unit of each class
    # per pupil (Saga first): (unit, ended) enrolments and (class, ended) memberships
    enrolments: tuple[tuple[tuple[int, bool], ...], ...]
    memberships: tuple[tuple[tuple[int, bool], ...], ...]
    tove_teaches: tuple[int, ...]  # classes whose activity Tove teaches
    tove_at: int  # the unit of Tove's duty
    attended: tuple[int, ...]  # pupils with attendance at every lesson of their classes
    bound_to_school: bool  # the client is bound to Köping's first school, not to Köping


@st.composite
def registers(draw: Any) -> Register:
    units = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    n_units = sum(units)
    groups = tuple(draw(st.lists(st.integers(0, n_units - 1), min_size=1, max_size=3)))
    n_pupils = draw(st.integers(2, 4))
    enrolment = st.tuples(st.integers(0, n_units - 1), st.booleans())
    membership = st.tuples(st.integers(0, len(groups) - 1), st.booleans())
    return Register(
        units=units,
        groups=groups,
        enrolments=tuple(
            tuple(draw(st.lists(enrolment, min_size=1, max_size=2))) for _ in range(n_pupils)
        ),
        memberships=tuple(
            tuple(draw(st.lists(membership, min_size=0, max_size=2))) for _ in range(n_pupils)
        ),
        tove_teaches=tuple(draw(st.lists(st.integers(0, len(groups) - 1), max_size=2))),
        tove_at=draw(st.integers(0, n_units - 1)),
        attended=tuple(draw(st.lists(st.integers(0, n_pupils - 1), max_size=2))),
        bound_to_school=draw(st.booleans()),
    )


def _end(ended: bool) -> date | None:
    return ENDED if ended else None


def materialise(r: Register) -> dict[str, Any]:
    koping = HuvudmanFactory(display_name="Köpings kommun")
    arboga = HuvudmanFactory(display_name="Arboga kommun")
    units = [SchoolUnitFactory(parent=koping) for _ in range(r.units[0])] + [
        SchoolUnitFactory(parent=arboga) for _ in range(r.units[1])
    ]
    groups = [GroupFactory(organisation=units[u], start_date=TERM_START) for u in r.groups]
    activities = []
    lessons = []
    for group in groups:
        activity = Activity.objects.create(
            display_name=f"Matematik {group.display_name}",
            organisation=group.organisation,
            start_date=TERM_START,
        )
        activity.groups.add(group)
        activities.append(activity)
        start = calendar.at(DAY, time(8, 30))
        lessons.append(
            CalendarEvent.objects.create(
                activity=activity,
                organisation_id=activity.organisation_id,
                planned_date=DAY,
                date=DAY,
                start_time=start,
                end_time=start + timedelta(minutes=60),
                duration_minutes=60,
            )
        )
    saga = PupilFactory(given_name="Saga", security_marking=SecurityMarking.SKYDDAD_FOLKBOKFORING)
    pupils = [saga] + [PupilFactory() for _ in r.enrolments[1:]]
    for pupil, enrolments, memberships in zip(pupils, r.enrolments, r.memberships, strict=True):
        for unit, ended in enrolments:
            EnrolmentFactory(person=pupil, enroled_at=units[unit], end_date=_end(ended))
        for g, ended in memberships:
            MembershipFactory(person=pupil, group=groups[g], end_date=_end(ended))
        ResponsibleFactory(person=pupil, responsible=PersonFactory())
    tove = PersonFactory(given_name="Tove", security_marking=SecurityMarking.SEKRETESSMARKERING)
    tove_duty = DutyFactory(person=tove, duty_at=units[r.tove_at])
    for g in set(r.tove_teaches):
        ActivityTeacher.objects.create(activity=activities[g], duty=tove_duty)
        lessons[g].substitute = tove_duty
        lessons[g].save()
    for p in set(r.attended):
        for g in {g for g, _ in r.memberships[p]}:
            attendance_set_minutes(
                actor=system_actor("test"),
                lesson=lessons[g],
                student=pupils[p],
                attendance_minutes=60,
                valid_absence_minutes=0,
                invalid_absence_minutes=0,
            )
            # A check-in too, registered by Tove: read as /attendanceEvents and expanded.
            AttendanceEvent.objects.create(
                person=pupils[p],
                group=groups[g],
                event_type=AttendanceEventType.IN,
                time=calendar.at(DAY, time(7, 45)),
                date=DAY,
                registered_by=tove,
            )
    client, _ = make_client([units[0] if r.bound_to_school else koping])
    return {
        "units": units,
        "groups": groups,
        "activities": activities,
        "saga": saga,
        "tove": tove,
        "tove_duty": tove_duty,
        "token": token_for(client),
    }


def _placements(node: Any, protected: set[str], *, own_record: bool) -> list[str]:
    """Where in an answer a protected person is placed: any mention but her own record."""
    found = []
    if isinstance(node, dict):
        if node.get("id") in protected:
            if not own_record:
                return [f"named: {node}"]
            found += [f"{key} in her record" for key in LOCATION_KEYS if key in node]
            if any(node.get("_embedded", {}).values()):
                found.append(f"embedded: {node['_embedded']}")
            return found
        for value in node.values():
            found += _placements(value, protected, own_record=False)
    elif isinstance(node, list):
        for item in node:
            found += _placements(item, protected, own_record=own_record)
    elif isinstance(node, str) and node in protected:
        found.append("an id")
    return found


@pytest.mark.slow
@pytest.mark.django_db
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(register=registers())
def test_no_answer_places_a_protected_person(register: Register) -> None:
    note(repr(register))
    client = Client()
    with transaction.atomic():
        w = materialise(register)
        saga, tove, duty = str(w["saga"].pk), str(w["tove"].pk), str(w["tove_duty"].pk)
        protected = {saga, tove, duty}
        headers = {"Authorization": f"Bearer {w['token']}"}
        window = {
            "startTime.onOrAfter": calendar.at(DAY, time(0, 0)).isoformat(),
            "startTime.onOrBefore": calendar.at(DAY + timedelta(days=1), time(0, 0)).isoformat(),
        }
        everything = {"expand": ["duties", "responsibleFor", "placements", "groupMemberships"]}

        # (method, path, query or body, about: a question about a protected person,
        # whose answer must be empty)
        asks: list[tuple[str, str, dict, bool]] = [
            ("GET", "/persons", everything, False),
            ("GET", f"/persons/{saga}", everything, False),
            ("GET", f"/persons/{tove}", {"expand": ["duties"]}, False),
            ("POST", "/persons/lookup", {"ids": [saga, tove]}, False),
            ("GET", "/groups", {"expand": ["assignmentRoles"]}, False),
            ("GET", "/activities", {"expand": ["groups", "teachers"]}, False),
            ("GET", "/activities", {"member": saga}, True),
            ("GET", "/activities", {"teacher": duty}, True),
            ("POST", "/activities/lookup", {"members": [saga], "teachers": [duty]}, True),
            ("GET", "/calendarEvents", window, False),
            ("GET", "/calendarEvents", {**window, "student": saga}, True),
            ("GET", "/calendarEvents", {**window, "teacher": duty}, True),
            ("POST", "/calendarEvents/lookup", {"student": [saga], "teacher": [duty]}, True),
            ("GET", "/duties", {"expand": ["person"]}, False),
            ("GET", "/duties", {"person": tove}, True),
            ("GET", "/placements", {"expand": ["child", "owners"]}, False),
            ("GET", "/attendances", {}, False),
            ("GET", "/attendances", {"student": saga}, True),
            ("POST", "/attendances/lookup", {"students": [saga]}, True),
            (
                "GET",
                "/aggregatedAttendance",
                {"startDate": "2026-09-01", "endDate": "2026-09-30"},
                False,
            ),
            ("GET", "/absences", {}, False),
            ("GET", "/attendanceEvents", {}, False),
            # Expansions embed whole entities: a protected pupil's attendance or check-ins,
            # or her person record behind a sum, would place her.
            ("GET", "/calendarEvents", {**window, "expand": ["activity", "attendance"]}, False),
            (
                "GET",
                "/aggregatedAttendance",
                {
                    "startDate": "2026-09-01",
                    "endDate": "2026-09-30",
                    "expand": ["student", "activity"],
                },
                False,
            ),
            (
                "GET",
                "/aggregatedAttendance",
                {"startDate": "2026-09-01", "endDate": "2026-09-30", "student": saga},
                True,
            ),
            ("GET", "/attendanceEvents", {"expand": ["person", "group", "registeredBy"]}, False),
            ("GET", "/attendanceEvents", {"person": saga}, True),
        ]
        asks += [
            ("POST", "/attendances/lookup", {"activities": [str(a.pk)]}, False)
            for a in w["activities"]
        ]
        asks += [("GET", f"/groups/{g.pk}", {}, False) for g in w["groups"]]
        for kind in (None, *TYPES):
            for unit in (None, *w["units"]):
                if kind is None and unit is None:
                    continue
                query = {"relationship.entity.type": kind} if kind else {}
                if unit is not None:
                    query["relationship.organisation"] = str(unit.pk)
                # Her being among the persons related to a school says where she is.
                asks.append(("GET", "/persons", query, False))
                # Also within a period: the filter reads the same visible relations.
                period = {"relationship.startDate.onOrBefore": DAY.isoformat()}
                asks.append(("GET", "/persons", {**query, **period}, False))
        for unit in w["units"]:
            # Duties of a unit and of everything below it: Tove's would place her.
            asks.append(("GET", "/duties", {"organisation": str(unit.pk)}, False))

        for method, path, params, about in asks:
            if method == "GET":
                response = client.get(BASE + path, params, headers=headers)
            else:
                response = client.post(
                    BASE + path, params, content_type="application/json", headers=headers
                )
            assert response.status_code in (200, 404), (path, params, response.content[:300])
            if response.status_code == 404:
                continue
            body = response.json()
            rows = body["data"] if isinstance(body, dict) and "data" in body else body
            if about:
                assert rows == [], (path, params, rows)
                continue
            own_record = path.startswith("/persons") and not any(
                k.startswith("relationship.") for k in params
            )
            if register.bound_to_school:
                # Bound to a school, a client learns nothing of her at all.
                own_record = False
            where = _placements(rows, protected, own_record=own_record)
            assert where == [], (path, params, where)
        transaction.set_rollback(True)
