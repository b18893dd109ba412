"""Write the school calendar and the timetable: terms, days off, timetable imports,
generated lessons, and changes to single lessons (cancel, move, substitute)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from uuid import UUID

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from skolsam.activities.models import Activity, ActivityTeacher
from skolsam.audit.services import audit_record
from skolsam.core.access import Actor
from skolsam.core.changes import change_record
from skolsam.core.db import AnyOf
from skolsam.core.errors import DomainError
from skolsam.core.models import valid_on
from skolsam.core.policy import Action
from skolsam.duties.models import Duty
from skolsam.organisations.access import organisation_policy
from skolsam.organisations.models import Organisation
from skolsam.schedule import calendar
from skolsam.schedule.access import calendar_policy
from skolsam.schedule.models import (
    CalendarEvent,
    NonTeachingDay,
    NonTeachingKind,
    Term,
    TimetableEntry,
)
from skolsam.schedule.services.rooms import rooms_ensure
from skolsam.schedule.timetable_csv import parse_timetable, timetable_conflicts


def _may_manage(actor: Actor, organisation_id: UUID) -> None:
    organisation_policy.require(
        actor,
        Action.CHANGE,
        organisation_id,
        "Du har inte behörighet att ändra schemat vid den enheten.",
    )


def _may_manage_calendar(actor: Actor, organisation: Organisation) -> None:
    """A huvudman's terms and days off: its central administrators; a unit's: its own."""
    calendar_policy.require(
        actor, Action.CHANGE, organisation, "Du har inte behörighet att ändra kalendern där."
    )


@transaction.atomic
def term_create(
    *,
    actor: Actor,
    organisation: Organisation,
    school_year: int,
    name: str,
    start_date: date,
    end_date: date,
) -> Term:
    """Create a term for a huvudman (all its schools) or one school unit."""
    _may_manage_calendar(actor, organisation)
    if end_date < start_date:
        raise DomainError({"end_date": _("Terminen kan inte sluta före den börjar.")})
    if not name.strip():
        raise DomainError({"name": _("Terminen behöver ett namn, t.ex. Höstterminen 2026.")})
    if start_date.year not in (school_year, school_year + 1):
        raise DomainError(
            {
                "school_year": f"Läsåret {school_year}/{(school_year + 1) % 100:02d} kan inte ha "
                f"en termin som börjar {start_date:%Y-%m-%d}."
            }
        )
    overlapping = Term.objects.filter(
        organisation=organisation, start_date__lte=end_date, end_date__gte=start_date
    )
    if overlapping.exists():
        raise DomainError({"start_date": _("Terminen överlappar en annan termin vid samma enhet.")})
    term = Term.objects.create(
        organisation=organisation,
        school_year=school_year,
        name=name.strip(),
        start_date=start_date,
        end_date=end_date,
    )
    audit_record(
        actor=actor,
        action="term.create",
        object_type="Term",
        object_id=term.pk,
        detail={"organisation": organisation.pk, "start": start_date, "end": end_date},
    )
    return term


@transaction.atomic
def non_teaching_day_create(
    *,
    actor: Actor,
    organisation: Organisation,
    kind: str,
    name: str,
    start_date: date,
    end_date: date | None = None,
) -> NonTeachingDay:
    """Record days without lessons; lessons already generated on them are cancelled."""
    _may_manage_calendar(actor, organisation)
    end_date = end_date or start_date
    name = name.strip()
    if kind not in NonTeachingKind.values:
        raise DomainError({"kind": _("Välj lov, studiedag eller helgdag.")})
    if not name:
        raise DomainError({"name": _("Ge dagarna ett namn, t.ex. Höstlov eller Studiedag.")})
    if end_date < start_date:
        raise DomainError({"end_date": _("Slutdatum kan inte ligga före startdatum.")})
    row = NonTeachingDay.objects.create(
        organisation=organisation, kind=kind, name=name, start_date=start_date, end_date=end_date
    )
    # Lessons already generated on those days (in this subtree) are called off.
    from skolsam.schedule.access import subtree_ids

    called_off = CalendarEvent.objects.filter(
        organisation_id__in=subtree_ids(organisation.pk),
        date__range=(start_date, end_date),
        cancelled=False,
        reported_at__isnull=True,
    )
    lessons = list(called_off.values_list("pk", "organisation_id"))
    cancelled = called_off.update(cancelled=True, comment=name[:300], modified=timezone.now())
    if lessons:
        change_record(
            entity_type="CalendarEvent",
            ids=[pk for pk, _ in lessons],
            organisation_ids={org for _, org in lessons},
        )
    audit_record(
        actor=actor,
        action="calendar.non_teaching_day",
        object_type="NonTeachingDay",
        object_id=row.pk,
        detail={"kind": kind, "start": start_date, "end": end_date, "cancelled": cancelled},
    )
    return row


# --- lessons from the timetable ---------------------------------------------------------


def _events_for(
    entries: list[TimetableEntry], start: date, end: date, off: set[date]
) -> list[CalendarEvent]:
    out = []
    for entry in entries:
        activity = entry.activity
        first = max(start, entry.term.start_date, activity.start_date)
        last = min(end, entry.term.end_date, activity.end_date or end)
        length = int(
            (
                datetime.combine(first, entry.end_time) - datetime.combine(first, entry.start_time)
            ).total_seconds()
            // 60
        )
        for day in calendar.days(first, last):
            if day.isoweekday() != entry.day_of_week or day in off:
                continue
            out.append(
                CalendarEvent(
                    activity_id=activity.pk,
                    organisation_id=activity.organisation_id,
                    timetable_entry=entry,
                    planned_date=day,
                    date=day,
                    start_time=calendar.at(day, entry.start_time),
                    end_time=calendar.at(day, entry.end_time),
                    duration_minutes=length,
                    room=entry.room,
                )
            )
    return out


def generate_lessons(school_unit_id: UUID, term: Term, start: date, end: date) -> int:
    """Create the missing lessons of a unit's timetable between two dates (no audit entry)."""
    entries = list(
        TimetableEntry.objects.filter(term=term, activity__organisation_id=school_unit_id)
        .select_related("activity", "term")
        .order_by("pk")
    )
    off = calendar.non_teaching_dates(calendar.ancestors_and_self(school_unit_id), start, end)
    events = _events_for(entries, start, end, off)
    existing = set(
        CalendarEvent.objects.filter(
            timetable_entry__in=entries, planned_date__range=(start, end)
        ).values_list("timetable_entry_id", "planned_date")
    )
    fresh = [e for e in events if (e.timetable_entry.pk, e.planned_date) not in existing]  # type: ignore[union-attr]
    CalendarEvent.objects.bulk_create(fresh, batch_size=2000)
    if fresh:
        change_record(
            entity_type="CalendarEvent",
            ids=[e.pk for e in fresh],
            organisation_ids=[school_unit_id],
        )
    return len(fresh)


@transaction.atomic
def calendar_generate(
    *,
    actor: Actor,
    school_unit: Organisation,
    term: Term,
    start: date | None = None,
    end: date | None = None,
) -> int:
    """Create the term's lessons from the timetable; days off get none. Safe to rerun."""
    _may_manage(actor, school_unit.pk)
    first = max(start or term.start_date, term.start_date)
    last = min(end or term.end_date, term.end_date)
    created = generate_lessons(school_unit.pk, term, first, last)
    audit_record(
        actor=actor,
        action="calendar.generate",
        object_type="Term",
        object_id=term.pk,
        detail={"school_unit": school_unit.pk, "start": first, "end": last, "created": created},
    )
    return created


@dataclass
class ImportResult:
    entries: int
    activities_created: int
    lessons_created: int
    lessons_removed: int
    # Double bookings the import allowed: pupils in two groups, a teacher in two schools.
    warnings: list[str] = field(default_factory=list)


@transaction.atomic
def timetable_import(
    *,
    actor: Actor,
    school_unit: Organisation,
    term: Term,
    text: str,
    generate_from: date | None = None,
) -> ImportResult:
    """Replace a school unit's timetable for a term with the rows of a CSV file.

    All or nothing: any bad row raises DomainError listing every problem (row, field,
    why) and nothing is written. Activities missing for a group and subject are created.
    Lessons from `generate_from` (today by default) are regenerated; lessons already
    reported, or with attendance, are kept.
    """
    _may_manage(actor, school_unit.pk)
    rows = parse_timetable(text, school_unit=school_unit, term=term)
    warnings = timetable_conflicts(rows, school_unit=school_unit, term=term)
    first = max(generate_from or timezone.localdate(), term.start_date)

    activities_created = 0
    activity_for: dict[tuple[UUID, str], Activity] = {}
    for row in rows:
        key = (row.group.pk, row.code)
        activity = activity_for.get(key) or row.activity
        if activity is None:
            activity = Activity.objects.create(
                display_name=f"{row.group.display_name} {row.syllabus_name}"[:200],
                organisation=school_unit,
                syllabus_id=row.syllabus_id,
                start_date=term.start_date,
                end_date=term.end_date,
            )
            activity.groups.add(row.group)
            activities_created += 1
        activity_for[key] = activity
        row.activity = activity
    teachers = {(r.activity.pk, r.duty.pk) for r in rows if r.activity is not None}
    existing_teachers = set(
        ActivityTeacher.objects.filter(
            activity_id__in={a for a, _ in teachers}, duty_id__in={d for _, d in teachers}
        ).values_list("activity_id", "duty_id")
    )
    ActivityTeacher.objects.bulk_create(
        ActivityTeacher(activity_id=a, duty_id=d, grader=True)
        for a, d in sorted(teachers - existing_teachers)
    )

    old_entries = TimetableEntry.objects.filter(term=term, activity__organisation=school_unit)
    # A lesson with attendance stays. Asked through the reverse relation (attendance
    # points at lessons), so schedule does not import the attendance app above it.
    attendances = CalendarEvent.attendances.rel.related_model
    removable = CalendarEvent.objects.filter(
        timetable_entry__in=old_entries, date__gte=first, reported_at__isnull=True
    ).exclude(Exists(attendances._default_manager.filter(calendar_event_id=OuterRef("pk"))))
    # Locked until commit: a register saved meanwhile waits, and then finds its lesson gone.
    removed_ids = list(removable.select_for_update().values_list("pk", flat=True))
    removed = 0
    for i in range(0, len(removed_ids), 10_000):  # SQLite takes at most 32,766 parameters
        chunk = CalendarEvent.objects.filter(AnyOf("pk", removed_ids[i : i + 10_000]))
        removed += chunk.delete()[0]
    old_entries.delete()
    TimetableEntry.objects.bulk_create(
        TimetableEntry(
            activity=r.activity,
            term=term,
            day_of_week=r.day_of_week,
            start_time=r.start,
            end_time=r.end,
            room=r.room,
        )
        for r in rows
    )
    rooms_ensure(owner_id=school_unit.pk, names={r.room for r in rows})
    created = generate_lessons(school_unit.pk, term, first, term.end_date)
    # The activities of the timetable gained rows, teachers or groups; removed lessons go.
    change_record(
        entity_type="Activity",
        ids=sorted({r.activity.pk for r in rows if r.activity is not None}),
        organisation_ids=[school_unit.pk],
    )
    if removed_ids:
        change_record(
            entity_type="CalendarEvent",
            ids=removed_ids,
            organisation_ids=[school_unit.pk],
            deleted=True,
        )
    audit_record(
        actor=actor,
        action="timetable.import",
        object_type="Term",
        object_id=term.pk,
        detail={
            "school_unit": school_unit.pk,
            "rows": len(rows),
            "activities_created": activities_created,
            "lessons_created": created,
            "lessons_removed": removed,
            "from": first,
            "warnings": len(warnings),
        },
    )
    return ImportResult(len(rows), activities_created, created, removed, warnings)


# --- single lessons ------------------------------------------------------------------------


def _lesson_changed(actor: Actor, lesson: CalendarEvent, action: str, changes: dict) -> None:
    change_record(
        entity_type="CalendarEvent", ids=[lesson.pk], organisation_ids=[lesson.organisation_id]
    )
    audit_record(
        actor=actor,
        action=action,
        object_type="CalendarEvent",
        object_id=lesson.pk,
        changes=changes,
    )


@transaction.atomic
def lesson_cancel(*, actor: Actor, lesson: CalendarEvent, comment: str = "") -> CalendarEvent:
    """Call off one lesson. A lesson whose register is taken cannot be cancelled."""
    _may_manage(actor, lesson.organisation_id)
    if lesson.reported_at is not None:
        raise DomainError(_("Lektionen är redan närvarorapporterad och kan inte ställas in."))
    lesson.cancelled = True
    lesson.comment = comment[:300]
    lesson.modified = timezone.now()
    lesson.save(update_fields=["cancelled", "comment", "modified"])
    _lesson_changed(actor, lesson, "lesson.cancel", {"cancelled": [False, True]})
    return lesson


@transaction.atomic
def lesson_move(
    *,
    actor: Actor,
    lesson: CalendarEvent,
    day: date,
    start: time,
    end: time,
    room: str | None = None,
) -> CalendarEvent:
    """Move one lesson to another day, time or room."""
    _may_manage(actor, lesson.organisation_id)
    if end <= start:
        raise DomainError({"end": _("Sluttiden måste vara efter starttiden.")})
    if lesson.reported_at is not None:
        raise DomainError(_("Lektionen är redan närvarorapporterad och kan inte flyttas."))
    before = {
        "date": lesson.date.isoformat(),
        "start_time": calendar.local(lesson.start_time).strftime("%H:%M"),
        "end_time": calendar.local(lesson.end_time).strftime("%H:%M"),
        "room": lesson.room,
    }
    lesson.date = day
    lesson.start_time = calendar.at(day, start)
    lesson.end_time = calendar.at(day, end)
    lesson.duration_minutes = int((lesson.end_time - lesson.start_time).total_seconds() // 60)
    if room is not None:
        lesson.room = room.strip()[:40]
        rooms_ensure(owner_id=lesson.organisation_id, names=[lesson.room])
    lesson.modified = timezone.now()
    lesson.save()
    after = {
        "date": day.isoformat(),
        "start_time": start.strftime("%H:%M"),
        "end_time": end.strftime("%H:%M"),
        "room": lesson.room,
    }
    _lesson_changed(
        actor,
        lesson,
        "lesson.move",
        {k: [before[k], after[k]] for k in before if before[k] != after[k]},
    )
    return lesson


@transaction.atomic
def lesson_assign_substitute(
    *, actor: Actor, lesson: CalendarEvent, duty: Duty | None
) -> CalendarEvent:
    """Let another teacher (a duty at the same school) take one lesson; None removes it."""
    _may_manage(actor, lesson.organisation_id)
    if duty is not None:
        works_there = Duty.objects.filter(
            valid_on(lesson.date), pk=duty.pk, duty_at_id=lesson.organisation_id
        ).exists()
        if not works_there:
            raise DomainError(
                {"substitute": _("Vikarien har ingen tjänst vid skolenheten den dagen.")}
            )
    old = lesson.substitute_id
    lesson.substitute = duty
    lesson.modified = timezone.now()
    lesson.save(update_fields=["substitute", "modified"])
    _lesson_changed(
        actor,
        lesson,
        "lesson.substitute",
        {"substitute": [str(old) if old else None, str(duty.pk) if duty else None]},
    )
    return lesson
