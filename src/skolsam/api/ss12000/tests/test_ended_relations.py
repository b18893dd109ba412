"""Relations that end by the calendar are recorded once, on the first request of a day.

The register is the story's (skolsam.testing.story): Alva leaves Scheeleskolan, and with
her Karin, her guardian, and Mats, her annan ansvarig, leave Köping's client's view.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from skolsam.api.ss12000.tests.conftest import Api, Clock
from skolsam.core.access import system_actor
from skolsam.core.models import ChangeRecord, EndedRelationsRecorded, Tombstone
from skolsam.enrolment.models import Enrolment
from skolsam.enrolment.services import enrolment_end

SYSTEM = system_actor("test")


def _alva_leaves(story: Any, clock: Clock, last_day_from_now: int) -> None:
    enrolment = Enrolment.objects.get(person=story.pupil_in_7b)
    enrolment_end(
        actor=SYSTEM,
        enrolment=enrolment,
        end_date=clock.today() + timedelta(days=last_day_from_now),
    )


def test_an_enrolment_ending_tonight_is_recorded_once_tomorrow(
    story_api: Api, story: Any, clock: Clock
) -> None:
    story_api.get("/organisations")  # today's first request: nothing has ended yet
    _alva_leaves(story, clock, 0)
    assert any(p["id"] == str(story.pupil_in_7b.pk) for p in story_api.all_pages("/persons"))
    before = ChangeRecord.objects.count()
    clock.next_day()
    since = clock.now()
    persons = story_api.all_pages("/persons")
    assert str(story.pupil_in_7b.pk) not in {p["id"] for p in persons}
    # Recorded before the first answer of the day: Alva left, and so did the adults Köping
    # knew only through her, Karin (her guardian) and Mats (her annan ansvarig). Johan, whose
    # custody ended in June, is named too, though the client has not seen him since then:
    # a child's change is recorded for every adult ever linked to her (person_change_record).
    gone = story_api.get("/deletedEntities", {"after": since.isoformat()})["data"]
    adults = (
        story.guardian_of_pupil_in_7b,
        story.other_responsible_of_pupil_in_7b,
        story.guardian_whose_custody_ended,
    )
    assert set(gone["persons"]) == {str(story.pupil_in_7b.pk), *(str(a.pk) for a in adults)}
    recorded = ChangeRecord.objects.count()
    assert recorded > before
    story_api.get("/persons")
    story_api.get("/groups")
    assert ChangeRecord.objects.count() == recorded, "the day was recorded twice"
    assert EndedRelationsRecorded.objects.get().through == clock.today() - timedelta(days=1)


def test_days_without_requests_are_caught_up(story_api: Api, story: Any, clock: Clock) -> None:
    story_api.get("/organisations")
    _alva_leaves(story, clock, 1)  # her last day is tomorrow
    for _ in range(4):
        clock.next_day()  # a long weekend: nobody asks
    since_before_the_weekend = clock.moment - timedelta(days=4)
    gone = story_api.get("/deletedEntities", {"after": since_before_the_weekend.isoformat()})[
        "data"
    ]
    assert str(story.pupil_in_7b.pk) in gone["persons"]
    assert Tombstone.objects.filter(entity_id=story.pupil_in_7b.pk, left=True).exists()


def test_the_first_day_does_not_dig_up_the_past(story_api: Api, story: Any, clock: Clock) -> None:
    # Alva's enrolment ended long ago, before Skolsam recorded ended relations at all:
    # the first request records yesterday's ends only, not the whole history.
    enrolment = Enrolment.objects.get(person=story.pupil_in_7b)
    Enrolment.objects.filter(pk=enrolment.pk).update(end_date=clock.today() - timedelta(days=30))
    story_api.get("/organisations")
    assert not Tombstone.objects.filter(entity_id=story.pupil_in_7b.pk).exists()
