"""Study plans in SS 12000: /studyplans and /studyplans/{id}, read only, and the service
that sets them (grades.services.study_plan_set).

The story's cast (skolsam.testing.story): Eva, skoladministratör at Scheeleskolan in
Köping, sets Alva's study plan on the Naturvetenskapsprogrammet; a SYV at the school sets
Elsa's (skyddad folkbokföring), being named for her. Arboga's rektor sets Maja's at
Gäddgårdsskolan, which Köping's client (`story_api`) must never see.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from skolsam.accounts.actor import actor_for_person
from skolsam.api.ss12000 import tasks
from skolsam.api.ss12000.models import WebhookDelivery
from skolsam.api.ss12000.tests.conftest import Api
from skolsam.api.ss12000.tests.factories import make_client, token_for
from skolsam.audit.models import AuditEntry
from skolsam.core.access import system_actor
from skolsam.core.choices import DutyRole, ProgrammeType, SecurityMarking
from skolsam.core.dates import today
from skolsam.core.errors import DomainError
from skolsam.core.models import ChangeRecord
from skolsam.curriculum.models import Programme, Syllabus
from skolsam.grades.models import StudyPlan, StudyPlanContentType
from skolsam.grades.services import PlannedCourse, study_plan_set
from skolsam.people.models import Person
from skolsam.people.services import person_update
from skolsam.testing.factories import AuthorisationFactory, DutyFactory

START, END = date(2026, 8, 17), date(2029, 6, 15)
T = StudyPlanContentType


def course(code: str, name: str, points: int) -> Syllabus:
    syllabus, _ = Syllabus.objects.get_or_create(
        school_type="GY",
        subject_code=code[:6],
        course_code=code,
        defaults={"subject_name": name, "course_name": name, "points": points},
    )
    return syllabus


@dataclass
class Planned:
    world: Any
    na: Programme
    svenska: Syllabus
    matte: Syllabus
    fysik: Syllabus
    alva: StudyPlan
    elsa: StudyPlan
    maja: StudyPlan

    def actor(self, person: Any) -> Any:
        return actor_for_person(person.pk, on=today())


@pytest.fixture
def api(story_api: Api) -> Api:
    return story_api


@pytest.fixture
def planned(story: Any) -> Planned:
    na = Programme.objects.create(
        name="Naturvetenskapsprogrammet",
        type=ProgrammeType.HOGSKOLEFORBEREDANDE,
        school_type="GY",
        code="NA",
    )
    svenska = course("SVESVE01", "Svenska 1", 100)
    matte = course("MATMAT01c", "Matematik 1c", 100)
    fysik = course("FYSFYS01a", "Fysik 1a", 150)
    eva = actor_for_person(story.school_admin_at_scheeleskolan.pk, on=today())
    alva = study_plan_set(
        actor=eva,
        student=story.pupil_in_7b,
        organisation=story.scheeleskolan,
        start_date=START,
        end_date=END,
        programme=na,
        courses=[
            PlannedCourse(T.PROGRAMGEMENSAMMA, fysik, note="Läses åk 2"),
            PlannedCourse(T.GYMNASIEGEMENSAMMA, svenska),
            PlannedCourse(T.GYMNASIEGEMENSAMMA, matte, points=50, start_date=START),
        ],
    )
    syv = DutyFactory(duty_at=story.scheeleskolan, duty_role=DutyRole.SYV).person
    elsa = story.protected_pupil_in_7b
    AuthorisationFactory(person=elsa, staff=syv, reason="Elevens studie- och yrkesvägledare")
    elsa_plan = study_plan_set(
        actor=actor_for_person(syv.pk, on=today()),
        student=elsa,
        organisation=story.scheeleskolan,
        start_date=START,
        courses=[PlannedCourse(T.GYMNASIEGEMENSAMMA, svenska)],
    )
    arboga_rektor = DutyFactory(duty_at=story.gaddgardsskolan, duty_role=DutyRole.REKTOR).person
    maja = study_plan_set(
        actor=actor_for_person(arboga_rektor.pk, on=today()),
        student=story.pupil_in_arboga,
        organisation=story.gaddgardsskolan,
        start_date=date(2025, 8, 18),
        end_date=date(2026, 6, 12),
        courses=[PlannedCourse(T.INDIVIDUELLT_VAL, fysik)],
    )
    return Planned(story, na, svenska, matte, fysik, alva, elsa_plan, maja)


def ids(rows: list[dict]) -> set[str]:
    return {r["id"] for r in rows}


def test_a_study_plan_is_served_grouped_by_the_spec_s_content_types(
    api: Api, planned: Planned
) -> None:
    w = planned.world
    one = api.get(f"/studyplans/{planned.alva.pk}", {"expandReferenceNames": "true"})
    assert one["student"] == {
        "id": str(w.pupil_in_7b.pk),
        "displayName": w.pupil_in_7b.full_name,
        "securityMarking": "Ingen",
    }
    assert (one["startDate"], one["endDate"]) == ("2026-08-17", "2029-06-15")
    # Gymnasiegemensamma before Programgemensamma, as the spec's enum lists them.
    assert [c["type"] for c in one["content"]] == ["Gymnasiegemensamma", "Programgemensamma"]
    common, programme = one["content"]
    assert common["title"] == "Gymnasiegemensamma ämnen"
    # Matematik 1c planned with 50 points of its 100, Svenska 1 with the syllabus's 100.
    assert common["points"] == 150 and programme["points"] == 150
    assert {s["syllabus"]["displayName"] for s in common["syllabuses"]} == {
        "Svenska 1",
        "Matematik 1c",
    }
    assert programme["syllabuses"] == [
        {
            "syllabus": {"id": str(planned.fysik.pk), "displayName": "Fysik 1a"},
            "note": "Läses åk 2",
        }
    ]
    plain = api.get(f"/studyplans/{planned.alva.pk}")
    assert "displayName" not in plain["student"]
    assert AuditEntry.objects.filter(action="ss12000.read", object_type="StudyPlan").exists()
    api.get(f"/studyplans/{uuid.uuid4()}", status=404, check=False)
    api.get("/studyplans/inte-ett-id", status=400)


def test_setting_a_plan_again_replaces_it_moves_modified_and_is_recorded(
    api: Api, planned: Planned
) -> None:
    w = planned.world
    before = api.get(f"/studyplans/{planned.alva.pk}")
    again = study_plan_set(
        actor=planned.actor(w.rektor_at_scheeleskolan),
        student=w.pupil_in_7b,
        organisation=w.scheeleskolan,
        start_date=START,
        programme=planned.na,
        courses=[PlannedCourse(T.GYMNASIEARBETE, planned.fysik, points=100)],
    )
    assert again.pk == planned.alva.pk
    after = api.get(f"/studyplans/{planned.alva.pk}")
    assert "endDate" not in after
    assert after["content"] == [
        {
            "title": "Gymnasiearbete",
            "type": "Gymnasiearbete",
            "points": 100,
            "syllabuses": [{"syllabus": {"id": str(planned.fysik.pk)}}],
        }
    ]
    assert after["meta"]["modified"] > before["meta"]["modified"]
    newer = api.get("/studyplans", {"meta.modified.after": before["meta"]["modified"]})["data"]
    assert ids(newer) == {str(planned.alva.pk)}
    last = list(ChangeRecord.objects.filter(entity_type="StudyPlan").order_by("created_at"))[-1]
    assert last.entity_ids == [str(planned.alva.pk)]
    assert last.organisation_ids == [str(w.scheeleskolan.pk)]
    entry = AuditEntry.objects.filter(action="grades.study_plan_set").order_by("pk").last()
    assert entry is not None and entry.person_id == w.pupil_in_7b.pk


def test_only_the_unit_s_administrators_and_syv_set_a_plan(planned: Planned) -> None:
    w = planned.world

    def set_by(person: Any, pupil: Any = None) -> Any:
        return study_plan_set(
            actor=planned.actor(person),
            student=pupil or w.pupil_in_7b,
            organisation=w.scheeleskolan,
            start_date=START,
        )

    for outsider in (w.teacher_of_7b, w.teacher_in_arboga, w.central_admin_arboga):
        with pytest.raises(DomainError):
            set_by(outsider)
    # A SYV not named for Elsa does not reach her plan; Eva is not named for her either.
    other_syv = DutyFactory(duty_at=w.scheeleskolan, duty_role=DutyRole.SYV).person
    for person in (other_syv, w.school_admin_at_scheeleskolan):
        with pytest.raises(DomainError):
            set_by(person, w.protected_pupil_in_7b)
    set_by(other_syv)  # Alva's, without protected identity
    assert StudyPlan.objects.filter(student=w.pupil_in_7b).count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"end_date": date(2026, 1, 1)}, "end_date"),
        ({"courses": "twice"}, "courses"),
        ({"courses": "bad type"}, "courses"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    planned: Planned, change: dict, field: str
) -> None:
    w = planned.world
    kw: dict[str, Any] = {"start_date": START}
    if change.get("courses") == "twice":
        kw["courses"] = [
            PlannedCourse(T.GYMNASIEGEMENSAMMA, planned.svenska),
            PlannedCourse(T.INDIVIDUELLT_VAL, planned.svenska),
        ]
    elif change.get("courses") == "bad type":
        kw["courses"] = [PlannedCourse("Valfritt", planned.svenska)]
    else:
        kw.update(change)
    rows = StudyPlan.objects.get(pk=planned.alva.pk).courses.count()
    with pytest.raises(DomainError) as refused:
        study_plan_set(
            actor=system_actor("test"), student=w.pupil_in_7b, organisation=w.scheeleskolan, **kw
        )
    assert field in refused.value.message_dict
    assert StudyPlan.objects.get(pk=planned.alva.pk).courses.count() == rows == 3


def test_a_koping_client_sees_no_arboga_study_plan(api: Api, planned: Planned) -> None:
    maja = str(planned.maja.pk)
    assert maja not in ids(api.all_pages("/studyplans", {"limit": 1}))
    api.get(f"/studyplans/{maja}", status=404, check=False)
    # The lookup is Skolsam's, not the spec's: not validated against it.
    assert api.post("/studyplans/lookup", {"ids": [maja]}, check=False) == []
    assert api.get("/studyplans", {"student": str(planned.world.pupil_in_arboga.pk)})["data"] == []
    arboga, _ = make_client([planned.world.arboga], name="Arbogas lärplattform")
    assert ids(Api(token_for(arboga)).get("/studyplans")["data"]) == {maja}


def test_a_protected_pupil_s_plan_only_for_a_client_that_may_see_protected_data(
    api: Api, planned: Planned
) -> None:
    elsa = str(planned.elsa.pk)
    assert ids(api.get("/studyplans")["data"]) == {str(planned.alva.pk)}
    api.get(f"/studyplans/{elsa}", status=404, check=False)
    assert api.post("/studyplans/lookup", {"ids": [elsa]}, check=False) == []
    trusted, _ = make_client([planned.world.koping], name="Elevhälsa", allow_protected_data=True)
    reader = Api(token_for(trusted))
    assert reader.get(f"/studyplans/{elsa}")["student"]["securityMarking"] == (
        "Skyddad folkbokföring"
    )


def test_filters_sort_keys_and_pages(planned: Planned) -> None:
    w = planned.world
    both, _ = make_client([w.koping, w.arboga], name="Båda", allow_protected_data=True)
    api = Api(token_for(both))
    alva, elsa, maja = (str(p.pk) for p in (planned.alva, planned.elsa, planned.maja))
    assert ids(api.get("/studyplans", {"student": [str(w.pupil_in_7b.pk)]})["data"]) == {alva}
    two = {"student": [str(w.pupil_in_7b.pk), str(w.pupil_in_arboga.pk)]}
    assert ids(api.get("/studyplans", two)["data"]) == {alva, maja}
    assert ids(api.get("/studyplans", {"startDate.onOrAfter": "2026-01-01"})["data"]) == {
        alva,
        elsa,
    }
    assert ids(api.get("/studyplans", {"startDate.onOrBefore": "2026-01-01"})["data"]) == {maja}
    # A plan without an end date is always taken along by the endDate filters.
    assert ids(api.get("/studyplans", {"endDate.onOrAfter": "2027-01-01"})["data"]) == {
        alva,
        elsa,
    }
    assert ids(api.get("/studyplans", {"endDate.onOrBefore": "2027-01-01"})["data"]) == {
        elsa,
        maja,
    }
    api.get("/studyplans", {"startDate.onOrAfter": "igår"}, status=400)
    api.get("/studyplans", {"student": "inte-ett-id"}, status=400)
    order = {
        "StartDateAsc": [maja],
        "StartDateDesc": [],
        "EndDateAsc": [maja, alva, elsa],
        "EndDateDesc": [elsa, alva, maja],
    }
    for key, first in order.items():
        rows = [r["id"] for r in api.all_pages("/studyplans", {"sortkey": key, "limit": 1})]
        assert sorted(rows) == sorted([alva, elsa, maja])
        assert rows[: len(first)] == first
    rows = api.all_pages("/studyplans", {"sortkey": "ModifiedDesc", "limit": 2})
    assert sorted(r["id"] for r in rows) == sorted([alva, elsa, maja])
    api.get("/studyplans", {"sortkey": "startDateAsc"}, status=400)
    assert api.get("/studyplans", {"meta.created.before": "2000-01-01T00:00:00Z"})["data"] == []


def test_study_plans_are_read_only_and_need_their_scope(api: Api, planned: Planned) -> None:
    api.request("POST", "/studyplans", body={}, status=405, check=False)
    api.request("DELETE", f"/studyplans/{planned.alva.pk}", status=405, check=False)
    w = planned.world
    without, _ = make_client([w.koping], scopes=["persons:read"])
    Api(token_for(without)).get("/studyplans", status=403)
    with pytest.raises(DomainError):
        make_client([w.koping], scopes=["studyplans:read", "studyplans:write"])


def test_a_plan_set_reaches_koping_s_webhook_and_not_arboga_s(
    planned: Planned, settings: Any
) -> None:
    settings.SKOLSAM_SS12000_WEBHOOK_ALLOW_PRIVATE = True
    w = planned.world
    for organisation, name in ((w.koping, "Köping"), (w.arboga, "Arboga")):
        client, _ = make_client([organisation], name=name)
        Api(token_for(client)).post(
            "/subscriptions",
            {
                "name": f"studieplaner {name}",
                "target": "http://127.0.0.1:9/",
                "resourceTypes": [{"resource": "StudyPlan"}],
            },
            status=201,
        )
    ChangeRecord.objects.update(dispatched_at=timezone.now())
    study_plan_set(
        actor=planned.actor(w.school_admin_at_scheeleskolan),
        student=w.pupil_in_7b,
        organisation=w.scheeleskolan,
        start_date=START,
    )
    assert tasks.dispatch_changes.call() >= 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.subscription.client.name == "Köping"
    assert delivery.modified_entities == ["StudyPlan"] and not delivery.deleted_entities


def test_a_pupil_who_gets_protected_identity_leaves_the_clients_view_as_deleted(
    api: Api, planned: Planned
) -> None:
    since = timezone.now().isoformat()
    alva = str(planned.alva.pk)
    assert alva in ids(api.get("/studyplans")["data"])
    person_update(
        actor=system_actor("test"),
        person=Person.objects.get(pk=planned.world.pupil_in_7b.pk),
        security_marking=SecurityMarking.SKYDDAD_FOLKBOKFORING,
    )
    assert alva not in ids(api.get("/studyplans")["data"])
    gone = api.get("/deletedEntities", {"after": since, "entities": "StudyPlan"})["data"]
    assert gone["studyPlans"] == [alva]


def test_meta_filters_before_inclusive_after_exclusive(api: Api, planned: Planned) -> None:
    at = timezone.make_aware(datetime(2026, 9, 1, 12, 0))
    StudyPlan.objects.filter(pk=planned.alva.pk).update(created=at, modified=at)
    alva = str(planned.alva.pk)
    stamp = at.isoformat()
    for field in ("created", "modified"):
        assert alva in ids(api.get("/studyplans", {f"meta.{field}.before": stamp})["data"])
        assert alva not in ids(api.get("/studyplans", {f"meta.{field}.after": stamp})["data"])
        earlier = (at - timedelta(seconds=1)).isoformat()
        assert alva in ids(api.get("/studyplans", {f"meta.{field}.after": earlier})["data"])
