"""Two workers deliver the same message at the same moment: every e-mail goes once.

On PostgreSQL each worker has its own connection, as two `db_worker` processes would;
the claim (a conditional update Väntar → Skickas) lets exactly one of them send each row.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from skolsam.core.access import Actor
from skolsam.messaging.models import Delivery, DeliveryStatus
from skolsam.messaging.services.compose import audience_build, message_send
from skolsam.messaging.services.delivery import deliver_message
from skolsam.testing import factories as f
from skolsam.testing.story import build_day


def _class_with_guardians(n: int) -> tuple[Any, Actor]:
    day = build_day(pupils=n)
    for i, pupil in enumerate(day.pupils[1:], start=1):
        guardian = f.PersonFactory(emails=[{"type": "Privat", "value": f"vh{i}@example.se"}])
        f.ResponsibleFactory(person=pupil, responsible=guardian)
    return day, day.actor(day.mentor)


def _send(day: Any, actor: Actor) -> Any:
    audience = audience_build(
        actor=actor, group=day.group, organisation=None, to_guardians=True, to_pupils=False
    )
    return message_send(
        actor=actor, audience=audience, category="nyhet", subject="Studiedag", body="Ingen skola."
    )


@pytest.mark.django_db
def test_a_retried_delivery_sends_nothing_twice(smtp, sms):
    day, actor = _class_with_guardians(4)
    message = _send(day, actor)
    # Four e-mails, and an SMS to Karin, who has a mobile and no app.
    assert deliver_message(message_id=message.pk) == 5
    assert deliver_message(message_id=message.pk) == 0
    assert [to for to, _text in sms] == ["070-1234567"]
    assert sorted(r[0][0] for r in smtp.received) == sorted(
        ["karin@example.se", "vh1@example.se", "vh2@example.se", "vh3@example.se"]
    )


@pytest.mark.django_db
def test_a_failed_delivery_is_tried_again_and_then_sent_once(smtp, settings):
    day, actor = _class_with_guardians(2)
    message = _send(day, actor)
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 1  # nobody listens there: the send fails and is recorded
    assert deliver_message(message_id=message.pk) == 1  # only Karin's SMS got through
    emails = Delivery.objects.filter(channel="epost")
    assert set(emails.values_list("status", flat=True)) == {DeliveryStatus.FAILED}
    settings.EMAIL_PORT = port
    assert deliver_message(message_id=message.pk) == 2
    assert len(smtp.received) == 2
    assert set(emails.values_list("attempts", flat=True)) == {2}


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_workers_on_two_connections_send_each_email_once(smtp, sms):
    if connection.vendor != "postgresql":
        pytest.skip("two connections to one database: PostgreSQL")
    day, actor = _class_with_guardians(6)
    message = _send(day, actor)
    start = threading.Barrier(2)
    sent: list[int] = []

    def worker() -> None:
        try:
            start.wait()
            sent.append(deliver_message(message_id=message.pk))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(sent) == 7  # six e-mails and Karin's SMS
    assert len(sms) == 1
    addresses = [r[0][0] for r in smtp.received]
    assert len(addresses) == 6 and len(set(addresses)) == 6
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
