"""Write preschool and fritidshem attendance: vistelseschema and check-in and check-out."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skolsam.attendance import access as attendance_access
from skolsam.attendance.models import (
    AttendanceEvent,
    AttendanceEventType,
    AttendanceSchedule,
    AttendanceScheduleStateChange,
    ScheduleState,
)
from skolsam.audit.services import audit_record
from skolsam.core.access import Actor
from skolsam.core.changes import change_record
from skolsam.core.errors import DomainError, period_validate
from skolsam.core.models import valid_on
from skolsam.core.policy import Action
from skolsam.enrolment.models import Placement
from skolsam.groups.models import Group, GroupMembership
from skolsam.organisations.access import organisation_policy
from skolsam.people.access import child_policy
from skolsam.people.models import Person
from skolsam.schedule import calendar

DAY_NAMES = calendar.WEEKDAYS


# More entries than a four-week schedule of every day, twice a day, is no schedule.
MAX_ENTRIES = 56


def _clean_entries(
    entries: list[dict[str, Any]], weeks: int, *, allow_empty: bool = False
) -> list[dict[str, Any]]:
    clean = []
    if len(entries) > MAX_ENTRIES:
        raise DomainError(
            {"schedule_entries": _("Schemat får ha högst %(most)s tider.") % {"most": MAX_ENTRIES}}
        )
    for i, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise DomainError({"schedule_entries": _("Rad %(i)s: ska vara ett objekt.") % {"i": i}})
        day = entry.get("dayOfWeek")
        if day not in DAY_NAMES:
            raise DomainError(
                {"schedule_entries": _("Rad %(i)s: okänd veckodag %(day)r.") % {"i": i, "day": day}}
            )
        try:
            start = datetime.strptime(str(entry.get("startTime")), "%H:%M").time()
            end = datetime.strptime(str(entry.get("endTime")), "%H:%M").time()
        except ValueError:
            raise DomainError(
                {"schedule_entries": _("Rad %(i)s: tider skrivs TT:MM.") % {"i": i}}
            ) from None
        if end <= start:
            raise DomainError(
                {
                    "schedule_entries": _(
                        "Rad %(i)s (%(day)s): sluttiden måste vara efter starttiden."
                    )
                    % {"i": i, "day": day}
                }
            )
        offset = entry.get("weekOffset") or 0
        if not isinstance(offset, int) or isinstance(offset, bool) or not 0 <= offset < weeks:
            raise DomainError(
                {
                    "schedule_entries": _(
                        "Rad %(i)s: vecka %(offset)s finns inte i ett %(weeks)s-veckorsschema."
                    )
                    % {"i": i, "offset": offset, "weeks": weeks}
                }
            )
        clean.append(
            {
                "weekOffset": offset,
                "dayOfWeek": day,
                "startTime": start.strftime("%H:%M"),
                "endTime": end.strftime("%H:%M"),
            }
        )
    if not clean and not allow_empty:
        raise DomainError({"schedule_entries": _("Schemat har inga tider.")})
    return clean


@transaction.atomic
def attendance_schedule_submit(
    *,
    actor: Actor,
    placement: Placement,
    entries: list[dict[str, Any]],
    start_date: date,
    end_date: date | None = None,
    number_of_weeks: int = 1,
    temporary: bool = False,
    allow_empty: bool = False,
) -> AttendanceSchedule:
    """Submit a child's vistelseschema; a guardian's is requested (Begärt) until staff approve."""
    if not (
        child_policy.can(actor, Action.SUBMIT_SCHEDULE, placement.child)
        or organisation_policy.can(actor, Action.VIEW, placement.placed_at_id)
        or attendance_access.api_client_reaches(actor, placement.placed_at_id)
    ):
        raise DomainError(_("Du kan bara lämna schema för dina egna barn."))
    period_validate(start_date, end_date)
    if not 1 <= number_of_weeks <= 4:
        raise DomainError({"number_of_weeks": _("Ett schema kan gälla 1–4 veckor i följd.")})
    if temporary and end_date is None:
        raise DomainError({"end_date": _("Ett tillfälligt schema måste ha ett slutdatum.")})
    if end_date is not None and end_date < start_date:
        raise DomainError({"end_date": _("Slutdatum kan inte ligga före startdatum.")})
    clean = _clean_entries(entries, number_of_weeks, allow_empty=allow_empty and temporary)
    if placement.max_weekly_schedule_hours:
        weekly = (
            sum(
                (
                    datetime.strptime(e["endTime"], "%H:%M")
                    - datetime.strptime(e["startTime"], "%H:%M")
                ).seconds
                for e in clean
            )
            / 3600
            / number_of_weeks
        )
        if weekly > placement.max_weekly_schedule_hours:
            raise DomainError(
                {
                    "schedule_entries": _(
                        "Schemat är %(weekly)s timmar i veckan; placeringen medger "
                        "%(max_weekly_schedule_hours)s."
                    )
                    % {
                        "weekly": f"{weekly:.1f}",
                        "max_weekly_schedule_hours": placement.max_weekly_schedule_hours,
                    }
                }
            )
    now = timezone.now()
    schedule = AttendanceSchedule.objects.create(
        placement=placement,
        number_of_weeks=number_of_weeks,
        start_date=start_date,
        end_date=end_date,
        temporary=temporary,
        state=ScheduleState.BEGART,
        schedule_entries=clean,
        registered_by_id=actor.person_id,
    )
    change_record(
        entity_type="AttendanceSchedule",
        ids=[schedule.pk],
        organisation_ids=[placement.placed_at_id],
    )
    AttendanceScheduleStateChange.objects.create(
        schedule=schedule,
        state=ScheduleState.BEGART,
        registered_at=now,
        registered_by_id=actor.person_id,
    )
    audit_record(
        actor=actor,
        action="schedule.submit",
        object_type="AttendanceSchedule",
        object_id=schedule.pk,
        person_id=placement.child_id,
        detail={"start": start_date, "end": end_date, "entries": len(clean)},
    )
    return schedule


@transaction.atomic
def attendance_schedule_decide(
    *, actor: Actor, schedule: AttendanceSchedule, approve: bool, comment: str = ""
) -> AttendanceSchedule:
    """Approve or refuse a requested schedule, as staff at the child's unit."""
    schedule = (
        AttendanceSchedule.objects.select_for_update()
        .select_related("placement")
        .get(pk=schedule.pk)
    )
    organisation_policy.require(
        actor, Action.VIEW, schedule.placement.placed_at_id, "Du arbetar inte vid barnets enhet."
    )
    if schedule.state != ScheduleState.BEGART:
        raise DomainError(_("Schemat är redan hanterat."))
    if not approve and not comment.strip():
        raise DomainError({"comment": _("Skriv varför schemat inte godkänns.")})
    old = schedule.state
    schedule.state = ScheduleState.GODKANT if approve else ScheduleState.NEKAT
    schedule.modified = timezone.now()
    schedule.save(update_fields=["state", "modified"])
    change_record(
        entity_type="AttendanceSchedule",
        ids=[schedule.pk],
        organisation_ids=[schedule.placement.placed_at_id],
    )
    AttendanceScheduleStateChange.objects.create(
        schedule=schedule,
        state=schedule.state,
        registered_at=schedule.modified,
        registered_by_id=actor.person_id,
        comment=comment.strip()[:300],
    )
    audit_record(
        actor=actor,
        action="schedule.decide",
        object_type="AttendanceSchedule",
        object_id=schedule.pk,
        person_id=schedule.placement.child_id,
        changes={"state": [old, schedule.state]},
    )
    return schedule


@transaction.atomic
def attendance_event_register(
    *, actor: Actor, person: Person, group: Group, event_type: str, at: datetime | None = None
) -> AttendanceEvent:
    """Check a child in or out of a department; the same state twice in a row is refused."""
    if event_type not in AttendanceEventType.values:
        raise DomainError({"event_type": _("Välj In eller Ut.")})
    if not attendance_access.api_client_reaches(actor, group.organisation_id):
        organisation_policy.require(
            actor, Action.VIEW, group.organisation_id, "Du arbetar inte vid avdelningens enhet."
        )
    now = timezone.now()
    if at is not None and at > now + timedelta(minutes=5):
        raise DomainError({"time": _("En in- eller utcheckning kan inte ligga i framtiden.")})
    moment = at or now
    day = calendar.local(moment).date()
    if not (
        Placement.objects.filter(valid_on(day), child=person, group=group).exists()
        or GroupMembership.objects.filter(valid_on(day), person=person, group=group).exists()
    ):
        raise DomainError({"person": _("Barnet hör inte till avdelningen den dagen.")})
    last = (
        AttendanceEvent.objects.select_for_update()
        .filter(person=person, date=day)
        .order_by("-time", "-created")
        .first()
    )
    current = last.event_type if last else AttendanceEventType.UT
    if current == event_type:
        raise DomainError(
            {
                "event_type": (
                    _("%(person)s är redan incheckad.")
                    if event_type == "In"
                    else _("%(person)s är redan utcheckad.")
                )
                % {"person": person.given_name}
            }
        )
    event = AttendanceEvent.objects.create(
        person=person,
        group=group,
        event_type=event_type,
        time=moment,
        date=day,
        registered_by_id=actor.person_id,
    )
    change_record(
        entity_type="AttendanceEvent", ids=[event.pk], organisation_ids=[group.organisation_id]
    )
    audit_record(
        actor=actor,
        action="attendance.check_in" if event_type == "In" else "attendance.check_out",
        object_type="AttendanceEvent",
        object_id=event.pk,
        person_id=person.pk,
    )
    return event


@transaction.atomic
def attendance_event_delete(*, actor: Actor, event: AttendanceEvent) -> None:
    """Remove a check-in or check-out registered by mistake; the deletion is audit-logged."""
    organisation_id = event.group.organisation_id
    if not attendance_access.api_client_reaches(actor, organisation_id):
        organisation_policy.require(
            actor, Action.VIEW, organisation_id, "Du arbetar inte vid avdelningens enhet."
        )
    audit_record(
        actor=actor,
        action="attendance.event_delete",
        object_type="AttendanceEvent",
        object_id=event.pk,
        person_id=event.person_id,
        detail={"time": event.time, "event_type": event.event_type, "group": event.group_id},
    )
    change_record(
        entity_type="AttendanceEvent",
        ids=[event.pk],
        organisation_ids=[organisation_id],
        deleted=True,
    )
    event.delete()


@transaction.atomic
def attendance_schedule_delete(*, actor: Actor, schedule: AttendanceSchedule) -> None:
    """Remove a child's vistelseschema, with its history of states; audit-logged."""
    placement = schedule.placement
    if not (
        organisation_policy.can(actor, Action.VIEW, placement.placed_at_id)
        or attendance_access.api_client_reaches(actor, placement.placed_at_id)
    ):
        raise DomainError(_("Du arbetar inte vid barnets enhet."))
    audit_record(
        actor=actor,
        action="schedule.delete",
        object_type="AttendanceSchedule",
        object_id=schedule.pk,
        person_id=placement.child_id,
        detail={
            "start": schedule.start_date,
            "end": schedule.end_date,
            "state": schedule.state,
            "entries": len(schedule.schedule_entries),
        },
    )
    change_record(
        entity_type="AttendanceSchedule",
        ids=[schedule.pk],
        organisation_ids=[placement.placed_at_id],
        deleted=True,
    )
    schedule.delete()


@transaction.atomic
def holiday_schedule_submit(
    *,
    actor: Actor,
    placement: Placement,
    days: dict[date, tuple[time, time] | None],
) -> list[AttendanceSchedule]:
    """Answer a lov (holiday) in one go: for each day, the times the child needs care, or
    None for a day off. Stored as temporary schedules of at most four weeks each (requested,
    for staff to approve); a temporary schedule with no times says the child is away.
    """
    if not days:
        raise DomainError({"days": _("Lovet har inga dagar att svara för.")})
    ordered = sorted(days)
    chunks: list[list[date]] = [[]]
    for day in ordered:
        first = chunks[-1][0] if chunks[-1] else day
        if chunks[-1] and (
            (calendar.week_start(day) - calendar.week_start(first)).days // 7 >= 4
            or (day - chunks[-1][-1]).days > 7
        ):
            chunks.append([])
        chunks[-1].append(day)
    made = []
    for chunk in chunks:
        monday = calendar.week_start(chunk[0])
        weeks = (calendar.week_start(chunk[-1]) - monday).days // 7 + 1
        entries = []
        for day in chunk:
            times = days[day]
            if times is None:
                continue
            start, end = times
            entries.append(
                {
                    "weekOffset": (calendar.week_start(day) - monday).days // 7,
                    "dayOfWeek": DAY_NAMES[day.weekday()],
                    "startTime": start.strftime("%H:%M"),
                    "endTime": end.strftime("%H:%M"),
                }
            )
        made.append(
            attendance_schedule_submit(
                actor=actor,
                placement=placement,
                entries=entries,
                start_date=chunk[0],
                end_date=chunk[-1],
                number_of_weeks=weeks,
                temporary=True,
                allow_empty=True,
            )
        )
    return made
