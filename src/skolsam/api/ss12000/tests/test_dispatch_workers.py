"""Two workers dispatch the outbox at once: neither takes the other's rows, neither waits.

On PostgreSQL `dispatch_changes` claims its batch with SELECT ... FOR UPDATE SKIP LOCKED.
A second worker that starts while the first holds its batch (a slow webhook merge, say)
must take the rows after it, not block behind it and not dispatch the same rows twice;
the first worker's rows, once it rolls back (it failed), wait for the next run.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from skolsam.api.ss12000 import tasks
from skolsam.core.changes import change_record
from skolsam.core.models import ChangeRecord

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has one writer at a time: two workers cannot hold claims at once",
)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_second_worker_skips_the_rows_a_first_worker_holds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tasks, "DISPATCH_BATCH", 2)
    for _ in range(4):
        with transaction.atomic():
            change_record(entity_type="Group", organisation_ids=[])
    first_two = list(ChangeRecord.objects.order_by("id").values_list("id", flat=True)[:2])
    holding = threading.Event()
    release = threading.Event()
    failures: list[BaseException] = []

    def first_worker() -> None:
        # Claims the first batch exactly as the task does, then stalls and fails.
        try:
            with transaction.atomic():
                claimed = list(
                    ChangeRecord.objects.filter(dispatched_at__isnull=True)
                    .order_by("id")
                    .select_for_update(skip_locked=True)[:2]
                )
                assert [r.pk for r in claimed] == first_two
                holding.set()
                release.wait(20)
                raise RuntimeError("the first worker fails: its claim rolls back")
        except RuntimeError:
            pass
        except BaseException as exc:  # reported below
            failures.append(exc)
        finally:
            connection.close()

    first = threading.Thread(target=first_worker)
    first.start()
    assert holding.wait(10)
    done: list[int] = []

    def second_worker() -> None:
        try:
            done.append(tasks.dispatch_changes.call())
        finally:
            connection.close()

    second = threading.Thread(target=second_worker)
    second.start()
    second.join(20)
    assert not second.is_alive(), "the second worker waited for the first's rows"
    dispatched = set(
        ChangeRecord.objects.filter(dispatched_at__isnull=False).values_list("id", flat=True)
    )
    assert dispatched.isdisjoint(first_two), "a held row was dispatched by the other worker"
    assert len(dispatched) == 2
    release.set()
    first.join(20)
    assert not failures, failures
    # The failed worker's rows are still there for the next run.
    tasks.dispatch_changes.call()
    assert not ChangeRecord.objects.filter(dispatched_at__isnull=True).exists()
