"""Paging: limit, opaque pageToken, keysets that hold while data changes, meta filters.

The register is the story's (skolsam.testing.story); the pupils the tests add go to
Scheeleskolan.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from skolsam.api.ss12000.models import PageSnapshot, PageSnapshotRow
from skolsam.api.ss12000.paging import TOKEN_SALT
from skolsam.api.ss12000.tasks import prune_page_snapshots
from skolsam.api.ss12000.tests.conftest import Api
from skolsam.api.ss12000.tests.factories import make_client, token_for
from skolsam.core.access import system_actor
from skolsam.core.choices import SecurityMarking
from skolsam.people.models import Person
from skolsam.people.services import person_update
from skolsam.testing.factories import EnrolmentFactory, GroupFactory, PupilFactory


@pytest.mark.parametrize(
    "sortkey", ["", "FamilyNameAsc", "GivenNameDesc", "CivicNoAsc", "ModifiedDesc"]
)
def test_paging_survives_inserts_between_pages(story_api: Api, story: Any, sortkey: str) -> None:
    for i in range(7):
        EnrolmentFactory(person=PupilFactory(given_name=f"Elev{i}"), enroled_at=story.scheeleskolan)
    # Everyone in the register but Arboga's people, Johan, whose custody of Alva ended, and
    # Lena, whose one link to Köping is a child with skyddad folkbokföring.
    not_koping = (
        story.guardian_of_protected_pupil,
        story.pupil_in_arboga,
        story.koping_resident_at_arboga,
        story.teacher_in_arboga,
        story.central_admin_arboga,
        story.guardian_whose_custody_ended,
    )
    before = {p.pk for p in Person.objects.all()} - {p.pk for p in not_koping}
    query = {"limit": 3, **({"sortkey": sortkey} if sortkey else {})}
    page = story_api.get("/persons", query)
    seen = [p["id"] for p in page["data"]]
    inserted = []
    while page["pageToken"]:
        # Someone enrols two new pupils while the client is paging.
        for _ in range(2):
            pupil: Any = PupilFactory(given_name="Ny", family_name="Elev")
            EnrolmentFactory(person=pupil, enroled_at=story.scheeleskolan)
            inserted.append(str(pupil.pk))
        page = story_api.get("/persons", {"pageToken": page["pageToken"], "limit": 3})
        seen += [p["id"] for p in page["data"]]
        assert len(seen) < 200
    assert len(seen) == len(set(seen)), "a row came twice"
    assert {str(pk) for pk in before} <= set(seen), "a row that was there all along was skipped"
    assert set(seen) - {str(pk) for pk in before} <= set(inserted)


def test_page_token_with_a_filter_is_a_400(story_api: Api, story: Any) -> None:
    token = story_api.get("/persons", {"limit": 1})["pageToken"]
    for extra in (
        {"sortkey": "ModifiedDesc"},
        {"nameContains": "a"},
        {"meta.modified.after": "2020-01-01T00:00:00Z"},
    ):
        body = story_api.get("/persons", {"pageToken": token, **extra}, status=400)
        assert body["code"] == "PageTokenWithFilter"
    assert (
        story_api.get("/groups", {"pageToken": "garbage"}, status=400)["code"] == "InvalidPageToken"
    )
    # A token for one endpoint does not work on another.
    assert story_api.get("/groups", {"pageToken": token}, status=400)["code"] == "InvalidPageToken"


def test_no_page_token_after_the_last_page(story_api: Api, story: Any) -> None:
    page = story_api.get("/groups", {"limit": 1000})
    assert page["pageToken"] is None


def test_meta_before_is_inclusive_and_after_exclusive(story_api: Api, story: Any) -> None:
    moment = timezone.now().replace(microsecond=0) - timedelta(days=1)
    Person.objects.filter(pk=story.pupil_in_7b.pk).update(modified=moment, created=moment)
    stamp = moment.isoformat()

    def ids(query: dict) -> set[str]:
        return {p["id"] for p in story_api.all_pages("/persons", query)}

    assert str(story.pupil_in_7b.pk) in ids({"meta.modified.before": stamp})
    assert str(story.pupil_in_7b.pk) not in ids({"meta.modified.after": stamp})
    assert str(story.pupil_in_7b.pk) in ids({"meta.created.before": stamp})
    assert str(story.pupil_in_7b.pk) not in ids({"meta.created.after": stamp})
    earlier = (moment - timedelta(seconds=1)).isoformat()
    assert str(story.pupil_in_7b.pk) in ids({"meta.modified.after": earlier})
    assert str(story.pupil_in_7b.pk) not in ids({"meta.modified.before": earlier})
    assert (
        story_api.get("/persons", {"meta.modified.after": "igår"}, status=400)["code"]
        == "BadRequest"
    )


def test_bad_parameters_are_400_with_error_body(story_api: Api, story: Any) -> None:
    assert story_api.get("/persons", {"limit": 0}, status=400)["code"] == "BadRequest"
    assert story_api.get("/persons", {"sortkey": "Nope"}, status=400)
    assert story_api.get("/persons", {"expand": "everything"}, status=400)
    assert story_api.get("/groups", {"groupType": "Fotbollslag"}, status=400)
    assert story_api.get("/persons/not-a-uuid", status=400)


def test_a_timestamp_without_a_time_zone_is_refused_with_the_reason(
    story_api: Api, story: Any
) -> None:
    """RFC 3339 date-times carry an offset; a naive one is a 400, not a guess."""
    refused = story_api.get("/persons", {"meta.modified.after": "2026-09-01T08:00:00"}, status=400)
    assert refused["code"] == "BadRequest" and "tidszon" in refused["message"]
    story_api.get("/persons", {"meta.modified.after": "2026-09-01T08:00:00Z"})
    story_api.get("/persons", {"meta.modified.after": "2026-09-01T10:00:00+02:00"})


def test_odd_but_valid_input_is_no_server_error(story_api: Api, story: Any) -> None:
    # Found by Schemathesis on PostgreSQL: offsets beyond ±15:59 and NUL characters.
    story_api.get("/activities", {"meta.modified.after": "1668-08-26T22:09:27-18:09"})
    assert story_api.get("/persons", {"nameContains": "a\x00b"}, status=400)["code"] == "BadRequest"
    assert story_api.post("/schoolUnitOfferings/lookup", {"ids": ["\x00"]}, status=400)


# --- sort keys that change: the crawl pages through a snapshot (issue 10) ---------------


def _crawl(api: Api, path: str, query: dict, between: Any = None) -> list[dict]:
    """Crawl `path`; call `between(page_number)` before asking for each next page."""
    page = api.get(path, query)
    rows = list(page["data"])
    number = 1
    while page["pageToken"]:
        if between is not None:
            between(number)
        number += 1
        page = api.get(path, {"pageToken": page["pageToken"], "limit": query["limit"]})
        rows += page["data"]
    return rows


def _pupils_at_scheeleskolan(story: Any, *names: tuple[str, str]) -> list[Any]:
    pupils = []
    for given, family in names:
        pupil: Any = PupilFactory(given_name=given, family_name=family)
        EnrolmentFactory(person=pupil, enroled_at=story.scheeleskolan)
        pupils.append(pupil)
    return pupils


def test_a_record_modified_between_pages_is_served_once_under_modified_desc(
    story_api: Api, story: Any
) -> None:
    """Bo, last in ModifiedDesc order, is renamed while the client reads the first page."""
    _pupils_at_scheeleskolan(story, ("Ada", "Ek"), ("Cilla", "Ek"), ("Dan", "Ek"))
    bo = Person.objects.get(pk=_pupils_at_scheeleskolan(story, ("Bo", "Ek"))[0].pk)
    long_ago = timezone.now() - timedelta(days=30)
    Person.objects.filter(pk=bo.pk).update(modified=long_ago)

    def rename(page: int) -> None:
        if page == 1:
            person_update(actor=system_actor("test"), person=bo, given_name="Bosse")

    rows = _crawl(story_api, "/persons", {"sortkey": "ModifiedDesc", "limit": 2}, rename)
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids))
    assert ids.count(str(bo.pk)) == 1, "the modified record moved past the cursor"
    assert next(r for r in rows if r["id"] == str(bo.pk))["givenName"] == "Bosse"


@pytest.mark.parametrize("sortkey", ["DisplayNameAsc", "FamilyNameAsc", "GivenNameDesc"])
def test_a_record_renamed_between_pages_is_served_once(
    story_api: Api, story: Any, sortkey: str
) -> None:
    """Öberg moves to the front and Abbe to the back while the client is on page one."""
    abbe, *_, oberg = _pupils_at_scheeleskolan(
        story, ("Abbe", "Abrahamsson"), ("Bea", "Berg"), ("Cia", "Cederlund"), ("Örjan", "Öberg")
    )

    def rename(page: int) -> None:
        if page == 1:
            person_update(
                actor=system_actor("test"), person=oberg, given_name="Aron", family_name="Aalto"
            )
            person_update(
                actor=system_actor("test"), person=abbe, given_name="Östen", family_name="Östlund"
            )

    rows = _crawl(story_api, "/persons", {"sortkey": sortkey, "limit": 2}, rename)
    ids = [row["id"] for row in rows]
    assert ids.count(str(oberg.pk)) == 1
    assert ids.count(str(abbe.pk)) == 1
    assert len(ids) == len(set(ids))


def test_a_pupil_protected_between_pages_is_never_served(story_api: Api, story: Any) -> None:
    *_, oberg = _pupils_at_scheeleskolan(
        story, ("Abbe", "A"), ("Bea", "B"), ("Cia", "C"), ("Ove", "Ö")
    )

    def protect(page: int) -> None:
        if page == 1:
            Person.objects.filter(pk=oberg.pk).update(
                security_marking=SecurityMarking.SKYDDAD_FOLKBOKFORING
            )

    client = Api(token_for(make_client([story.scheeleskolan], name="Scheeleskolans schema")[0]))
    rows = _crawl(client, "/persons", {"sortkey": "FamilyNameAsc", "limit": 2}, protect)
    assert str(oberg.pk) not in {row["id"] for row in rows}


def test_names_sort_in_swedish_order(story_api: Api, story: Any) -> None:
    """Å, Ä and Ö come after Z; case does not decide before the letters do."""
    for name in ("TE26A Teknik", "Zelda", "Åsa", "TE26A mentorsgrupp", "Ärla", "ada"):
        GroupFactory(organisation=story.scheeleskolan, display_name=name)
    names = [
        g["displayName"] for g in story_api.get("/groups", {"sortkey": "DisplayNameAsc"})["data"]
    ]
    ours = [
        n
        for n in names
        if n in {"TE26A Teknik", "Zelda", "Åsa", "TE26A mentorsgrupp", "Ärla", "ada"}
    ]
    assert ours == ["ada", "TE26A mentorsgrupp", "TE26A Teknik", "Zelda", "Åsa", "Ärla"]
    _pupils_at_scheeleskolan(story, ("Åsa", "Öst"), ("Zelda", "Zetterberg"), ("åke", "Ärlig"))
    persons = story_api.all_pages("/persons", {"sortkey": "GivenNameAsc", "limit": 2})
    given = [p["givenName"] for p in persons if p["givenName"] in {"Åsa", "Zelda", "åke"}]
    assert given == ["Zelda", "åke", "Åsa"]
    family = story_api.all_pages("/persons", {"sortkey": "FamilyNameDesc", "limit": 2})
    assert [p["familyName"] for p in family][:3] == ["Öst", "Ärlig", "Zetterberg"]


def test_an_expired_snapshot_asks_the_client_to_start_again(story_api: Api, story: Any) -> None:
    _pupils_at_scheeleskolan(story, ("Ada", "A"), ("Bo", "B"), ("Cia", "C"))
    token = story_api.get("/persons", {"sortkey": "FamilyNameAsc", "limit": 2})["pageToken"]
    assert PageSnapshot.objects.count() == 1
    PageSnapshot.objects.update(expires=timezone.now() - timedelta(seconds=1))
    body = story_api.get("/persons", {"pageToken": token, "limit": 2}, status=400)
    assert body["code"] == "InvalidPageToken"
    assert "Börja om" in body["message"] and "24 timmar" in body["message"]
    # Pruned, it answers the same.
    assert prune_page_snapshots.call() == 1
    assert not PageSnapshotRow.objects.exists()
    assert story_api.get("/persons", {"pageToken": token, "limit": 2}, status=400)["code"] == (
        "InvalidPageToken"
    )


def test_another_clients_snapshot_cannot_be_read(story_api: Api, story: Any) -> None:
    _pupils_at_scheeleskolan(story, ("Ada", "A"), ("Bo", "B"), ("Cia", "C"))
    story_api.get("/persons", {"sortkey": "FamilyNameAsc", "limit": 2})
    snapshot = PageSnapshot.objects.get()
    arboga, _ = make_client([story.arboga], name="Arbogas lärplattform")
    # A token signed for Arboga's client that names Köping's snapshot.
    forged = signing.dumps(
        {
            "e": "persons",
            "c": arboga.client_id,
            "p": {},
            "s": "FamilyNameAsc",
            "n": {"id": str(snapshot.pk), "at": 0, "n": 10},
        },
        salt=TOKEN_SALT,
        compress=True,
    )
    body = Api(token_for(arboga)).get("/persons", {"pageToken": forged}, status=400)
    assert body["code"] == "InvalidPageToken"


def test_an_answer_that_fits_one_page_takes_no_snapshot(story_api: Api, story: Any) -> None:
    rows = story_api.get("/persons", {"sortkey": "FamilyNameAsc", "limit": 1000})
    assert rows["pageToken"] is None and rows["data"]
    assert not PageSnapshot.objects.exists()


def test_a_snapshot_page_costs_the_same_whatever_its_size(
    story_api: Api, story: Any, django_assert_max_num_queries
) -> None:
    _pupils_at_scheeleskolan(story, *((f"Elev{i}", "Ek") for i in range(30)))

    def second_page(limit: int) -> int:
        token = story_api.get("/persons", {"sortkey": "FamilyNameAsc", "limit": limit})["pageToken"]
        with CaptureQueriesContext(connection) as queries:
            story_api.get("/persons", {"pageToken": token, "limit": limit})
        return len(queries)

    small = second_page(2)
    token = story_api.get("/persons", {"sortkey": "FamilyNameAsc", "limit": 12})["pageToken"]
    with django_assert_max_num_queries(small):
        story_api.get("/persons", {"pageToken": token, "limit": 12})
