"""Paging: limit, opaque pageToken, keysets that hold while data changes, meta filters."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from skolsam.api.ss12000.tests.conftest import Api
from skolsam.people.models import Person
from skolsam.testing.factories import EnrolmentFactory, PupilFactory


@pytest.mark.parametrize(
    "sortkey", ["", "FamilyNameAsc", "GivenNameDesc", "CivicNoAsc", "ModifiedDesc"]
)
def test_paging_survives_inserts_between_pages(api: Api, world, sortkey: str) -> None:
    for i in range(7):
        EnrolmentFactory(person=PupilFactory(given_name=f"Elev{i}"), enroled_at=world.karlberg)
    before = {p.pk for p in Person.objects.all()} - {world.hugo.pk, world.hugo_mother.pk}
    before -= {world.arboga_teacher_duty.person_id}
    query = {"limit": 3, **({"sortkey": sortkey} if sortkey else {})}
    page = api.get("/persons", query)
    seen = [p["id"] for p in page["data"]]
    inserted = []
    while page["pageToken"]:
        # Someone enrols two new pupils while the client is paging.
        for _ in range(2):
            pupil: Any = PupilFactory(given_name="Ny", family_name="Elev")
            EnrolmentFactory(person=pupil, enroled_at=world.karlberg)
            inserted.append(str(pupil.pk))
        page = api.get("/persons", {"pageToken": page["pageToken"], "limit": 3})
        seen += [p["id"] for p in page["data"]]
        assert len(seen) < 200
    assert len(seen) == len(set(seen)), "a row came twice"
    assert {str(pk) for pk in before} <= set(seen), "a row that was there all along was skipped"
    assert set(seen) - {str(pk) for pk in before} <= set(inserted)


def test_page_token_with_a_filter_is_a_400(api: Api, world) -> None:
    token = api.get("/persons", {"limit": 1})["pageToken"]
    for extra in (
        {"sortkey": "ModifiedDesc"},
        {"nameContains": "a"},
        {"meta.modified.after": "2020-01-01T00:00:00Z"},
    ):
        body = api.get("/persons", {"pageToken": token, **extra}, status=400)
        assert body["code"] == "PageTokenWithFilter"
    assert api.get("/groups", {"pageToken": "garbage"}, status=400)["code"] == "InvalidPageToken"
    # A token for one endpoint does not work on another.
    assert api.get("/groups", {"pageToken": token}, status=400)["code"] == "InvalidPageToken"


def test_no_page_token_after_the_last_page(api: Api, world) -> None:
    page = api.get("/groups", {"limit": 1000})
    assert page["pageToken"] is None


def test_meta_before_is_inclusive_and_after_exclusive(api: Api, world) -> None:
    moment = timezone.now().replace(microsecond=0) - timedelta(days=1)
    Person.objects.filter(pk=world.alva.pk).update(modified=moment, created=moment)
    stamp = moment.isoformat()

    def ids(query: dict) -> set[str]:
        return {p["id"] for p in api.all_pages("/persons", query)}

    assert str(world.alva.pk) in ids({"meta.modified.before": stamp})
    assert str(world.alva.pk) not in ids({"meta.modified.after": stamp})
    assert str(world.alva.pk) in ids({"meta.created.before": stamp})
    assert str(world.alva.pk) not in ids({"meta.created.after": stamp})
    earlier = (moment - timedelta(seconds=1)).isoformat()
    assert str(world.alva.pk) in ids({"meta.modified.after": earlier})
    assert str(world.alva.pk) not in ids({"meta.modified.before": earlier})
    assert api.get("/persons", {"meta.modified.after": "igår"}, status=400)["code"] == "BadRequest"


def test_bad_parameters_are_400_with_error_body(api: Api, world) -> None:
    assert api.get("/persons", {"limit": 0}, status=400)["code"] == "BadRequest"
    assert api.get("/persons", {"sortkey": "Nope"}, status=400)
    assert api.get("/persons", {"expand": "everything"}, status=400)
    assert api.get("/groups", {"groupType": "Fotbollslag"}, status=400)
    assert api.get("/persons/not-a-uuid", status=400)


def test_a_timestamp_without_a_time_zone_is_refused_with_the_reason(api: Api, world) -> None:
    """RFC 3339 date-times carry an offset; a naive one is a 400, not a guess."""
    refused = api.get("/persons", {"meta.modified.after": "2026-09-01T08:00:00"}, status=400)
    assert refused["code"] == "BadRequest" and "tidszon" in refused["message"]
    api.get("/persons", {"meta.modified.after": "2026-09-01T08:00:00Z"})
    api.get("/persons", {"meta.modified.after": "2026-09-01T10:00:00+02:00"})


def test_odd_but_valid_input_is_no_server_error(api: Api, world) -> None:
    # Found by Schemathesis on PostgreSQL: offsets beyond ±15:59 and NUL characters.
    api.get("/activities", {"meta.modified.after": "1668-08-26T22:09:27-18:09"})
    assert api.get("/persons", {"nameContains": "a\x00b"}, status=400)["code"] == "BadRequest"
    assert api.post("/schoolUnitOfferings/lookup", {"ids": ["\x00"]}, status=400)
