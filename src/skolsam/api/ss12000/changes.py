"""Wake the webhook dispatcher when a transaction that recorded register changes commits.

The register's services record their changes explicitly in the outbox
(`skolsam.core.changes.change_record`, one `ChangeRecord` per entity type, written in the
service's transaction). Core calls `changes_committed` once per committed transaction
(setting SKOLSAM_CHANGES_COMMITTED); it enqueues `tasks.dispatch_changes`, which reads the
outbox, unless no live subscription wants any of the recorded types. Rows nobody wanted
then wait in the outbox and are marked dispatched by the next dispatch (at least hourly).
"""

from __future__ import annotations

import time
from collections.abc import Set

# Whether anyone subscribes to a type is read at most this often per process: a register
# save with no subscriber for attendances then costs no task. Creating, renewing or
# deleting a subscription clears this process's answer; other processes see it within
# this time, so a new subscription hears of changes from at most a minute after it began.
SUBSCRIBED_CACHE_SECONDS = 60
_subscribed: list[tuple[float, frozenset[str]]] = []


def subscribed_types() -> frozenset[str]:
    """Return the resource types some live subscription wants (cached, see above)."""
    from skolsam.api.ss12000.selectors import live_subscriptions

    now = time.monotonic()
    if _subscribed and _subscribed[0][0] > now:
        return _subscribed[0][1]
    types: set[str] = set()
    for wanted in live_subscriptions().values_list("resource_types", flat=True):
        types.update(wanted or [])
    _subscribed[:] = [(now + SUBSCRIBED_CACHE_SECONDS, frozenset(types))]
    return _subscribed[0][1]


def forget_subscribed_types() -> None:
    """Drop this process's cached answer (after a subscription changes)."""
    _subscribed.clear()


# Rows nobody wanted are drained (marked dispatched, and pruned after a week) by the next
# dispatch; with no subscriber at all, one is enqueued at most this often per process, so
# the outbox does not grow without end.
DRAIN_SECONDS = 3600
_next_drain = [time.monotonic() + DRAIN_SECONDS]


def changes_committed(types: Set[str]) -> None:
    """Enqueue the dispatcher if some subscription wants one of the committed types."""
    from skolsam.api.ss12000.tasks import dispatch_changes

    now = time.monotonic()
    if set(types) & subscribed_types() or now > _next_drain[0]:
        _next_drain[0] = now + DRAIN_SECONDS
        dispatch_changes.enqueue()
