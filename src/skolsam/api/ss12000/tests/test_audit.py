"""An API read is found in the audit log by every person it handed out.

Köping's learning platform reads persons, a class, activities, lessons and attendance; the
data protection officer searching the log for Alva, or for her teacher Erik, finds each of
those reads, and none of them when searching for Hugo in Arboga.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.models import Permission
from django.urls import reverse

from skolsam.api.ss12000.tests.conftest import Api, make_lesson
from skolsam.attendance.services.other_systems import attendance_set_minutes
from skolsam.audit.models import AuditEntry
from skolsam.audit.selectors import audit_entry_list
from skolsam.core.access import system_actor
from skolsam.testing.auth import verified_client
from skolsam.testing.factories import UserFactory

DAY = date(2026, 9, 14)


def _last_read() -> AuditEntry:
    return AuditEntry.objects.filter(action="ss12000.read").latest("id")


def _found_by(person: Any) -> set[int]:
    return set(audit_entry_list(person_id=person.pk).values_list("pk", flat=True))


def test_a_page_of_persons_is_found_by_each_person_on_it(api: Api, world) -> None:
    api.get("/persons", {"limit": 1000})
    page = _last_read()
    for person in (world.alva, world.saga, world.maria, world.erik):
        assert page.pk in _found_by(person), person
    assert page.pk not in _found_by(world.hugo)


def test_every_kind_of_read_is_found_by_the_persons_it_names(api: Api, world) -> None:
    lesson = make_lesson(world.activity, DAY)
    lesson.substitute = world.erik_duty
    lesson.save()
    attendance_set_minutes(
        actor=system_actor("test"),
        lesson=lesson,
        student=world.alva,
        attendance_minutes=60,
        valid_absence_minutes=0,
        invalid_absence_minutes=0,
    )
    reads = {
        "class list": lambda: api.get(f"/groups/{world.klass_7a.pk}"),
        "class teachers": lambda: api.get("/groups", {"expand": ["assignmentRoles"]}),
        "lookup": lambda: api.post("/persons/lookup", {"ids": [str(world.alva.pk)]}),
        "guardian": lambda: api.get(f"/persons/{world.maria.pk}", {"expand": ["responsibleFor"]}),
        "activities": lambda: api.get("/activities", {"member": str(world.alva.pk)}),
        "duties": lambda: api.get("/duties"),
        "lessons": lambda: api.post(
            "/calendarEvents/lookup", {"ids": [str(lesson.pk)]}, check=False
        ),
        "attendance": lambda: api.get("/attendances"),
        "sums": lambda: api.get(
            "/aggregatedAttendance", {"startDate": "2026-09-01", "endDate": "2026-09-30"}
        ),
        "a lesson's attendance": lambda: api.get(
            f"/calendarEvents/{lesson.pk}", {"expand": ["attendance"]}
        ),
        "attendance by pupil": lambda: api.post(
            "/attendances/lookup", {"students": [str(world.alva.pk)]}
        ),
        "attendance by lesson": lambda: api.post(
            "/attendances/lookup", {"calendareEvents": [str(lesson.pk)]}
        ),
        "attendance by activity": lambda: api.post(
            "/attendances/lookup", {"activities": [str(world.activity.pk)]}
        ),
        "sums with the pupil": lambda: api.get(
            "/aggregatedAttendance",
            {"startDate": "2026-09-01", "endDate": "2026-09-30", "expand": ["student"]},
        ),
    }
    named = {
        "class list": world.alva,
        "class teachers": world.erik,
        "lookup": world.alva,
        "guardian": world.alva,
        "activities": world.erik,
        "duties": world.erik,
        "lessons": world.erik,
        "attendance": world.alva,
        "sums": world.alva,
        "a lesson's attendance": world.alva,
        "attendance by pupil": world.alva,
        "attendance by lesson": world.alva,
        "attendance by activity": world.alva,
        "sums with the pupil": world.alva,
    }
    for name, read in reads.items():
        read()
        entry = AuditEntry.objects.latest("id")
        assert entry.action == "ss12000.read", name
        assert entry.pk in _found_by(named[name]), name
        assert entry.pk not in _found_by(world.hugo), name


def test_the_auditor_finds_the_api_read_on_the_audit_page(api: Api, world) -> None:
    api.get("/persons")
    page = _last_read()
    auditor: Any = UserFactory(username="dso", person=None)
    auditor.user_permissions.add(Permission.objects.get(codename="search_auditentry"))
    response = verified_client(auditor).get(
        reverse("audit_search"), {"person": world.saga.civic_no}
    )
    assert response.status_code == 200
    entries = list(response.context["page"].object_list)
    assert page in entries
    assert page.detail["protected"] == 1
