"""Every service that writes an entity the API publishes records the change in the outbox.

One row per service: the call, made in the story (skolsam.testing.story), and the outbox
rows it must leave (entity type, organisations, deleted). The guard in `skolsam.testing.changes_guard`
catches a write no service recorded in any test; this table pins what each records, so a
change reaches the right subscribers and tombstones are scoped to the right clients.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time
from typing import Any

import pytest
from django.db import transaction

from skolsam.activities.models import Activity
from skolsam.activities.services import activity_create
from skolsam.api.ss12000 import tasks
from skolsam.api.ss12000.models import WebhookDelivery
from skolsam.api.ss12000.tests.conftest import Api
from skolsam.api.ss12000.tests.factories import make_client, token_for
from skolsam.attendance.models import Attendance, AttendanceKind
from skolsam.attendance.services.other_systems import attendance_delete
from skolsam.core.access import system_actor
from skolsam.core.changes import change_record
from skolsam.core.choices import AssignmentRoleType, DutyRole, GroupType
from skolsam.core.models import ChangeRecord, Tombstone
from skolsam.duties.services import assignment_role_add, duty_create, duty_end
from skolsam.enrolment.models import Enrolment
from skolsam.enrolment.services import enrolment_cancel, enrolment_end
from skolsam.groups.models import GroupMembership
from skolsam.groups.services import group_create, group_membership_add, group_membership_end
from skolsam.organisations.services import organisation_update
from skolsam.people.services import person_create, person_update, responsible_add
from skolsam.schedule import calendar
from skolsam.schedule import services as schedule_services
from skolsam.schedule.models import CalendarEvent

SYSTEM = system_actor("test")
DAY = date(2026, 9, 14)


def _lesson(s: Any) -> CalendarEvent:
    return CalendarEvent.objects.create(
        activity=Activity.objects.get(display_name="Matematik 7B"),
        organisation_id=s.scheeleskolan.pk,
        planned_date=DAY,
        date=DAY,
        start_time=calendar.at(DAY, time(8, 30)),
        end_time=calendar.at(DAY, time(9, 30)),
        duration_minutes=60,
    )


def _attendance(s: Any) -> Attendance:
    return Attendance.objects.create(
        calendar_event=_lesson(s),
        student=s.pupil_in_7b,
        date=DAY,
        organisation_id=s.scheeleskolan.pk,
        kind=AttendanceKind.ABSENT,
    )


# (what the service does, the rows it must record: entity type, organisations, deleted)
CASES: dict[str, tuple[Callable[[Any], Any], list[tuple[str, str, bool]]]] = {
    "person_create": (
        lambda w: person_create(actor=SYSTEM, given_name="Ny", family_name="Elev"),
        [("Person", "", False)],
    ),
    "person_update": (
        lambda w: person_update(actor=SYSTEM, person=w.pupil_in_7b, given_name="Alvah"),
        [("Person", "scheeleskolan", False)],
    ),
    # Elsa has skyddad folkbokföring: a change of hers concerns Köping, never her school,
    # so a school's client learns nothing of where she goes from a webhook or tombstone.
    "person_update of a protected pupil": (
        lambda w: person_update(actor=SYSTEM, person=w.protected_pupil_in_7b, given_name="Elsah"),
        [("Person", "koping", False)],
    ),
    # Lars becomes responsible for Elsa: a change about Elsa, so it concerns Köping only.
    "responsible_add for a protected child": (
        lambda w: responsible_add(
            actor=SYSTEM, person=w.protected_pupil_in_7b, responsible=w.mentor_of_7b, start_date=DAY
        ),
        [("Person", "koping", False)],
    ),
    "responsible_add": (
        lambda w: responsible_add(
            actor=SYSTEM,
            person=w.pupil_in_arboga,
            responsible=w.guardian_of_pupil_in_7b,
            start_date=DAY,
        ),
        [("Person", "gaddgardsskolan", False)],
    ),
    "enrolment_end": (
        lambda w: enrolment_end(
            actor=SYSTEM, enrolment=Enrolment.objects.get(person=w.pupil_in_7b), end_date=DAY
        ),
        [("Person", "scheeleskolan", False)],
    ),
    "enrolment_cancel": (
        lambda w: enrolment_cancel(
            actor=SYSTEM, enrolment=Enrolment.objects.get(person=w.pupil_in_arboga)
        ),
        [("Person", "gaddgardsskolan", False)],
    ),
    "group_create": (
        lambda w: group_create(
            actor=SYSTEM,
            organisation=w.scheeleskolan,
            display_name="7C",
            group_type=GroupType.KLASS,
            start_date=DAY,
        ),
        [("Group", "scheeleskolan", False)],
    ),
    "group_membership_add": (
        lambda w: group_membership_add(
            actor=SYSTEM, group=w.groups["8A"], person=w.central_admin_arboga, start_date=DAY
        ),
        # Memberships are part of the Group; on a Person they are only an expansion.
        [("Group", "gaddgardsskolan", False)],
    ),
    "group_membership_end": (
        lambda w: group_membership_end(
            actor=SYSTEM,
            membership=GroupMembership.objects.get(person=w.pupil_in_7b),
            end_date=DAY,
        ),
        [("Group", "scheeleskolan", False)],
    ),
    "duty_create": (
        lambda w: duty_create(
            actor=SYSTEM,
            person=w.guardian_of_pupil_in_7b,
            duty_at=w.scheeleskolan,
            duty_role=DutyRole.LARARE,
            start_date=DAY,
        ),
        [("Duty", "scheeleskolan", False), ("Person", "scheeleskolan", False)],
    ),
    "duty_end": (
        lambda w: duty_end(actor=SYSTEM, duty=w.mentor_of_7b.duties.get(), end_date=DAY),
        [("Duty", "scheeleskolan", False), ("Person", "scheeleskolan", False)],
    ),
    "assignment_role_add": (
        lambda w: assignment_role_add(
            actor=SYSTEM,
            duty=w.mentor_of_7b.duties.get(),
            group=w.groups["7A"],
            assignment_role_type=AssignmentRoleType.MENTOR,
            start_date=DAY,
        ),
        [("Duty", "scheeleskolan", False), ("Group", "scheeleskolan", False)],
    ),
    "activity_create": (
        lambda w: activity_create(
            actor=SYSTEM,
            organisation=w.scheeleskolan,
            display_name="Svenska 7A",
            groups=[w.groups["7A"]],
            teachers=[w.mentor_of_7b.duties.get()],
            start_date=DAY,
        ),
        [("Activity", "scheeleskolan", False)],
    ),
    "organisation_update": (
        lambda w: organisation_update(
            actor=SYSTEM, organisation=w.scheeleskolan, display_name="Scheeleskolan 7-9"
        ),
        [("Organisation", "scheeleskolan", False)],
    ),
    "lesson_cancel": (
        lambda w: schedule_services.lesson_cancel(actor=SYSTEM, lesson=_lesson(w)),
        [("CalendarEvent", "scheeleskolan", False)],
    ),
    "attendance_delete": (
        lambda w: attendance_delete(actor=SYSTEM, attendance=_attendance(w)),
        [("Attendance", "scheeleskolan", True)],
    ),
}


@pytest.mark.parametrize("service", CASES)
def test_the_service_records_its_changes(db: Any, story: Any, service: str) -> None:
    call, expected = CASES[service]
    before = ChangeRecord.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    call(story)
    recorded = {
        (r.entity_type, frozenset(r.organisation_ids), r.deleted)
        for r in ChangeRecord.objects.filter(pk__gt=before)
    }
    assert recorded == {
        (kind, frozenset([str(getattr(story, org).pk)] if org else []), deleted)
        for kind, org, deleted in expected
    }


def test_a_deletion_is_a_tombstone_at_once_and_a_rollback_leaves_nothing(
    db: Any, story: Any
) -> None:
    gone = _attendance(story)
    gone_id = gone.pk
    attendance_delete(actor=SYSTEM, attendance=gone)
    assert Tombstone.objects.filter(entity_id=gone_id, entity_type="Attendance").exists()

    kept = Attendance.objects.create(
        calendar_event=gone.calendar_event,
        student=story.protected_pupil_in_7b,
        date=DAY,
        organisation_id=story.scheeleskolan.pk,
        kind=AttendanceKind.ABSENT,
    )
    kept_id = kept.pk
    before = ChangeRecord.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        attendance_delete(actor=SYSTEM, attendance=kept)
        raise RuntimeError("the request failed after the service")
    assert ChangeRecord.objects.count() == before
    assert not Tombstone.objects.filter(entity_id=kept_id).exists()


def test_a_deletion_names_what_it_deleted() -> None:
    with pytest.raises(ValueError):
        change_record(entity_type="Person", organisation_ids=[], deleted=True)


def test_the_dispatcher_claims_each_outbox_row_once(db: Any, story: Any, settings: Any) -> None:
    settings.SKOLSAM_SS12000_WEBHOOK_ALLOW_PRIVATE = True
    client, _ = make_client([story.koping])
    Api(token_for(client)).post(
        "/subscriptions",
        {"name": "synk", "target": "http://127.0.0.1:9/", "resourceTypes": [{"resource": "Group"}]},
        status=201,
    )
    person_update(actor=SYSTEM, person=story.pupil_in_7b, given_name="Alvah")  # not subscribed
    group_create(
        actor=SYSTEM,
        organisation=story.scheeleskolan,
        display_name="7C",
        group_type=GroupType.KLASS,
        start_date=DAY,
    )
    assert tasks.dispatch_changes.call() == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.modified_entities == ["Group"] and not delivery.deleted_entities
    assert not ChangeRecord.objects.filter(dispatched_at__isnull=True).exists()
    # Run again (a retry, a second worker): nothing left to claim, nothing sent twice.
    assert tasks.dispatch_changes.call() == 0
    assert WebhookDelivery.objects.count() == 1
