"""Run the API's background work: find the subscriptions a change concerns and call them.

Both tasks are safe to run twice and on many workers at once: outbox rows are claimed
with SKIP LOCKED and marked dispatched in the transaction that merges them into the
subscription's one pending delivery (row-locked), and a delivery is claimed with a
conditional update before it is sent, so two workers never send the same one together.
A failed call is retried with exponential back-off; each callback carries the delivery's
id in `X-Skolsam-Delivery`, so a subscriber can ignore a repeat.
"""

from __future__ import annotations

import functools
import logging
import urllib.error
import urllib.request
from datetime import timedelta
from urllib.parse import urlsplit
from uuid import UUID

import orjson
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django_tasks import task

from skolsam.api.ss12000.access import scope_for_client
from skolsam.api.ss12000.models import (
    DeliveryStatus,
    PageSnapshot,
    PageSnapshotRow,
    Subscription,
    WebhookDelivery,
)
from skolsam.api.ss12000.selectors import live_subscriptions
from skolsam.core.models import ChangeRecord, Tombstone

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BASE_DELAY_SECONDS = 30
MAX_DELAY_SECONDS = 3600
CLAIM_SECONDS = 300
TIMEOUT_SECONDS = 10


def backoff(attempts: int) -> timedelta:
    """Wait 30 s, 1 min, 2 min, ... up to an hour before attempt `attempts + 1`."""
    return timedelta(seconds=min(BASE_DELAY_SECONDS * 2 ** max(attempts - 1, 0), MAX_DELAY_SECONDS))


# Outbox rows claimed per transaction, and how long dispatched rows without tombstones
# are kept.
DISPATCH_BATCH = 500
KEEP_DISPATCHED = timedelta(days=7)
# Rows with tombstones (deletions, and `left` candidates: entities that dropped out of
# some clients' view) are kept this long, so /deletedEntities can tell a client that syncs
# rarely; a client that has not synced for longer crawls everything again. Deleting the
# row deletes its tombstones and their organisations with it.
KEEP_TOMBSTONES = timedelta(days=400)
KEEP_LEFT = KEEP_TOMBSTONES  # the name the `left` candidates' window had first


@task()
def dispatch_changes(**_queued_before_the_outbox: object) -> int:
    """Queue a callback for every live subscription in whose scope an outbox change falls.

    Claims undispatched rows in batches, each in one transaction: on PostgreSQL with
    SELECT ... FOR UPDATE SKIP LOCKED, so several workers share the outbox and never take
    the same row; a worker that fails rolls back its claim and the rows wait for the next.
    Running it again, or with nothing to do, is harmless.
    """
    queued = 0
    while True:
        with transaction.atomic():
            pending = ChangeRecord.objects.filter(dispatched_at__isnull=True).order_by("id")
            if connection.features.has_select_for_update_skip_locked:
                pending = pending.select_for_update(skip_locked=True)
            batch = list(pending[:DISPATCH_BATCH])
            if not batch:
                break
            queued += _dispatch(batch)
            ChangeRecord.objects.filter(pk__in=[r.pk for r in batch]).update(
                dispatched_at=timezone.now()
            )
    now = timezone.now()
    ChangeRecord.objects.filter(dispatched_at__lt=now - KEEP_DISPATCHED).filter(
        Q(deleted=False) & ~Exists(Tombstone.objects.filter(record_id=OuterRef("pk")))
        | Q(created_at__lt=now - KEEP_TOMBSTONES)
    ).delete()
    return queued


def _dispatch(records: list[ChangeRecord]) -> int:
    """Merge the records' types into each concerned subscription's pending delivery."""
    subscriptions = list(live_subscriptions().select_related("client"))
    scopes: dict[UUID, frozenset[UUID]] = {}
    queued = 0
    for subscription in subscriptions:
        client = subscription.client
        wanted: set[str] = set()
        deleted = False
        for record in records:
            if record.entity_type not in subscription.resource_types:
                continue
            if not record.public:
                if client.pk not in scopes:
                    scopes[client.pk] = scope_for_client(client).org_ids
                if not scopes[client.pk] & {UUID(o) for o in record.organisation_ids}:
                    continue
            wanted.add(record.entity_type)
            deleted = deleted or record.deleted
        if not wanted:
            continue
        delivery_id = _merge(subscription, sorted(wanted), deleted)
        if delivery_id is not None:
            transaction.on_commit(functools.partial(deliver_webhook.enqueue, str(delivery_id)))
        queued += 1
    return queued


@transaction.atomic
def _merge(subscription: Subscription, types: list[str], deleted: bool) -> UUID | None:
    """Add the change to the pending delivery, or open one; return a new delivery's id."""
    pending = (
        WebhookDelivery.objects.select_for_update()
        .filter(subscription=subscription, status=DeliveryStatus.PENDING)
        .first()
    )
    if pending is not None:
        pending.modified_entities = sorted(set(pending.modified_entities) | set(types))
        pending.deleted_entities = pending.deleted_entities or deleted
        pending.save(update_fields=["modified_entities", "deleted_entities"])
        return None
    delivery = WebhookDelivery.objects.create(
        subscription=subscription, modified_entities=sorted(set(types)), deleted_entities=deleted
    )
    return delivery.pk


def _claim(delivery_id: UUID) -> bool:
    now = timezone.now()
    stale = now - timedelta(seconds=CLAIM_SECONDS)
    claimed = WebhookDelivery.objects.filter(
        Q(status=DeliveryStatus.PENDING) | Q(status=DeliveryStatus.SENDING, claimed_at__lt=stale),
        pk=delivery_id,
    ).update(status=DeliveryStatus.SENDING, claimed_at=now)
    return claimed == 1


def post_callback(target: str, body: bytes, delivery_id: str) -> int:
    """POST the callback body; return the HTTP status (raises on network errors)."""
    from skolsam.api.ss12000.services import is_public_host

    host = urlsplit(target).hostname or ""
    if not settings.SKOLSAM_SS12000_WEBHOOK_ALLOW_PRIVATE and not is_public_host(host):
        raise ValueError("Målet pekar på en intern adress.")
    request = urllib.request.Request(  # noqa: S310 - scheme checked when subscribing
        target,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Skolsam-SS12000-webhook",
            "X-Skolsam-Delivery": delivery_id,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


@task()
def deliver_webhook(delivery_id: str) -> str:
    """Send one delivery; on failure put it back with a back-off, up to MAX_ATTEMPTS."""
    key = UUID(delivery_id)
    if not _claim(key):
        return "skipped"
    delivery = WebhookDelivery.objects.select_related("subscription").get(pk=key)
    body = orjson.dumps(delivery.body())
    try:
        status = post_callback(delivery.subscription.target, body, delivery_id)
        problem = "" if 200 <= status < 300 else f"HTTP {status}"
    except (OSError, ValueError) as exc:
        problem = str(exc)[:300] or exc.__class__.__name__
    delivery.attempts += 1
    if not problem:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = timezone.now()
        delivery.last_error = ""
        delivery.save(update_fields=["status", "delivered_at", "attempts", "last_error"])
        return "delivered"
    delivery.last_error = problem
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.FAILED
        delivery.save(update_fields=["status", "attempts", "last_error"])
        log.warning("Webhook %s gave up after %s attempts: %s", key, delivery.attempts, problem)
        return "failed"
    delivery.status = DeliveryStatus.PENDING
    delivery.save(update_fields=["status", "attempts", "last_error"])
    retry_at = timezone.now() + backoff(delivery.attempts)
    if deliver_webhook.get_backend().supports_defer:
        transaction.on_commit(
            lambda: deliver_webhook.using(run_after=retry_at).enqueue(delivery_id)
        )
    return "retry"


@task()
def prune_page_snapshots() -> int:
    """Delete the page snapshots of crawls whose time is up (paging.SNAPSHOT_LIFETIME)."""
    expired = PageSnapshot.objects.filter(expires__lt=timezone.now())
    PageSnapshotRow.objects.filter(snapshot__in=expired.values("pk")).delete()
    deleted, _ = expired.delete()
    return deleted
