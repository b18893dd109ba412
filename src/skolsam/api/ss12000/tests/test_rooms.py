"""Rooms (lokaler) and resources (resurser) in SS 12000: list, lookup, by id, filters,
sort keys, scope; and the rooms calendarEvents refer to.

The register is the story's (skolsam.testing.story): Scheeleskolan has the rooms A11 (32
seats) and B12 and a projector; Gäddgårdsskolan in Arboga has its own A11, which Köping's
client must never see.
"""

from __future__ import annotations

import uuid
from datetime import date, time
from typing import Any

import pytest

from skolsam.activities.models import Activity
from skolsam.api.ss12000.tests.conftest import Api, day_window, make_lesson
from skolsam.api.ss12000.tests.factories import make_client, token_for
from skolsam.audit.models import AuditEntry
from skolsam.core.access import system_actor
from skolsam.core.errors import DomainError
from skolsam.core.models import ChangeRecord
from skolsam.schedule.models import Room
from skolsam.schedule.services import lesson_move
from skolsam.schedule.services.rooms import resource_create, room_create

DAY = date(2026, 9, 14)


@pytest.fixture
def rooms(db: Any, story: Any) -> dict[str, Any]:
    actor = system_actor("test")
    return {
        "a11": room_create(actor=actor, owner=story.scheeleskolan, display_name="A11", seats=32),
        "b12": room_create(actor=actor, owner=story.scheeleskolan, display_name="B12"),
        "projector": resource_create(
            actor=actor, owner=story.scheeleskolan, display_name="Projektor"
        ),
        "arboga_a11": room_create(actor=actor, owner=story.gaddgardsskolan, display_name="A11"),
    }


def test_rooms_are_listed_looked_up_and_read_in_scope(
    story_api: Api, story: Any, rooms: dict[str, Any]
) -> None:
    listed = story_api.get("/rooms", {"sortkey": "DisplayNameAsc"})["data"]
    assert [(r["displayName"], r.get("seats")) for r in listed] == [("A11", 32), ("B12", None)]
    assert listed[0]["owner"]["id"] == str(story.scheeleskolan.pk)
    one = story_api.get(f"/rooms/{rooms['a11'].pk}", {"expandReferenceNames": "true"})
    assert one["owner"]["displayName"] == "Scheeleskolan"
    found = story_api.post(
        "/rooms/lookup", {"ids": [str(rooms["b12"].pk), str(rooms["arboga_a11"].pk)]}
    )
    assert [r["id"] for r in found] == [str(rooms["b12"].pk)]
    story_api.get(f"/rooms/{rooms['arboga_a11'].pk}", status=404, check=False)
    story_api.get(f"/rooms/{uuid.uuid4()}", status=404, check=False)
    assert story_api.get("/rooms", {"organisation": str(story.gaddgardsskolan.pk)})["data"] == []
    assert len(story_api.get("/rooms", {"organisation": str(story.koping.pk)})["data"]) == 2
    newest = story_api.get("/rooms", {"sortkey": "ModifiedDesc", "limit": 1})
    assert newest["data"][0]["id"] == str(rooms["b12"].pk) and newest["pageToken"]
    story_api.get("/rooms", {"sortkey": "SeatsDesc"}, status=400)
    assert AuditEntry.objects.filter(action="ss12000.read", object_type="Room").exists()


def test_resources_are_listed_looked_up_and_read_in_scope(
    story_api: Api, story: Any, rooms: dict[str, Any]
) -> None:
    listed = story_api.get("/resources", {"sortkey": "DisplayNameAsc"})["data"]
    assert [r["displayName"] for r in listed] == ["Projektor"]
    assert story_api.get(f"/resources/{rooms['projector'].pk}")["displayName"] == "Projektor"
    assert story_api.post("/resources/lookup", {"ids": [str(rooms["projector"].pk)]})
    assert (
        story_api.get("/resources", {"organisation": str(story.gaddgardsskolan.pk)})["data"] == []
    )


def test_reading_rooms_needs_their_scope(story: Any, rooms: dict[str, Any]) -> None:
    client, _ = make_client([story.koping], scopes=["persons:read"])
    reader = Api(token_for(client))
    reader.get("/rooms", status=403)
    reader.get("/resources", status=403)


def test_a_lesson_refers_to_its_room(story_api: Api, story: Any, rooms: dict[str, Any]) -> None:
    lesson = make_lesson(Activity.objects.get(display_name="Matematik 7B"), DAY)
    lesson_move(
        actor=system_actor("test"),
        lesson=lesson,
        day=DAY,
        start=lesson.start_time.astimezone().time(),
        end=lesson.end_time.astimezone().time(),
        room="B12",
    )
    page = story_api.get("/calendarEvents", {**day_window(DAY), "expandReferenceNames": "true"})
    assert page["data"][0]["rooms"] == [{"id": str(rooms["b12"].pk), "displayName": "B12"}]
    # A room name the unit had not listed becomes a room of its own, recorded as a change.
    lesson.refresh_from_db()
    lesson_move(
        actor=system_actor("test"),
        lesson=lesson,
        day=DAY,
        start=lesson.start_time.astimezone().time(),
        end=lesson.end_time.astimezone().time(),
        room="Aulan",
    )
    aulan = Room.objects.get(owner=story.scheeleskolan, display_name="Aulan")
    assert story_api.get("/calendarEvents", day_window(DAY))["data"][0]["rooms"] == [
        {"id": str(aulan.pk)}
    ]
    assert ChangeRecord.objects.filter(entity_type="Room", entity_ids=[str(aulan.pk)]).exists()


def test_room_services_refuse_what_is_not_a_room(story: Any, rooms: dict[str, Any]) -> None:
    actor = system_actor("test")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"display_name": "A11"}, "display_name"),
        ({"display_name": "  "}, "display_name"),
        ({"display_name": "Sal\x07"}, "display_name"),
        ({"display_name": "x" * 41}, "display_name"),
        ({"display_name": "C1", "seats": 0}, "seats"),
        ({"display_name": "C1", "seats": 10**9}, "seats"),
    ]
    for kwargs, field in cases:
        with pytest.raises(DomainError) as refused:
            room_create(actor=actor, owner=story.scheeleskolan, **kwargs)
        assert field in refused.value.message_dict
    with pytest.raises(DomainError):
        room_create(actor=actor, owner=story.koping, display_name="Stadshuset")
    assert Room.objects.count() == 3


@pytest.mark.unrecorded_writes  # a migration writes the rooms, as it writes any data
def test_the_migration_makes_a_room_of_every_room_name_and_takes_them_back(
    db: Any, story: Any
) -> None:
    import importlib

    from django.apps import apps

    migration = importlib.import_module("skolsam.schedule.migrations.0003_rooms_from_room_names")
    for at, room in (("08:00", "B12"), ("10:00", "B12"), ("12:00", ""), ("14:00", "Aulan")):
        lesson = make_lesson(
            Activity.objects.get(display_name="Matematik 7B"), DAY, time.fromisoformat(at)
        )
        lesson.room = room
        lesson.save(update_fields=["room"])
    arboga = make_lesson(Activity.objects.get(display_name="Engelska 8A"), DAY)
    arboga.room = "B12"
    arboga.save(update_fields=["room"])
    migration.rooms_from_names(apps, None)
    migration.rooms_from_names(apps, None)  # run twice: nothing doubled
    assert sorted(Room.objects.values_list("owner_id", "display_name")) == sorted(
        [
            (story.scheeleskolan.pk, "Aulan"),
            (story.scheeleskolan.pk, "B12"),
            (story.gaddgardsskolan.pk, "B12"),
        ]
    )
    migration.rooms_removed(apps, None)
    assert not Room.objects.exists()
