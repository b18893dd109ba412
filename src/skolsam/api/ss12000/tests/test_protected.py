"""A protected pupil's location never leaves without an explicit authorisation.

The register is the story's (skolsam.testing.story): Elsa, in 7B at Scheeleskolan, has
skyddad folkbokföring (and, here, a private and a school e-mail address); Alva is in 7B too,
which Maria teaches mathematics and Stina Swedish.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from skolsam.accounts.actor import actor_for_person
from skolsam.activities.models import Activity, ActivityTeacher
from skolsam.api.ss12000.tests.conftest import Api, day_window, make_lesson
from skolsam.api.ss12000.tests.factories import make_client, token_for
from skolsam.attendance.services.absence import absence_report, day_span
from skolsam.attendance.services.other_systems import attendance_set_minutes
from skolsam.audit.models import AuditEntry
from skolsam.core.access import system_actor
from skolsam.core.changes import change_record
from skolsam.core.choices import SecurityMarking
from skolsam.core.dates import today
from skolsam.enrolment.models import Enrolment
from skolsam.enrolment.services import enrolment_cancel
from skolsam.people.models import Person
from skolsam.people.selectors import person_organisation_ids
from skolsam.testing.factories import (
    DutyFactory,
    PersonFactory,
    PlacementFactory,
    ResponsibleFactory,
    SchoolUnitFactory,
)

DAY = date(2026, 9, 14)
ELSAS_SCHOOL_EMAIL = {"type": "Skola elev", "value": "elsa@elev.koping.se"}


@pytest.fixture(scope="module")
def s(story: Any, django_db_blocker: Any) -> Any:
    """The story with Elsa's e-mail addresses: a private one and the school's."""
    with django_db_blocker.unblock():
        Person.objects.filter(pk=story.protected_pupil_in_7b.pk).update(
            emails=[{"type": "Privat", "value": "elsa@example.com"}, ELSAS_SCHOOL_EMAIL]
        )
    return story


def _lessons_of_7b(s: Any) -> set[str]:
    """The ids of 7B's activities: Matematik 7B (Maria) and Svenska 7B (Stina)."""
    ids = {
        str(pk)
        for pk in Activity.objects.filter(groups=s.groups["7B"]).values_list("pk", flat=True)
    }
    assert len(ids) == 2
    return ids


def _mathematics_7b(s: Any) -> Any:
    return Activity.objects.get(display_name="Matematik 7B")


def _by_id(rows: list[dict]) -> dict[str, dict]:
    return {row["id"]: row for row in rows}


def test_protected_pupil_is_delivered_without_location(story_api: Api, s: Any) -> None:
    everyone = story_api.get(
        "/persons",
        {"expand": ["groupMemberships", "placements", "duties", "responsibleFor"]},
    )["data"]
    elsa = _by_id(everyone)[str(s.protected_pupil_in_7b.pk)]
    assert elsa["securityMarking"] == "Skyddad folkbokföring"
    for hidden in ("addresses", "phoneNumbers", "photo", "enrolments", "responsibles"):
        assert hidden not in elsa
    assert elsa["emails"] == [ELSAS_SCHOOL_EMAIL]
    assert elsa["_embedded"]["groupMemberships"] == []
    assert elsa["civicNo"]["value"] == s.protected_pupil_in_7b.civic_no

    alva = _by_id(everyone)[str(s.pupil_in_7b.pk)]
    assert alva["addresses"] and alva["enrolments"]
    [membership] = alva["_embedded"]["groupMemberships"]
    assert membership["group"]["id"] == str(s.groups["7B"].pk)


def test_protected_pupil_is_not_in_class_lists(story_api: Api, s: Any) -> None:
    elsa = s.protected_pupil_in_7b
    group = story_api.get(f"/groups/{s.groups['7B'].pk}")
    members = {m["person"]["id"] for m in group["groupMemberships"]}
    assert str(s.pupil_in_7b.pk) in members
    assert str(elsa.pk) not in members
    one = story_api.get(f"/persons/{elsa.pk}", {"expand": ["groupMemberships"]})
    assert "addresses" not in one and one["_embedded"]["groupMemberships"] == []
    looked_up = story_api.post("/persons/lookup", {"ids": [str(elsa.pk)]})
    assert "addresses" not in looked_up[0] and "enrolments" not in looked_up[0]


def test_relationship_filter_does_not_reveal_the_school(story_api: Api, s: Any) -> None:
    # Asking school by school whose enrolment or group is there must not find her.
    alva, elsa = str(s.pupil_in_7b.pk), str(s.protected_pupil_in_7b.pk)
    for organisation, kind in (
        (s.scheeleskolan, "enrolment"),
        (s.scheeleskolan, "groupMembership"),
        (s.scheeleskolan, None),
        (None, "enrolment"),
        (None, "groupMembership"),
    ):
        query = {"relationship.entity.type": kind} if kind else {}
        if organisation is not None:
            query["relationship.organisation"] = str(organisation.pk)
        found = {p["id"] for p in story_api.all_pages("/persons", query)}
        assert alva in found, query
        assert elsa not in found, query


def test_member_filter_does_not_place_her_in_a_class(story_api: Api, s: Any) -> None:
    elsa = str(s.protected_pupil_in_7b.pk)
    assert story_api.get("/activities", {"member": elsa})["data"] == []
    assert story_api.post("/activities/lookup", {"members": [elsa]}) == []
    # The same question about a pupil without protection is answered: 7B's two subjects.
    alva = story_api.get("/activities", {"member": str(s.pupil_in_7b.pk)})["data"]
    assert {a["id"] for a in alva} == _lessons_of_7b(s)


def test_student_filter_does_not_give_her_lessons(story_api: Api, s: Any) -> None:
    lesson = make_lesson(_mathematics_7b(s), DAY)
    window = day_window(DAY)
    elsa = str(s.protected_pupil_in_7b.pk)
    assert story_api.get("/calendarEvents", {**window, "student": elsa})["data"] == []
    alva = story_api.get("/calendarEvents", {**window, "student": str(s.pupil_in_7b.pk)})["data"]
    assert [e["id"] for e in alva] == [str(lesson.pk)]


def test_lookups_of_lessons_and_attendance_by_person_do_not_find_her(
    story_api: Api, s: Any
) -> None:
    lesson = make_lesson(_mathematics_7b(s), DAY)
    for student in (s.pupil_in_7b, s.protected_pupil_in_7b):
        attendance_set_minutes(
            actor=system_actor("test"),
            lesson=lesson,
            student=student,
            attendance_minutes=60,
            valid_absence_minutes=0,
            invalid_absence_minutes=0,
        )
    elsa, alva = str(s.protected_pupil_in_7b.pk), str(s.pupil_in_7b.pk)
    # The spec types the answer of /calendarEvents/lookup as attendances (a slip in the
    # YAML); we answer calendar events, so that answer is not validated against it.
    assert story_api.post("/calendarEvents/lookup", {"student": [elsa]}, check=False) == []
    lessons = story_api.post("/calendarEvents/lookup", {"student": [alva]}, check=False)
    assert [e["id"] for e in lessons] == [str(lesson.pk)]
    assert story_api.post("/attendances/lookup", {"students": [elsa]}) == []
    by_lesson = story_api.post("/attendances/lookup", {"calendareEvents": [str(lesson.pk)]})
    assert [a["student"]["id"] for a in by_lesson] == [alva]


def test_a_protected_teacher_is_not_found_through_her_lessons(story_api: Api, s: Any) -> None:
    teacher = PersonFactory(
        given_name="Tove", family_name="Ek", security_marking=SecurityMarking.SEKRETESSMARKERING
    )
    duty = DutyFactory(person=teacher, duty_at=s.scheeleskolan)
    ActivityTeacher.objects.create(activity=_mathematics_7b(s), duty=duty)
    lesson = make_lesson(_mathematics_7b(s), DAY)
    lesson.substitute = duty
    lesson.save()
    teacher_id = str(duty.pk)
    assert story_api.get("/activities", {"teacher": teacher_id})["data"] == []
    assert story_api.post("/activities/lookup", {"teachers": [teacher_id]}) == []
    assert (
        story_api.get("/calendarEvents", {**day_window(DAY), "teacher": teacher_id})["data"] == []
    )
    events = story_api.get("/calendarEvents", {**day_window(DAY), "expandReferenceNames": "true"})[
        "data"
    ]
    assert [e["id"] for e in events] == [str(lesson.pk)]
    assert "teacherExceptions" not in events[0]
    assert "Tove" not in str(events)
    # Maria, who is not protected, is found as before.
    maria = story_api.get("/activities", {"teacher": str(s.teacher_of_7b.duties.get().pk)})
    assert [a["id"] for a in maria["data"]] == [str(_mathematics_7b(s).pk)]


def test_a_protected_guardian_is_not_found_through_the_placement_she_owns(
    story_api: Api, s: Any
) -> None:
    mother = PersonFactory(security_marking=SecurityMarking.SKYDDAD_FOLKBOKFORING)
    preschool = SchoolUnitFactory(parent=s.koping_forvaltning, school_types=["FS"])
    placement = PlacementFactory(placed_at=preschool)
    placement.owners.add(mother)
    assert story_api.get("/placements", {"owner": str(mother.pk)})["data"] == []
    assert story_api.post("/placements/lookup", {"personIds": [str(mother.pk)]}) == []
    listed = story_api.get("/placements", {"child": str(placement.child_id)})["data"]
    assert [p["id"] for p in listed] == [str(placement.pk)]
    assert "owners" not in listed[0]


def test_a_protected_guardians_absence_report_does_not_name_her(story_api: Api, s: Any) -> None:
    mother = PersonFactory(security_marking=SecurityMarking.SKYDDAD_FOLKBOKFORING)
    ResponsibleFactory(person=s.pupil_in_7b, responsible=mother)
    ahead = today() + timedelta(days=7)
    start, end = day_span(ahead, ahead)
    absence_report(actor=actor_for_person(mother.pk), student=s.pupil_in_7b, start=start, end=end)
    assert story_api.get("/absences", {"registeredBy": str(mother.pk)})["data"] == []
    listed = story_api.get("/absences", {"student": str(s.pupil_in_7b.pk)})["data"]
    assert len(listed) == 1 and "registeredBy" not in listed[0]


def test_a_school_bound_client_does_not_learn_she_is_there(s: Any) -> None:
    # Bound to one school, the list of persons is that school's: her presence in it
    # would say where she goes. Only a client of the whole huvudman learns she exists.
    client, _ = make_client([s.scheeleskolan], name="Scheeleskolans schemaläggning")
    school_api = Api(token_for(client))
    elsa = s.protected_pupil_in_7b
    listed = {p["id"] for p in school_api.all_pages("/persons")}
    assert str(s.pupil_in_7b.pk) in listed
    assert str(elsa.pk) not in listed
    school_api.get(f"/persons/{elsa.pk}", status=404, check=False)
    assert school_api.post("/persons/lookup", {"ids": [str(elsa.pk)]}) == []
    assert school_api.post("/persons/lookup", {"civicNos": [elsa.civic_no]}) == []


def test_authorised_client_sees_the_location(s: Any) -> None:
    client, _ = make_client([s.koping], name="Elevhälsans journal", allow_protected_data=True)
    journal = Api(token_for(client))
    elsa = s.protected_pupil_in_7b
    found_elsa = journal.get(f"/persons/{elsa.pk}")
    assert found_elsa["addresses"] and found_elsa["enrolments"] and found_elsa["photo"]
    group = journal.get(f"/groups/{s.groups['7B'].pk}")
    assert str(elsa.pk) in {m["person"]["id"] for m in group["groupMemberships"]}
    # Its filters find her where she is, by the same rule.
    found = journal.get(
        "/persons",
        {"relationship.entity.type": "enrolment", "relationship.organisation": s.scheeleskolan.pk},
    )["data"]
    assert str(elsa.pk) in {p["id"] for p in found}
    member = journal.get("/activities", {"member": str(elsa.pk)})["data"]
    assert {a["id"] for a in member} == _lessons_of_7b(s)


def test_every_read_is_audit_logged_with_rows(story_api: Api, s: Any) -> None:
    story_api.get("/persons", {"limit": 3})
    entry = AuditEntry.objects.filter(action="ss12000.read", object_type="Person").latest("id")
    assert entry.detail["rows"] == 3
    assert entry.detail["client"]
    assert "Köpings lärplattform" in entry.actor_label
    story_api.get(f"/persons/{s.protected_pupil_in_7b.pk}")
    entry = AuditEntry.objects.filter(action="ss12000.read").latest("id")
    assert entry.person_id == s.protected_pupil_in_7b.pk
    assert entry.detail["protected"] == 1


def test_a_school_bound_client_is_never_told_she_is_gone(story_api: Api, s: Any) -> None:
    """/deletedEntities names no protected pupil the school's client never saw.

    Alva and Elsa both leave Scheeleskolan (their enrolments are cancelled), then both
    are deleted. The school's client learns that Alva is gone, twice over, and nothing of
    Elsa: a tombstone for her under the school would say where she went. Köping's client,
    which knew she existed, learns that she is gone.
    """
    school_client, _ = make_client([s.scheeleskolan], name="Scheeleskolans schemaläggning")
    school_api = Api(token_for(school_client))
    alva, elsa = s.pupil_in_7b, s.protected_pupil_in_7b
    assert str(elsa.pk) not in {p["id"] for p in school_api.all_pages("/persons")}
    for pupil in (alva, elsa):
        enrolment_cancel(actor=system_actor("test"), enrolment=Enrolment.objects.get(person=pupil))
    left = school_api.get("/deletedEntities", {"entities": ["Person"]})["data"]
    assert str(alva.pk) in left["persons"]
    assert str(elsa.pk) not in str(left)
    for pupil in (alva, elsa):
        orgs = person_organisation_ids([pupil.pk])
        # No service deletes a person today; the test plays one: record, then delete.
        change_record(entity_type="Person", ids=[pupil.pk], organisation_ids=orgs, deleted=True)
        Person.objects.filter(pk=pupil.pk).delete()
    gone = school_api.get("/deletedEntities")["data"]
    assert str(alva.pk) in gone["persons"]
    assert str(elsa.pk) not in str(gone)
    assert str(elsa.pk) in story_api.get("/deletedEntities")["data"]["persons"]
