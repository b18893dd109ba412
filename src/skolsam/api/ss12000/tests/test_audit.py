"""An API read is found in the audit log by every person it handed out.

The register is the story's (skolsam.testing.story). Köping's learning platform reads
persons, a class, activities, lessons and attendance; the data protection officer searching
the log for Alva, for Maria who teaches her mathematics, or for Lars her mentor, finds each
of those reads, and none of them when searching for Maja in Arboga.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.models import Permission
from django.urls import reverse

from skolsam.activities.models import Activity
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


def test_a_page_of_persons_is_found_by_each_person_on_it(story_api: Api, story: Any) -> None:
    story_api.get("/persons", {"limit": 1000})
    page = _last_read()
    for person in (
        story.pupil_in_7b,
        story.protected_pupil_in_7b,
        story.guardian_of_pupil_in_7b,
        story.teacher_of_7b,
    ):
        assert page.pk in _found_by(person), person
    assert page.pk not in _found_by(story.pupil_in_arboga)


def test_every_kind_of_read_is_found_by_the_persons_it_names(story_api: Api, story: Any) -> None:
    mathematics = Activity.objects.get(display_name="Matematik 7B")
    lesson = make_lesson(mathematics, DAY)
    lesson.substitute = story.mentor_of_7b.duties.get()  # Lars stands in for Maria
    lesson.save()
    attendance_set_minutes(
        actor=system_actor("test"),
        lesson=lesson,
        student=story.pupil_in_7b,
        attendance_minutes=60,
        valid_absence_minutes=0,
        invalid_absence_minutes=0,
    )
    reads = {
        "class list": lambda: story_api.get(f"/groups/{story.groups['7B'].pk}"),
        "class teachers": lambda: story_api.get("/groups", {"expand": ["assignmentRoles"]}),
        "lookup": lambda: story_api.post("/persons/lookup", {"ids": [str(story.pupil_in_7b.pk)]}),
        "guardian": lambda: story_api.get(
            f"/persons/{story.guardian_of_pupil_in_7b.pk}", {"expand": ["responsibleFor"]}
        ),
        "activities": lambda: story_api.get("/activities", {"member": str(story.pupil_in_7b.pk)}),
        "duties": lambda: story_api.get("/duties"),
        "lessons": lambda: story_api.post(
            "/calendarEvents/lookup", {"ids": [str(lesson.pk)]}, check=False
        ),
        "attendance": lambda: story_api.get("/attendances"),
        "sums": lambda: story_api.get(
            "/aggregatedAttendance", {"startDate": "2026-09-01", "endDate": "2026-09-30"}
        ),
        "a lesson's attendance": lambda: story_api.get(
            f"/calendarEvents/{lesson.pk}", {"expand": ["attendance"]}
        ),
        "attendance by pupil": lambda: story_api.post(
            "/attendances/lookup", {"students": [str(story.pupil_in_7b.pk)]}
        ),
        "attendance by lesson": lambda: story_api.post(
            "/attendances/lookup", {"calendareEvents": [str(lesson.pk)]}
        ),
        "attendance by activity": lambda: story_api.post(
            "/attendances/lookup", {"activities": [str(mathematics.pk)]}
        ),
        "sums with the pupil": lambda: story_api.get(
            "/aggregatedAttendance",
            {"startDate": "2026-09-01", "endDate": "2026-09-30", "expand": ["student"]},
        ),
    }
    named = {
        "class list": story.pupil_in_7b,
        "class teachers": story.mentor_of_7b,
        "lookup": story.pupil_in_7b,
        "guardian": story.pupil_in_7b,
        "activities": story.teacher_of_7b,
        "duties": story.teacher_of_7b,
        "lessons": story.mentor_of_7b,
        "attendance": story.pupil_in_7b,
        "sums": story.pupil_in_7b,
        "a lesson's attendance": story.pupil_in_7b,
        "attendance by pupil": story.pupil_in_7b,
        "attendance by lesson": story.pupil_in_7b,
        "attendance by activity": story.pupil_in_7b,
        "sums with the pupil": story.pupil_in_7b,
    }
    for name, read in reads.items():
        read()
        entry = AuditEntry.objects.latest("id")
        assert entry.action == "ss12000.read", name
        assert entry.pk in _found_by(named[name]), name
        assert entry.pk not in _found_by(story.pupil_in_arboga), name


def test_the_auditor_finds_the_api_read_on_the_audit_page(story_api: Api, story: Any) -> None:
    story_api.get("/persons")
    page = _last_read()
    auditor: Any = UserFactory(username="dso", person=None)
    auditor.user_permissions.add(Permission.objects.get(codename="search_auditentry"))
    response = verified_client(auditor).get(
        reverse("audit_search"), {"person": story.protected_pupil_in_7b.civic_no}
    )
    assert response.status_code == 200
    entries = list(response.context["page"].object_list)
    assert page in entries
    assert page.detail["protected"] == 1
