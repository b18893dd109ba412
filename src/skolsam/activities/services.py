"""Write activities: which teachers teach which groups in which syllabus."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from skolsam.activities.models import Activity, ActivityTeacher
from skolsam.audit.services import audit_record
from skolsam.core.access import Actor
from skolsam.core.changes import change_record
from skolsam.core.choices import ActivityType
from skolsam.core.errors import DomainError
from skolsam.core.policy import Action
from skolsam.curriculum.models import Syllabus
from skolsam.duties.models import Duty
from skolsam.groups.models import Group
from skolsam.organisations.access import organisation_policy
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
    organisation_policy.require(
        actor,
        Action.CREATE,
        organisation,
        "Du har inte behörighet att ändra aktiviteter vid den enheten.",
    )
    if not groups:
        raise DomainError({"groups": _("En aktivitet måste ha minst en grupp.")})
    if end_date is not None and end_date < start_date:
        raise DomainError({"end_date": _("Slutdatum kan inte ligga före startdatum.")})
    # Groups and teachers from another huvudman would let one huvudman's staff reach
    # another's pupils through the activity.
    if any(g.organisation.huvudman_id != organisation.huvudman_id for g in groups):
        raise DomainError(
            {"groups": _("Alla grupper måste höra till samma huvudman som aktiviteten.")}
        )
    if any(d.duty_at.huvudman_id != organisation.huvudman_id for d in teachers):
        raise DomainError(
            {"teachers": _("Alla lärare måste ha sin tjänst hos samma huvudman som aktiviteten.")}
        )
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
    change_record(entity_type="Activity", ids=[activity.pk], organisation_ids=[organisation.pk])
    audit_record(
        actor=actor,
        action="activity.create",
        object_type="Activity",
        object_id=activity.pk,
        detail={"groups": [g.pk for g in groups], "teachers": [d.pk for d in teachers]},
        changes={
            "display_name": [None, display_name],
            "organisation": [None, str(organisation.pk)],
            "groups": [None, sorted(str(g.pk) for g in groups)],
            "teachers": [None, sorted(str(d.pk) for d in teachers)],
            "start_date": [None, start_date.isoformat()],
            "end_date": [None, end_date.isoformat() if end_date else None],
        },
    )
    return activity
