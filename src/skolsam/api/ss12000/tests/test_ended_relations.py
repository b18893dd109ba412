"""Relations that end by the calendar are recorded once, on the first request of a day."""

from __future__ import annotations

from datetime import timedelta

from skolsam.api.ss12000.tests.conftest import Api, Clock, World
from skolsam.core.access import system_actor
from skolsam.core.models import ChangeRecord, EndedRelationsRecorded, Tombstone
from skolsam.enrolment.models import Enrolment
from skolsam.enrolment.services import enrolment_end

SYSTEM = system_actor("test")


def _alva_leaves(world: World, clock: Clock, last_day_from_now: int) -> None:
    enrolment = Enrolment.objects.get(person=world.alva)
    enrolment_end(
        actor=SYSTEM,
        enrolment=enrolment,
        end_date=clock.today() + timedelta(days=last_day_from_now),
    )


def test_an_enrolment_ending_tonight_is_recorded_once_tomorrow(
    api: Api, world: World, clock: Clock
) -> None:
    api.get("/organisations")  # today's first request: nothing has ended yet
    _alva_leaves(world, clock, 0)
    assert any(p["id"] == str(world.alva.pk) for p in api.all_pages("/persons"))
    before = ChangeRecord.objects.count()
    clock.next_day()
    since = clock.now()
    persons = api.all_pages("/persons")
    assert str(world.alva.pk) not in {p["id"] for p in persons}
    # Recorded before the first answer of the day: Alva and Maria (her guardian) left.
    gone = api.get("/deletedEntities", {"after": since.isoformat()})["data"]
    assert set(gone["persons"]) == {str(world.alva.pk), str(world.maria.pk)}
    recorded = ChangeRecord.objects.count()
    assert recorded > before
    api.get("/persons")
    api.get("/groups")
    assert ChangeRecord.objects.count() == recorded, "the day was recorded twice"
    assert EndedRelationsRecorded.objects.get().through == clock.today() - timedelta(days=1)


def test_days_without_requests_are_caught_up(api: Api, world: World, clock: Clock) -> None:
    api.get("/organisations")
    _alva_leaves(world, clock, 1)  # her last day is tomorrow
    for _ in range(4):
        clock.next_day()  # a long weekend: nobody asks
    since_before_the_weekend = clock.moment - timedelta(days=4)
    gone = api.get("/deletedEntities", {"after": since_before_the_weekend.isoformat()})["data"]
    assert str(world.alva.pk) in gone["persons"]
    assert Tombstone.objects.filter(entity_id=world.alva.pk, left=True).exists()


def test_the_first_day_does_not_dig_up_the_past(api: Api, world: World, clock: Clock) -> None:
    # Alva's enrolment ended long ago, before Skolsam recorded ended relations at all:
    # the first request records yesterday's ends only, not the whole history.
    enrolment = Enrolment.objects.get(person=world.alva)
    Enrolment.objects.filter(pk=enrolment.pk).update(end_date=clock.today() - timedelta(days=30))
    api.get("/organisations")
    assert not Tombstone.objects.filter(entity_id=world.alva.pk).exists()
