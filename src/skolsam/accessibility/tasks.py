"""Tell a huvudman that an accessibility report came in. Safe to retry."""

from __future__ import annotations

from uuid import UUID

from django_tasks import task


@task()
def accessibility_report_notify_task(*, report_id: str) -> bool:
    """E-mail the huvudman's address (if it has one) that a report awaits an answer."""
    from skolsam.accessibility.notify import report_notify

    return report_notify(report_id=UUID(report_id))
