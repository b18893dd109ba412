"""Notice register changes: keep tombstones of deletions and tell subscribers what changed.

The register's services belong to their domains and do not know about the API, and rows
also go away through cascades (deleting a person removes their enrolments) and the Django
admin. So this module listens to `post_save` and `pre_delete` of the register models, the
one place where every single-row change passes, and to `skolsam.core.changes.changed`,
which the services send for the writes that bypass those signals (bulk inserts such as a
register import or a timetable's lessons, and single-statement writes such as the
teacher's register). It holds no domain rule: it writes a tombstone in the same
transaction as a deletion, and after commit enqueues one task that works out which
subscriptions to call. A rolled-back change leaves neither behind.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.apps import apps
from django.db import connection, transaction
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_save, pre_delete

from skolsam.activities.models import Activity, ActivityTeacher
from skolsam.attendance.models import Absence, Attendance, AttendanceEvent, AttendanceSchedule
from skolsam.core import changes
from skolsam.curriculum.models import Programme, SchoolUnitOffering, Syllabus
from skolsam.duties.models import AssignmentRole, Duty
from skolsam.enrolment.models import Enrolment, Placement
from skolsam.groups.models import Group, GroupMembership
from skolsam.organisations.models import Organisation
from skolsam.people.models import Person, Responsible


def _person_orgs(person_id: Any) -> set[UUID]:
    """Organisations a person belongs to: enrolled, placed, employed, or their children's."""
    children = list(
        Responsible.objects.filter(responsible_id=person_id).values_list("person_id", flat=True)
    )
    people = [person_id, *children]
    return (
        set(Enrolment.objects.filter(person_id__in=people).values_list("enroled_at_id", flat=True))
        | set(Placement.objects.filter(child_id__in=people).values_list("placed_at_id", flat=True))
        | set(Duty.objects.filter(person_id=person_id).values_list("duty_at_id", flat=True))
    )


# model -> (entity types it changes, organisations it belongs to, its own tombstone type).
# Lessons (CalendarEvent) are not here: the timetable writes them in bulk, and a signal
# receiver would make Django load and announce every lesson of a re-import one by one;
# the schedule services announce their changes through `skolsam.core.changes` instead.
WATCHED: dict[type[Model], tuple[tuple[str, ...], Callable[[Any], set], str | None]] = {
    Organisation: (("Organisation",), lambda o: {o.pk}, "Organisation"),
    Person: (("Person",), lambda p: _person_orgs(p.pk), "Person"),
    Enrolment: (("Person",), lambda e: {e.enroled_at_id}, None),
    Responsible: (("Person",), lambda r: _person_orgs(r.person_id), None),
    Placement: (("Placement", "Person"), lambda p: {p.placed_at_id}, "Placement"),
    Duty: (("Duty", "Person"), lambda d: {d.duty_at_id}, "Duty"),
    AssignmentRole: (
        ("Duty", "Group"),
        lambda a: set(
            Group.objects.filter(pk=a.group_id).values_list("organisation_id", flat=True)
        ),
        None,
    ),
    Group: (("Group",), lambda g: {g.organisation_id}, "Group"),
    GroupMembership: (
        ("Group", "Person"),
        lambda m: set(
            Group.objects.filter(pk=m.group_id).values_list("organisation_id", flat=True)
        ),
        None,
    ),
    Activity: (("Activity",), lambda a: {a.organisation_id}, "Activity"),
    ActivityTeacher: (
        ("Activity",),
        lambda t: set(
            Activity.objects.filter(pk=t.activity_id).values_list("organisation_id", flat=True)
        ),
        None,
    ),
    SchoolUnitOffering: (
        ("SchoolUnitOffering",),
        lambda o: {o.offered_at_id},
        "SchoolUnitOffering",
    ),
    Attendance: (("Attendance",), lambda a: {a.organisation_id}, "Attendance"),
    Absence: (("Absence",), lambda a: {a.organisation_id}, "Absence"),
    AttendanceEvent: (
        ("AttendanceEvent",),
        lambda e: set(
            Group.objects.filter(pk=e.group_id).values_list("organisation_id", flat=True)
        ),
        "AttendanceEvent",
    ),
    AttendanceSchedule: (
        ("AttendanceSchedule",),
        lambda s: set(
            Placement.objects.filter(pk=s.placement_id).values_list("placed_at_id", flat=True)
        ),
        "AttendanceSchedule",
    ),
    Syllabus: (("Syllabus",), lambda s: set(), "Syllabus"),
    Programme: (("Programme",), lambda p: set(), "Programme"),
}
PUBLIC = {Syllabus, Programme}


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


# More saved rows than this in one transaction are announced as "all of these types".
MAX_ROWS_PER_CHANGE = 500


@dataclass
class _Pending:
    """Changes of one transaction, sent as one task when it commits.

    Saved rows are kept as (model, pk) and resolved to organisations by the task, so a
    write costs no extra query in the request; deleted rows are resolved before they go.
    """

    types: set[str] = field(default_factory=set)
    saved: set[tuple[str, str]] = field(default_factory=set)
    organisation_ids: set[UUID] = field(default_factory=set)
    public: bool = False
    deleted: bool = False
    key: tuple = ()

    def flush(self) -> None:
        from skolsam.api.ss12000.tasks import dispatch_changes

        by_block = connection.__dict__.get("_ss12000_pending", {})
        if by_block.get(self.key) is self:
            del by_block[self.key]
        if not self.types & subscribed_types():
            return  # nobody listens for these types: no task
        overflow = len(self.saved) > MAX_ROWS_PER_CHANGE
        dispatch_changes.enqueue(
            types=sorted(self.types),
            saved=[] if overflow else sorted([m, pk] for m, pk in self.saved),
            organisation_ids=sorted(str(o) for o in self.organisation_ids),
            public=self.public or overflow,
            deleted=self.deleted,
        )


def organisations_of(label: str, pk: str) -> tuple[set[UUID], bool]:
    """Return the organisations a saved row belongs to, and whether it is public data."""
    model = apps.get_model(label)
    instance = model._default_manager.filter(pk=pk).first()
    if instance is None:
        return set(), False
    return {o for o in WATCHED[model][1](instance) if o}, model in PUBLIC


def _pending() -> _Pending:
    """Return the pending changes of the current atomic block, flushed when it commits.

    Kept per savepoint, so a block that is rolled back takes its changes with it.
    """
    by_block: dict = connection.__dict__.setdefault("_ss12000_pending", {})
    key = tuple(connection.savepoint_ids)
    pending: _Pending | None = by_block.get(key)
    # A rolled-back block drops its on-commit callbacks; start afresh then.
    if pending is not None and any(entry[1] == pending.flush for entry in connection.run_on_commit):
        return pending
    pending = _Pending(key=key)
    by_block[key] = pending
    transaction.on_commit(pending.flush)
    return pending


def _collect(add: Callable[[_Pending], None]) -> None:
    """Add a change to the current transaction's pending changes, or send it at once."""
    in_transaction = connection.in_atomic_block
    pending = _pending() if in_transaction else _Pending()
    add(pending)
    if not in_transaction:
        pending.flush()  # autocommit: the change is already committed


def _note(
    sender: type[Model], instance: Model, *, gone: bool = False, tombstone: bool = False
) -> None:
    types, orgs, _ = WATCHED[sender]

    def add(pending: _Pending) -> None:
        pending.types.update(types)
        if gone:
            # The row is about to go: find its organisations while it is still there.
            pending.organisation_ids.update(o for o in orgs(instance) if o)
            pending.public = pending.public or sender in PUBLIC
            pending.deleted = pending.deleted or tombstone
        else:
            pending.saved.add((sender._meta.label, str(instance.pk)))

    _collect(add)


def _saved(sender: type[Model], instance: Model, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        _note(sender, instance)


def _deleting(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    from skolsam.api.ss12000.services import deleted_entities_record

    _types, orgs, tombstone = WATCHED[sender]
    if tombstone is not None:
        deleted_entities_record(
            entity_type=tombstone,
            entity_ids=[instance.pk],
            organisation_ids=[o for o in orgs(instance) if o],
            public=sender in PUBLIC,
        )
    _note(sender, instance, gone=True, tombstone=tombstone is not None)


def _announced(
    sender: Any,
    entity_types: list[str],
    organisation_ids: set[UUID],
    deleted: dict[str, list[UUID]],
    **kwargs: Any,
) -> None:
    from skolsam.api.ss12000.services import deleted_entities_record

    for entity_type, ids in deleted.items():
        deleted_entities_record(
            entity_type=entity_type, entity_ids=ids, organisation_ids=organisation_ids
        )

    def add(pending: _Pending) -> None:
        pending.types.update(entity_types)
        pending.organisation_ids.update(organisation_ids)
        pending.deleted = pending.deleted or bool(deleted)

    _collect(add)


def _m2m(sender: Any, instance: Model, action: str, **kwargs: Any) -> None:
    if action in ("post_add", "post_remove", "post_clear") and type(instance) in WATCHED:
        _note(type(instance), instance)


def connect() -> None:
    """Connect the observers; called once from the app's ready()."""
    for model in WATCHED:
        post_save.connect(_saved, sender=model, dispatch_uid=f"ss12000-save-{model.__name__}")
        pre_delete.connect(_deleting, sender=model, dispatch_uid=f"ss12000-del-{model.__name__}")
    changes.changed.connect(_announced, dispatch_uid="ss12000-announced")
    for through in (
        Activity.groups.through,
        Placement.owners.through,
        SchoolUnitOffering.offered_syllabuses.through,
        SchoolUnitOffering.offered_programmes.through,
    ):
        m2m_changed.connect(_m2m, sender=through, dispatch_uid=f"ss12000-m2m-{through.__name__}")
