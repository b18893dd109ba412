"""Record a pupil's attendance data as changed when her protected identity changes.

Attendance, absences, check-ins and care schedules say where a pupil is, so the SS 12000
API hides them for a protected pupil (api/ss12000/access.py). When the marking is set,
they leave the view of clients without the right to protected data; when it is lifted,
they come back. Either way each row is recorded as changed (its meta.modified moves, so
an incremental sync brings it back) with a `left` tombstone candidate in its
organisation (listed in /deletedEntities while it is out of a client's view).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from uuid import UUID

from skolsam.attendance.models import Absence, Attendance, AttendanceEvent, AttendanceSchedule
from skolsam.core.changes import change_record


def security_marking_changed(*, person_id: UUID, **_: Any) -> None:
    """Receiver of `core.events.security_marking_changed` (connected in apps.py)."""
    rows: dict[tuple[str, UUID], list[UUID]] = defaultdict(list)
    for entity_type, queryset in (
        ("Attendance", Attendance.objects.filter(student_id=person_id)),
        ("Absence", Absence.objects.filter(student_id=person_id)),
    ):
        for pk, org in queryset.values_list("pk", "organisation_id"):
            rows[entity_type, org].append(pk)
    for pk, org in AttendanceEvent.objects.filter(person_id=person_id).values_list(
        "pk", "group__organisation_id"
    ):
        rows["AttendanceEvent", org].append(pk)
    for pk, org in AttendanceSchedule.objects.filter(placement__child_id=person_id).values_list(
        "pk", "placement__placed_at_id"
    ):
        rows["AttendanceSchedule", org].append(pk)
    for (entity_type, org), ids in rows.items():
        change_record(entity_type=entity_type, ids=ids, organisation_ids=[org], left=True)
