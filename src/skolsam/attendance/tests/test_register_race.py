"""Two teachers save the same register at the same moment: one save wins, the other is stale.

Maria and her substitute open the register at version 0 and press save together. On
PostgreSQL the second save waits for the first's lock on the lesson; when the first
commits, the second must find the version moved and write nothing.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from skolsam.attendance.models import Attendance
from skolsam.attendance.services.register import Mark, StaleRegister, register_save
from skolsam.testing.story import build_day

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has one writer at a time: saves cannot interleave",
)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_save_waiting_on_another_save_of_the_same_version_is_refused_as_stale():
    day = build_day()
    alva, hugo = day.pupils[:2]
    first_holds_the_lock = threading.Event()
    second_is_waiting = threading.Event()
    failures: list[BaseException] = []

    def first() -> None:
        try:
            with transaction.atomic():
                register_save(
                    actor=day.actor(day.teacher),
                    lesson=type(day.lesson).objects.get(pk=day.lesson.pk),
                    version=0,
                    marks=[Mark(alva.pk, "Frånvarande")],
                )
                first_holds_the_lock.set()
                second_is_waiting.wait(10)
                time.sleep(1)  # the second save is now blocked on the lesson's row lock
        except BaseException as exc:  # reported by the assertion below
            failures.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=first)
    thread.start()
    assert first_holds_the_lock.wait(10)
    second_is_waiting.set()
    with pytest.raises(StaleRegister):
        register_save(
            actor=day.actor(day.teacher),
            lesson=type(day.lesson).objects.get(pk=day.lesson.pk),
            version=0,
            marks=[Mark(hugo.pk, "Frånvarande")],
        )
    thread.join(20)
    assert not failures
    day.lesson.refresh_from_db()
    assert day.lesson.register_version == 1
    absent = set(
        Attendance.objects.filter(calendar_event=day.lesson, kind="Frånvarande").values_list(
            "student_id", flat=True
        )
    )
    assert absent == {alva.pk}
