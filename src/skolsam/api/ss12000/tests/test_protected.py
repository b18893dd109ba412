"""A protected pupil's location never leaves without an explicit authorisation."""

from __future__ import annotations

from skolsam.api.ss12000.tests.conftest import Api
from skolsam.api.ss12000.tests.factories import make_client, token_for
from skolsam.audit.models import AuditEntry


def _by_id(rows: list[dict]) -> dict[str, dict]:
    return {row["id"]: row for row in rows}


def test_protected_pupil_is_delivered_without_location(api: Api, world) -> None:
    everyone = api.get(
        "/persons",
        {"expand": ["groupMemberships", "placements", "duties", "responsibleFor"]},
    )["data"]
    saga = _by_id(everyone)[str(world.saga.pk)]
    assert saga["securityMarking"] == "Skyddad folkbokföring"
    for hidden in ("addresses", "phoneNumbers", "photo", "enrolments", "responsibles"):
        assert hidden not in saga
    assert saga["emails"] == [{"type": "Skola elev", "value": "saga.lind@elev.koping.se"}]
    assert saga["_embedded"]["groupMemberships"] == []
    assert saga["civicNo"]["value"] == world.saga.civic_no

    alva = _by_id(everyone)[str(world.alva.pk)]
    assert alva["addresses"] and alva["enrolments"]
    assert alva["_embedded"]["groupMemberships"][0]["group"]["id"] == str(world.klass_7a.pk)


def test_protected_pupil_is_not_in_class_lists(api: Api, world) -> None:
    group = api.get(f"/groups/{world.klass_7a.pk}")
    members = {m["person"]["id"] for m in group["groupMemberships"]}
    assert str(world.alva.pk) in members
    assert str(world.saga.pk) not in members
    one = api.get(f"/persons/{world.saga.pk}", {"expand": ["groupMemberships"]})
    assert "addresses" not in one and one["_embedded"]["groupMemberships"] == []
    looked_up = api.post("/persons/lookup", {"ids": [str(world.saga.pk)]})
    assert "addresses" not in looked_up[0] and "enrolments" not in looked_up[0]


def test_relationship_filter_does_not_reveal_the_school(api: Api, world) -> None:
    # Nor can the client find out where she is by filtering on her group or school.
    found = api.get(
        "/persons",
        {
            "relationship.entity.type": "enrolment",
            "relationship.organisation": str(world.karlberg.pk),
        },
    )["data"]
    assert str(world.saga.pk) in {p["id"] for p in found}
    saga = _by_id(found)[str(world.saga.pk)]
    assert "enrolments" not in saga


def test_authorised_client_sees_the_location(world) -> None:
    client, _ = make_client([world.koping], name="Elevhälsans journal", allow_protected_data=True)
    api = Api(token_for(client))
    saga = api.get(f"/persons/{world.saga.pk}")
    assert saga["addresses"] and saga["enrolments"] and saga["photo"]
    group = api.get(f"/groups/{world.klass_7a.pk}")
    assert str(world.saga.pk) in {m["person"]["id"] for m in group["groupMemberships"]}


def test_every_read_is_audit_logged_with_rows(api: Api, world) -> None:
    api.get("/persons", {"limit": 3})
    entry = AuditEntry.objects.filter(action="ss12000.read", object_type="Person").latest("id")
    assert entry.detail["rows"] == 3
    assert entry.detail["client"]
    assert "Köpings lärplattform" in entry.actor_label
    api.get(f"/persons/{world.saga.pk}")
    entry = AuditEntry.objects.filter(action="ss12000.read").latest("id")
    assert entry.person_id == world.saga.pk
    assert entry.detail["protected"] == 1
