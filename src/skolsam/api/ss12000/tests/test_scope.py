"""A client of Köping sees nothing of Arboga, whichever way it asks."""

from __future__ import annotations

from skolsam.api.ss12000.tests.conftest import Api


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
