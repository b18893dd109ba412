"""Run attendance's background work: notices to guardians. Safe to retry and to run twice.

Each notice is claimed through its unique key before it is sent (see notices.py), so a
retried task or two workers at once never send the same notice twice.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from django_tasks import task


@task()
def send_absence_notices_task(*, organisation_id: str, day: str) -> int:
    """Send the day's notices about invalid absence at one school unit."""
    from skolsam.attendance.notices import send_absence_notices

    return send_absence_notices(organisation_id=UUID(organisation_id), day=date.fromisoformat(day))


@task()
def send_leave_decision_notices_task(*, leave_id: str) -> int:
    """Tell the guardians the rektor's decision on a leave request."""
    from skolsam.attendance.notices import send_leave_decision_notices

    return send_leave_decision_notices(leave_id=UUID(leave_id))


@task()
def send_absence_reminders_task() -> int:
    """Send the 07:10 reminders after yesterday's reported absence (safe to retry)."""
    from skolsam.attendance.reminders import send_absence_reminders

    return send_absence_reminders()
