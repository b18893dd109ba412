"""Domain events a lower app announces and higher apps act on, without importing them.

Core and the register apps cannot import what is built on them (the layers contract in
pyproject.toml). Where a change in the register concerns data a higher app keeps, the
register sends one of these signals inside its transaction, and the higher app connects
a receiver in its AppConfig.ready. Receivers run in the sender's transaction, so what
they write commits or rolls back with the change.
"""

from __future__ import annotations

from django.dispatch import Signal

# A person's securityMarking changed (protected identity set or lifted). Arguments:
# `person_id`. Data about where the person is (attendance, absences, check-ins, care
# schedules) leaves or re-enters API clients' view with it: the owning apps record that.
security_marking_changed = Signal()
