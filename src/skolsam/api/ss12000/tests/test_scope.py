"""A client of Köping sees nothing of Arboga, whichever way it asks."""

from __future__ import annotations

from datetime import date

from skolsam.api.ss12000.tests.conftest import Api, day_window, make_lesson
from skolsam.testing.factories import (
    EnrolmentFactory,
    GroupFactory,
    MembershipFactory,
    SchoolUnitFactory,
)

DAY = date(2026, 9, 14)


def _ids(rows: list[dict]) -> set[str]:
    return {row["id"] for row in rows}


def test_persons_list_holds_koping_and_not_arboga(api: Api, world) -> None:
    ids = _ids(api.all_pages("/persons", {"limit": 2}))
    assert {str(world.alva.pk), str(world.saga.pk), str(world.maria.pk), str(world.erik.pk)} <= ids
    assert str(world.hugo.pk) not in ids
    assert str(world.hugo_mother.pk) not in ids


def test_arboga_by_id_is_not_found(api: Api, world) -> None:
    api.get(f"/persons/{world.hugo.pk}", status=404)
    api.get(f"/groups/{world.klass_8b.pk}", status=404)
    api.get(f"/organisations/{world.gaddgard.pk}", status=404)
    api.get(f"/duties/{world.arboga_teacher_duty.pk}", status=404)
    api.get(f"/activities/{world.arboga_activity.pk}", status=404)


def test_lookups_leave_arboga_out(api: Api, world) -> None:
    persons = api.post(
        "/persons/lookup",
        {"ids": [str(world.hugo.pk), str(world.alva.pk)], "civicNos": [world.hugo.civic_no]},
    )
    assert _ids(persons) == {str(world.alva.pk)}
    groups = api.post("/groups/lookup", {"ids": [str(world.klass_8b.pk), str(world.klass_7a.pk)]})
    assert _ids(groups) == {str(world.klass_7a.pk)}
    orgs = api.post(
        "/organisations/lookup",
        {"schoolUnitCodes": [world.gaddgard.school_unit_code, world.karlberg.school_unit_code]},
    )
    assert _ids(orgs) == {str(world.karlberg.pk)}
    activities = api.post("/activities/lookup", {"members": [str(world.hugo.pk)]})
    assert activities == []


def test_lists_of_every_resource_stay_in_koping(api: Api, world) -> None:
    arboga = {
        str(x.pk)
        for x in (
            world.arboga,
            world.gaddgard,
            world.klass_8b,
            world.hugo,
            world.arboga_teacher_duty,
            world.arboga_activity,
        )
    }
    for path in ("/organisations", "/groups", "/duties", "/activities", "/placements"):
        assert not _ids(api.all_pages(path)) & arboga, path


def test_expand_does_not_reach_arboga(api: Api, world) -> None:
    # Maria's guardian links and Erik's duties expand only into Köping.
    persons = api.get(
        "/persons",
        {
            "expand": ["duties", "responsibleFor", "groupMemberships"],
            "expandReferenceNames": "true",
        },
    )["data"]
    text = str(persons)
    for pk in (world.hugo.pk, world.klass_8b.pk, world.gaddgard.pk, world.arboga_teacher_duty.pk):
        assert str(pk) not in text
    groups = api.get("/groups", {"expand": ["assignmentRoles"]})["data"]
    assert str(world.arboga_teacher_duty.pk) not in str(groups)


def test_without_token_nothing_is_answered(world) -> None:
    anonymous = Api(None)
    body = anonymous.get("/persons", status=401)
    assert body["code"] == "Unauthorized"
    assert Api("not-a-jwt").get("/persons", status=401)["message"]


def test_relationship_filter_stays_in_scope_and_out_of_history(api: Api, world) -> None:
    # Alva went to Gäddgårdsskolan in Arboga, then to Köping's Malmaskolan, before
    # Karlbergsskolan. Köping's client learns neither: Arboga is not its business, and
    # ended enrolments are history the API does not hand out.
    malmaskolan = SchoolUnitFactory(parent=world.koping, display_name="Malmaskolan")
    for school, start in ((world.gaddgard, date(2023, 8, 17)), (malmaskolan, date(2025, 8, 18))):
        EnrolmentFactory(
            person=world.alva, enroled_at=school, start_date=start, end_date=date(2026, 6, 12)
        )
        group = GroupFactory(organisation=school, start_date=start, end_date=date(2026, 6, 12))
        MembershipFactory(
            person=world.alva, group=group, start_date=start, end_date=date(2026, 6, 12)
        )
    for school in (world.gaddgard, malmaskolan):
        for kind in ("enrolment", "groupMembership", None):
            query = {"relationship.organisation": str(school.pk)}
            if kind:
                query["relationship.entity.type"] = kind
            assert api.get("/persons", query)["data"] == [], (school.display_name, kind)
    now = {"relationship.organisation": str(world.karlberg.pk)}
    assert str(world.alva.pk) in _ids(api.get("/persons", now)["data"])
    # Nor do the other resources' organisation filters reach Arboga.
    assert api.get("/activities", {"organisation": str(world.gaddgard.pk)})["data"] == []
    assert api.get("/groups", {"organisation": str(world.gaddgard.pk)})["data"] == []
    assert api.get("/duties", {"organisation": str(world.gaddgard.pk)})["data"] == []
    assert api.get("/placements", {"organisation": str(world.gaddgard.pk)})["data"] == []


def test_filters_by_a_person_of_another_municipality_find_nothing(api: Api, world) -> None:
    make_lesson(world.arboga_activity, DAY)
    hugo = str(world.hugo.pk)
    assert api.get("/activities", {"member": hugo})["data"] == []
    assert api.get("/activities", {"teacher": str(world.arboga_teacher_duty.pk)})["data"] == []
    assert api.get("/calendarEvents", {**day_window(DAY), "student": hugo})["data"] == []
    assert api.get("/duties", {"person": str(world.arboga_teacher_duty.person_id)})["data"] == []
