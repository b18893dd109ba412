"""Write activities: which teachers teach which groups in which syllabus."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from skolsam.activities.models import Activity, ActivityTeacher
from skolsam.audit.services import audit_record
from skolsam.core.access import Actor, may_manage_organisation
from skolsam.core.choices import ActivityType
from skolsam.core.errors import DomainError
from skolsam.curriculum.models import Syllabus
from skolsam.duties.models import Duty
from skolsam.groups.models import Group
from skolsam.organisations.models import Organisation


@transaction.atomic
def activity_create(
    *,
    actor: Actor,
    organisation: Organisation,
    display_name: str,
    groups: list[Group],
    teachers: list[Duty],
    start_date: date,
    end_date: date | None = None,
    syllabus: Syllabus | None = None,
    activity_type: str = ActivityType.UNDERVISNING,
    minutes_planned: int | None = None,
) -> Activity:
    """Create an activity teaching `groups`, taught by the `teachers`' duties."""
    if not actor.is_system and not may_manage_organisation(actor, organisation.pk):
        raise DomainError("Du har inte behörighet att ändra aktiviteter vid den enheten.")
    if not groups:
        raise DomainError({"groups": "En aktivitet måste ha minst en grupp."})
    if end_date is not None and end_date < start_date:
        raise DomainError({"end_date": "Slutdatum kan inte ligga före startdatum."})
    activity = Activity.objects.create(
        organisation=organisation,
        display_name=display_name,
        activity_type=activity_type,
        syllabus=syllabus,
        start_date=start_date,
        end_date=end_date,
        minutes_planned=minutes_planned,
    )
    activity.groups.set(groups)
    ActivityTeacher.objects.bulk_create(
        ActivityTeacher(activity=activity, duty=duty, grader=True) for duty in teachers
    )
    audit_record(
        actor=actor,
        action="activity.create",
        object_type="Activity",
        object_id=activity.pk,
        detail={"groups": [g.pk for g in groups], "teachers": [d.pk for d in teachers]},
    )
    return activity
