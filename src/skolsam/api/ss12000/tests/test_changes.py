"""Deletions as tombstones, webhooks to subscribers in scope, and client log and statistics.

The register is the story's (skolsam.testing.story), built for each test here: one test
commits as a request does, which a story shared by the module cannot survive, and the
tests delete the story's own rows.
"""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from skolsam.activities.models import Activity
from skolsam.api.ss12000 import tasks
from skolsam.api.ss12000.models import (
    ClientLogEntry,
    ClientStatisticsEntry,
    DeliveryStatus,
    WebhookDelivery,
)
from skolsam.api.ss12000.tests.conftest import Api
from skolsam.api.ss12000.tests.factories import make_client, token_for
from skolsam.core.access import system_actor
from skolsam.core.changes import change_record
from skolsam.core.models import ChangeRecord, Tombstone, TombstoneOrganisation
from skolsam.groups.models import Group
from skolsam.people import services as people_services
from skolsam.people.models import Person
from skolsam.people.selectors import person_organisation_ids
from skolsam.testing.factories import GroupFactory
from skolsam.testing.story import Story, build_story


@pytest.fixture
def story(db: Any) -> Story:
    """The story, built for each test (see the module's docstring)."""
    return build_story()


IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _deleted(*rows: Group | Person | Activity) -> None:
    """Delete rows as a deleting service would: record the deletion, then delete.

    No service deletes people, groups or activities today; the tests play that service.
    """
    for row in rows:
        entity_type = type(row).__name__
        if isinstance(row, Person):
            orgs = person_organisation_ids([row.pk])
        else:
            orgs = {row.organisation_id}
        change_record(entity_type=entity_type, ids=[row.pk], organisation_ids=orgs, deleted=True)
        row.delete()


def test_deleted_entities_are_listed_in_scope_only(story_api: Api, story: Any) -> None:
    start = timezone.now() - timedelta(seconds=1)
    arboga_group, koping_group = story.groups["8A"].pk, story.groups["7B"].pk
    _deleted(story.groups["8A"], story.groups["7B"])
    maja, elsa = story.pupil_in_arboga.pk, story.protected_pupil_in_7b.pk
    _deleted(story.pupil_in_arboga, story.protected_pupil_in_7b)
    body = story_api.get("/deletedEntities", {"after": start.isoformat()})
    assert body["data"]["groups"] == [str(koping_group)]
    assert str(elsa) in body["data"]["persons"]
    assert str(maja) not in json.dumps(body)
    assert str(arboga_group) not in json.dumps(body)
    only_groups = story_api.get("/deletedEntities", {"entities": ["Group"]})
    assert set(only_groups["data"]) == {"groups"}
    later = story_api.get("/deletedEntities", {"after": timezone.now().isoformat()})
    assert later["data"] == {}


def test_tombstones_are_pruned_after_the_window_deletedentities_answers_for(
    story_api: Api, story: Any, settings: Any
) -> None:
    """Deletions and `left` candidates alike are kept 400 days, then go with their record.

    Within the window /deletedEntities still names them; a client that has not synced for
    longer crawls everything again (docs/architecture.md, incremental sync).
    """
    settings.TASKS = IMMEDIATE
    now = timezone.now()
    old_group = GroupFactory(organisation=story.scheeleskolan, display_name="7C")
    recent_group = story.groups["7B"]
    ids = {"old": old_group.pk, "recent": recent_group.pk, "left": story.pupil_in_7b.pk}
    _deleted(old_group, recent_group)
    change_record(
        entity_type="Person",
        ids=[story.pupil_in_7b.pk],
        organisation_ids=[story.scheeleskolan.pk],
        left=True,
    )
    tasks.dispatch_changes.call()  # dispatched: only the window keeps them now
    ages = {
        "old": tasks.KEEP_TOMBSTONES + timedelta(days=1),
        "recent": tasks.KEEP_TOMBSTONES - timedelta(days=1),
        "left": tasks.KEEP_TOMBSTONES + timedelta(days=1),
    }
    for key, age in ages.items():
        record = Tombstone.objects.get(entity_id=ids[key]).record_id
        ChangeRecord.objects.filter(pk=record).update(created_at=now - age, dispatched_at=now - age)
        Tombstone.objects.filter(record_id=record).update(deleted_at=now - age)
    # Until the task runs, Köping's client is told of both groups.
    assert set(story_api.get("/deletedEntities")["data"]["groups"]) == {
        str(ids["old"]),
        str(ids["recent"]),
    }
    tasks.dispatch_changes.call()
    kept = set(Tombstone.objects.values_list("entity_id", flat=True))
    assert ids["recent"] in kept
    assert ids["old"] not in kept and ids["left"] not in kept
    assert not ChangeRecord.objects.filter(created_at__lt=now - tasks.KEEP_TOMBSTONES).exists()
    assert not TombstoneOrganisation.objects.exclude(
        record_id__in=ChangeRecord.objects.values("pk")
    ).exists()
    assert story_api.get("/deletedEntities")["data"]["groups"] == [str(ids["recent"])]


def test_deleted_activities_use_the_spec_spelling(story_api: Api, story: Any) -> None:
    pk = Activity.objects.get(display_name="Matematik 7B").pk
    _deleted(Activity.objects.get(display_name="Matematik 7B"))
    body = story_api.get("/deletedEntities", {"limit": 1})
    pages = [body]
    while body["pageToken"]:
        body = story_api.get("/deletedEntities", {"pageToken": body["pageToken"], "limit": 1})
        pages.append(body)
    assert [str(pk)] in [p["data"].get("activitites") for p in pages]


def test_subscriptions_crud(story_api: Api, story: Any, settings: Any) -> None:
    settings.SKOLSAM_SS12000_WEBHOOK_ALLOW_PRIVATE = True
    created = story_api.post(
        "/subscriptions",
        {
            "name": "Elevsynk",
            "target": "http://127.0.0.1:9/hook",
            "resourceTypes": [{"resource": "Person"}],
        },
        status=201,
    )
    assert created["resourceTypes"] == [{"resource": "Person"}]
    assert story_api.get("/subscriptions")["data"][0]["id"] == created["id"]
    assert story_api.get(f"/subscriptions/{created['id']}")["name"] == "Elevsynk"
    renewed = story_api.request("PATCH", f"/subscriptions/{created['id']}", body={})
    assert renewed["expires"] >= created["expires"]
    story_api.request("DELETE", f"/subscriptions/{created['id']}", status=204)
    story_api.get(f"/subscriptions/{created['id']}", status=404)
    assert story_api.post(
        "/subscriptions", {"name": "x", "target": "ftp://x", "resourceTypes": []}, status=400
    )
    assert story_api.post(
        "/subscriptions",
        {"name": "x", "target": "http://a.se", "resourceTypes": [{"resource": "Cat"}]},
        status=400,
    )


def test_internal_webhook_targets_are_refused(story_api: Api, story: Any, settings: Any) -> None:
    settings.SKOLSAM_SS12000_WEBHOOK_ALLOW_PRIVATE = False
    body = {
        "name": "x",
        "target": "http://127.0.0.1:8000/",
        "resourceTypes": [{"resource": "Person"}],
    }
    assert "intern" in story_api.post("/subscriptions", body, status=400)["message"]


def test_another_clients_subscription_is_not_found(
    story_api: Api, story: Any, settings: Any
) -> None:
    settings.SKOLSAM_SS12000_WEBHOOK_ALLOW_PRIVATE = True
    created = story_api.post(
        "/subscriptions",
        {
            "name": "Elevsynk",
            "target": "http://127.0.0.1:9/",
            "resourceTypes": [{"resource": "Person"}],
        },
        status=201,
    )
    arboga, _ = make_client([story.arboga], name="Arbogas plattform")
    other = Api(token_for(arboga))
    other.get(f"/subscriptions/{created['id']}", status=404)
    other.request("DELETE", f"/subscriptions/{created['id']}", status=404)
    assert other.get("/subscriptions")["data"] == []


class Receiver:
    """A webhook subscriber on 127.0.0.1 that records what it is sent."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.calls: list[tuple[dict, str]] = []
        self.statuses = list(statuses or [])
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                receiver.calls.append(
                    (json.loads(self.rfile.read(length)), self.headers["X-Skolsam-Delivery"])
                )
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"


@pytest.fixture
def receivers(settings) -> Iterator[tuple[Receiver, Receiver]]:
    settings.SKOLSAM_SS12000_WEBHOOK_ALLOW_PRIVATE = True
    pair = (Receiver(), Receiver())
    yield pair
    for r in pair:
        r.server.shutdown()


def _subscribe(api: Api, url: str, *types: str) -> dict:
    return api.post(
        "/subscriptions",
        {"name": "synk", "target": url, "resourceTypes": [{"resource": t} for t in types]},
        status=201,
    )


def test_webhooks_reach_only_subscribers_in_scope(
    story_api: Api, story: Any, receivers, settings, django_capture_on_commit_callbacks
) -> None:
    settings.TASKS = IMMEDIATE
    koping_hook, arboga_hook = receivers
    _subscribe(story_api, koping_hook.url, "Person", "Group")
    arboga_client, _ = make_client([story.arboga], name="Arbogas plattform")
    _subscribe(Api(token_for(arboga_client)), arboga_hook.url, "Person")

    with django_capture_on_commit_callbacks(execute=True):
        people_services.person_update(
            actor=system_actor("test"), person=story.pupil_in_7b, given_name="Alvah"
        )
    assert [c[0] for c in koping_hook.calls] == [
        {"modifiedEntites": ["Person"], "deletedEntities": False}
    ]
    assert arboga_hook.calls == []

    with django_capture_on_commit_callbacks(execute=True):
        people_services.person_update(
            actor=system_actor("test"), person=story.pupil_in_arboga, given_name="Majken"
        )
    assert len(koping_hook.calls) == 1, "Köping heard of a change in Arboga"
    assert [c[0]["modifiedEntites"] for c in arboga_hook.calls] == [["Person"]]

    with django_capture_on_commit_callbacks(execute=True):
        members = list(story.groups["7B"].memberships.values_list("person_id", flat=True))
        change_record(
            entity_type="Person", ids=members, organisation_ids=[story.groups["7B"].organisation_id]
        )
        _deleted(story.groups["7B"])
    # The class goes, and with it its memberships (which are the pupils' data too).
    assert koping_hook.calls[-1][0] == {
        "modifiedEntites": ["Group", "Person"],
        "deletedEntities": True,
    }
    assert len(arboga_hook.calls) == 1


@pytest.mark.django_db(transaction=True)
def test_database_task_backend_delivers_with_retry(story: Any, receivers, settings) -> None:
    settings.TASKS = DATABASE
    hook, _ = receivers
    hook.statuses = [503]  # the subscriber is down the first time
    client, _ = make_client([story.koping])
    _subscribe(Api(token_for(client)), hook.url, "Person")
    DBTaskResult.objects.all().delete()
    people_services.person_update(
        actor=system_actor("test"), person=story.pupil_in_7b, given_name="Alvah"
    )
    assert DBTaskResult.objects.filter(task_path__endswith="dispatch_changes").count() == 1
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    retry = DBTaskResult.objects.filter(task_path__endswith="deliver_webhook", status="READY").get()
    assert retry.run_after > timezone.now()
    # Let the back-off pass, and a worker (any one of many) sends it.
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 2
    assert [c[0] for c in hook.calls] == [
        {"modifiedEntites": ["Person"], "deletedEntities": False}
    ] * 2
    assert {c[1] for c in hook.calls} == {str(delivery.pk)}
    # Running the same delivery again sends nothing: deliveries are idempotent.
    assert tasks.deliver_webhook.call(str(delivery.pk)) == "skipped"
    assert len(hook.calls) == 2


def test_backoff_grows_and_is_capped() -> None:
    assert tasks.backoff(1) == timedelta(seconds=30)
    assert tasks.backoff(2) == timedelta(seconds=60)
    assert tasks.backoff(20) == timedelta(hours=1)


def test_log_and_statistics_are_stored(story_api: Api, story_client: Any, story: Any) -> None:
    story_api.post(
        "/log/",
        {
            "message": "Kunde inte matcha elev",
            "severityLevel": "Warning",
            "resourceType": "Person",
            "resourceId": str(story.pupil_in_7b.pk),
            "timeOfOccurance": "2026-09-01T08:00:00+02:00",
        },
        status=201,
    )
    story_api.post(
        "/statistics/",
        {"resourceType": "Person", "newCount": 3, "updatedCount": 1, "deletedCount": 0},
        status=201,
    )
    entry = ClientLogEntry.objects.get()
    assert entry.client == story_client and entry.severity_level == "Warning"
    assert ClientStatisticsEntry.objects.get().new_count == 3
    assert story_api.post("/log/", {"message": "x", "severityLevel": "Panic"}, status=400)
    assert story_api.post("/statistics/", {"resourceType": "Person"}, status=400)
