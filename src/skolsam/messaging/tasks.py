"""Run messaging's background work: deliveries outside Skolsam. Safe to retry and to run twice.

Each delivery is claimed through a conditional update before it is sent (see
services/delivery.py), so a retried task or two workers at once never send twice.
"""

from __future__ import annotations

from uuid import UUID

from django_tasks import task


@task()
def deliver_message_task(*, message_id: str) -> int:
    """Send a message's e-mails (and later push and SMS) to its recipients."""
    from skolsam.messaging.services.delivery import deliver_message

    return deliver_message(message_id=UUID(message_id))


@task()
def send_digests_task() -> int:
    """Send the daily and weekly digests that are due (queued by `send_message_digests`)."""
    from skolsam.messaging.services.delivery import send_digests

    return send_digests()
