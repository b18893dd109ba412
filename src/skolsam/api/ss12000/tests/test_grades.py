"""Grades in SS 12000: /grades, /grades/lookup and /grades/{id}, read only.

The story's cast (skolsam.testing.story): Maria teaches Alva mathematics in 7B at
Scheeleskolan in Köping and holds a licence for it; Anders, the rektor, opens the autumn's
grading period, closes it and publishes it. Alva also has a grade from her earlier school,
recorded from its document. Elsa, in 7B with skyddad folkbokföring, has one too. Maja has
a grade at Gäddgårdsskolan in Arboga, which Köping's client (`story_api`) must never see.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.utils import timezone

from skolsam.accounts.actor import actor_for_person
from skolsam.activities.models import Activity, ActivityTeacher
from skolsam.api.ss12000 import tasks
from skolsam.api.ss12000.models import WebhookDelivery
from skolsam.api.ss12000.tests.conftest import Api
from skolsam.api.ss12000.tests.factories import make_client, token_for
from skolsam.audit.models import AuditEntry
from skolsam.core.access import system_actor
from skolsam.core.choices import DutyRole, SecurityMarking
from skolsam.core.dates import today
from skolsam.core.errors import DomainError
from skolsam.core.models import ChangeRecord
from skolsam.curriculum.models import Syllabus
from skolsam.grades.models import DecisionKind, GradeOrigin, GradingPeriodKind, Semester
from skolsam.grades.services import (
    grade_decide,
    grade_record_earlier,
    grading_period_close,
    grading_period_open,
    grading_period_publish,
    teacher_licence_record,
)
from skolsam.people.models import Person
from skolsam.people.services import person_update
from skolsam.testing.factories import DutyFactory

MATHS_7_9 = {
    "school_type": "GR",
    "subject_code": "GRGRMAT01",
    "school_year_from": 7,
    "school_year_to": 9,
}


@dataclass
class Graded:
    world: Any  # the story
    rektor: Any
    period: Any
    alva_maths: Any  # set in the period: not published until Anna publishes it
    alva_earlier: Any
    saga_earlier: Any
    hugo_earlier: Any

    def actor(self, person: Any) -> Any:
        return actor_for_person(person.pk, on=today())

    def publish(self) -> None:
        anna = self.actor(self.rektor)
        grading_period_close(actor=anna, period=self.period)
        grading_period_publish(actor=anna, period=self.period)


def earlier(actor: Any, pupil: Any, unit: Any, syllabus: Any, value: str) -> Any:
    return grade_record_earlier(
        actor=actor,
        student=pupil,
        syllabus=syllabus,
        organisation=unit,
        grade_value=value,
        semester=Semester.VT,
        year=2025,
        origin=GradeOrigin.EARLIER_SCHOOL,
        origin_school="Kolbäcksskolan (12345678)",
    )


@pytest.fixture
def api(story_api: Api) -> Api:
    return story_api


@pytest.fixture
def graded(story: Any) -> Graded:
    maths, _ = Syllabus.objects.get_or_create(
        school_type="GR",
        subject_code="GRGRMAT01",
        course_code="",
        defaults={"subject_name": "Matematik"},
    )
    english, _ = Syllabus.objects.get_or_create(
        school_type="GR",
        subject_code="GRGRENG01",
        course_code="",
        defaults={"subject_name": "Engelska"},
    )
    maths_7b = Activity.objects.get(display_name="Matematik 7B")
    Activity.objects.filter(pk=maths_7b.pk).update(syllabus=maths)
    ActivityTeacher.objects.filter(activity=maths_7b).update(grader=True)
    anders = story.rektor_at_scheeleskolan
    arboga_rektor = DutyFactory(duty_at=story.gaddgardsskolan, duty_role=DutyRole.REKTOR).person
    as_anders = actor_for_person(anders.pk, on=today())
    teacher_licence_record(
        actor=as_anders,
        person=story.teacher_of_7b,
        valid_from=date(2020, 1, 1),
        qualifications=[MATHS_7_9],
    )
    period = grading_period_open(
        actor=as_anders,
        organisation=story.scheeleskolan,
        kind=GradingPeriodKind.TERM,
        semester=Semester.HT,
        year=today().year,
    )
    alva_maths = grade_decide(
        actor=actor_for_person(story.teacher_of_7b.pk, on=today()),
        kind=DecisionKind.SET,
        grade_value="C",
        student=story.pupil_in_7b,
        syllabus=maths,
        organisation=story.scheeleskolan,
        period=period,
        group=story.groups["7B"],
    )
    # Elsa's grade was recorded before she got skyddad folkbokföring.
    elsa = story.protected_pupil_in_7b
    Person.objects.filter(pk=elsa.pk).update(security_marking=SecurityMarking.INGEN)
    saga_earlier = earlier(
        as_anders, Person.objects.get(pk=elsa.pk), story.scheeleskolan, english, "A"
    )
    Person.objects.filter(pk=elsa.pk).update(security_marking=SecurityMarking.SKYDDAD_FOLKBOKFORING)
    return Graded(
        world=story,
        rektor=anders,
        period=period,
        alva_maths=alva_maths,
        alva_earlier=earlier(as_anders, story.pupil_in_7b, story.scheeleskolan, english, "B"),
        saga_earlier=saga_earlier,
        hugo_earlier=earlier(
            actor_for_person(arboga_rektor.pk, on=today()),
            story.pupil_in_arboga,
            story.gaddgardsskolan,
            english,
            "D",
        ),
    )


def ids(rows: list[dict]) -> set[str]:
    return {r["id"] for r in rows}


def test_a_grade_is_served_only_once_published_and_validates(api: Api, graded: Graded) -> None:
    w = graded.world
    listed = api.get("/grades", {"expandReferenceNames": "true"})["data"]
    # Before publication only the grade recorded from the earlier school is out.
    assert ids(listed) == {str(graded.alva_earlier.lineage)}
    api.get(f"/grades/{graded.alva_maths.lineage}", status=404, check=False)
    graded.publish()
    one = api.get(f"/grades/{graded.alva_maths.lineage}", {"expandReferenceNames": "true"})
    assert one["gradeValue"] == "C" and one["finalGrade"] is False
    assert (one["semester"], one["year"]) == ("HT", today().year)
    assert (one["student"]["id"], one["student"]["displayName"]) == (
        str(w.pupil_in_7b.pk),
        w.pupil_in_7b.full_name,
    )
    assert one["organisation"]["id"] == one["schoolUnit"]["id"] == str(w.scheeleskolan.pk)
    assert one["registeredBy"]["id"] == one["gradingTeacher"]["id"] == str(w.teacher_of_7b.pk)
    assert one["group"]["displayName"] == "7B"
    assert one["syllabus"]["displayName"] == "Matematik"
    assert "correctionType" not in one
    assert AuditEntry.objects.filter(action="ss12000.read", object_type="Grade").exists()


def test_an_andring_is_the_same_grade_with_its_correction_type_and_a_new_modified(
    api: Api, graded: Graded
) -> None:
    graded.publish()
    before = api.get(f"/grades/{graded.alva_maths.lineage}")
    grade_decide(
        actor=graded.actor(graded.world.teacher_of_7b),
        kind=DecisionKind.ANDRING,
        grade_value="A",
        previous=graded.alva_maths,
        reason="Ett prov var felrättat",
    )
    after = api.get(f"/grades/{graded.alva_maths.lineage}")
    assert (after["gradeValue"], after["correctionType"]) == ("A", "Ändring")
    assert after["meta"]["modified"] > before["meta"]["modified"]
    newer = api.get("/grades", {"meta.modified.after": before["meta"]["modified"]})["data"]
    assert ids(newer) == {str(graded.alva_maths.lineage)}
    last = list(ChangeRecord.objects.filter(entity_type="Grade").order_by("created_at"))[-1]
    assert last.entity_ids == [str(graded.alva_maths.lineage)]
    assert last.organisation_ids == [str(graded.world.scheeleskolan.pk)]


def test_a_koping_client_sees_no_arboga_grade(api: Api, graded: Graded) -> None:
    graded.publish()
    hugo = str(graded.hugo_earlier.lineage)
    assert hugo not in ids(api.all_pages("/grades", {"limit": 1}))
    api.get(f"/grades/{hugo}", status=404, check=False)
    assert api.post("/grades/lookup", {"ids": [hugo]}) == []
    assert api.get("/grades", {"organisation": str(graded.world.gaddgardsskolan.pk)})["data"] == []
    assert api.get("/grades", {"student": str(graded.world.pupil_in_arboga.pk)})["data"] == []
    arboga, _ = make_client([graded.world.arboga], name="Arbogas lärplattform")
    assert ids(Api(token_for(arboga)).get("/grades")["data"]) == {hugo}


def test_a_client_bound_to_a_school_sees_only_that_school_s_grades(graded: Graded) -> None:
    w = graded.world
    ullvi = w.ullviskolan
    rektor = DutyFactory(duty_at=ullvi, duty_role=DutyRole.REKTOR).person
    english = Syllabus.objects.get(subject_code="GRGRENG01")
    at_ullvi = earlier(graded.actor(rektor), w.pupil_in_7b, ullvi, english, "E")
    school, _ = make_client([w.scheeleskolan], name="Scheeleskolans schemasystem")
    seen = ids(Api(token_for(school)).get("/grades")["data"])
    assert seen == {str(graded.alva_earlier.lineage)}
    whole, _ = make_client([w.koping], name="Köpings elevregister")
    assert str(at_ullvi.lineage) in ids(Api(token_for(whole)).get("/grades")["data"])


def test_a_protected_pupil_s_grades_only_for_a_client_that_may_see_protected_data(
    api: Api, graded: Graded
) -> None:
    saga = str(graded.saga_earlier.lineage)
    assert saga not in ids(api.get("/grades")["data"])
    api.get(f"/grades/{saga}", status=404, check=False)
    assert api.post("/grades/lookup", {"ids": [saga]}) == []
    trusted, _ = make_client([graded.world.koping], name="Elevhälsa", allow_protected_data=True)
    reader = Api(token_for(trusted))
    assert reader.get(f"/grades/{saga}")["student"]["securityMarking"] == "Skyddad folkbokföring"


def test_a_protected_registrar_is_not_named_nor_found(api: Api, graded: Graded) -> None:
    graded.publish()
    Person.objects.filter(pk=graded.world.teacher_of_7b.pk).update(
        security_marking=SecurityMarking.SEKRETESSMARKERING
    )
    one = api.get(f"/grades/{graded.alva_maths.lineage}", check=False)
    assert "registeredBy" not in one and "gradingTeacher" not in one
    assert api.get("/grades", {"registeredBy": str(graded.world.teacher_of_7b.pk)})["data"] == []
    assert api.get("/grades", {"gradingTeacher": str(graded.world.teacher_of_7b.pk)})["data"] == []


def test_filters_sort_keys_and_pages(api: Api, graded: Graded) -> None:
    graded.publish()
    w = graded.world
    maths, english = str(graded.alva_maths.lineage), str(graded.alva_earlier.lineage)
    assert ids(api.get("/grades", {"student": str(w.pupil_in_7b.pk)})["data"]) == {maths, english}
    assert ids(api.get("/grades", {"organisation": str(w.scheeleskolan.pk)})["data"]) == {
        maths,
        english,
    }
    assert ids(api.get("/grades", {"registeredBy": str(w.teacher_of_7b.pk)})["data"]) == {maths}
    assert ids(api.get("/grades", {"gradingTeacher": str(w.teacher_of_7b.pk)})["data"]) == {maths}
    day = today().isoformat()
    assert ids(api.get("/grades", {"registeredDate.onOrAfter": day})["data"]) == {maths, english}
    assert api.get("/grades", {"registeredDate.onOrBefore": "2020-01-01"})["data"] == []
    api.get("/grades", {"registeredDate.onOrAfter": "igår"}, status=400)
    for key in ("registeredDateAsc", "registeredDateDesc", "ModifiedDesc"):
        rows = api.all_pages("/grades", {"sortkey": key, "limit": 1})
        assert sorted(r["id"] for r in rows) == sorted([maths, english])
    api.get("/grades", {"sortkey": "RegisteredDateAsc"}, status=400)
    created = api.get("/grades", {"meta.created.after": "2000-01-01T00:00:00Z"})["data"]
    assert len(created) == 2
    assert api.get("/grades", {"meta.created.before": "2000-01-01T00:00:00Z"})["data"] == []
    assert api.get("/grades", {"meta.modified.before": "2000-01-01T00:00:00Z"})["data"] == []
    found = api.post("/grades/lookup", {"ids": [maths, str(uuid.uuid4())]})
    assert [g["id"] for g in found] == [maths]


def test_grades_are_read_only_and_need_their_scope(api: Api, graded: Graded) -> None:
    api.request("POST", "/grades", body={}, status=405, check=False)
    api.request("DELETE", f"/grades/{graded.alva_earlier.lineage}", status=405, check=False)
    w = graded.world
    without, _ = make_client([w.koping], scopes=["persons:read"])
    Api(token_for(without)).get("/grades", status=403)
    with pytest.raises(DomainError):
        make_client([w.koping], scopes=["grades:read", "grades:write"])


def test_publication_reaches_koping_s_webhook_and_not_arboga_s(
    graded: Graded, settings: Any
) -> None:
    settings.SKOLSAM_SS12000_WEBHOOK_ALLOW_PRIVATE = True
    w = graded.world
    for organisation, name in ((w.koping, "Köping"), (w.arboga, "Arboga")):
        client, _ = make_client([organisation], name=name)
        Api(token_for(client)).post(
            "/subscriptions",
            {
                "name": f"betyg {name}",
                "target": "http://127.0.0.1:9/",
                "resourceTypes": [{"resource": "Grade"}],
            },
            status=201,
        )
    # The grades recorded before the subscriptions: Köping's and Arboga's earlier ones.
    ChangeRecord.objects.update(dispatched_at=timezone.now())
    graded.publish()
    assert tasks.dispatch_changes.call() >= 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.subscription.client.name == "Köping"
    assert delivery.modified_entities == ["Grade"] and not delivery.deleted_entities


def test_a_pupil_who_gets_protected_identity_leaves_the_clients_view_as_deleted(
    api: Api, graded: Graded
) -> None:
    graded.publish()
    since = timezone.now().isoformat()
    maths = str(graded.alva_maths.lineage)
    assert maths in ids(api.get("/grades")["data"])
    person_update(
        actor=system_actor("test"),
        person=graded.world.pupil_in_7b,
        security_marking=SecurityMarking.SKYDDAD_FOLKBOKFORING,
    )
    assert maths not in ids(api.get("/grades")["data"])
    gone = api.get("/deletedEntities", {"after": since, "entities": "Grade"})["data"]
    assert maths in gone["grades"]
    assert str(graded.alva_earlier.lineage) in gone["grades"]
