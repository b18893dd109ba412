"""Read a timetable CSV file and check every row against the register (docs/attendance.md).

Columns, in this order, with a header row: dag, start, slut, grupp, ämneskod, lärare, sal.
Semicolon or comma separated, UTF-8 (a BOM is fine). Every problem is collected, so the
user sees all of them at once: "Rad 4, lärare: signaturen XYZ finns inte vid skolenheten."
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from uuid import UUID

from django.db.models import Q

from skolsam.activities.models import Activity
from skolsam.core.errors import DomainError
from skolsam.curriculum.models import Syllabus
from skolsam.duties.models import Duty
from skolsam.groups.models import Group
from skolsam.organisations.models import Organisation
from skolsam.schedule.calendar import WEEKDAYS, weekday_number

COLUMNS = ("dag", "start", "slut", "grupp", "ämneskod", "lärare", "sal")
MAX_ROWS = 5000


@dataclass
class ParsedRow:
    line: int
    day_of_week: int
    start: time
    end: time
    group: Group
    code: str
    duty: Duty
    room: str
    activity: Activity | None
    syllabus_id: UUID | None
    syllabus_name: str


def _time(text: str) -> time | None:
    for fmt in ("%H:%M", "%H.%M", "%H%M"):
        try:
            return datetime.strptime(text.strip(), fmt).time()
        except ValueError:
            continue
    return None


def _rows(text: str) -> list[list[str]]:
    text = text.lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def _overlaps(a: tuple[int, time, time], b: tuple[int, time, time]) -> bool:
    return a[0] == b[0] and a[1] < b[2] and b[1] < a[2]


def parse_timetable(text: str, *, school_unit: Organisation, term: Any) -> list[ParsedRow]:
    """Return the file's rows resolved to groups, teachers and activities, or raise.

    Raises DomainError({"file": [...messages]}) with one Swedish message per problem.
    """
    errors: list[str] = []
    raw = [r for r in _rows(text) if any(cell.strip() for cell in r)]
    if not raw:
        raise DomainError({"file": ["Filen är tom."]})
    header = [c.strip().lower() for c in raw[0]]
    if header[: len(COLUMNS)] != list(COLUMNS):
        raise DomainError(
            {
                "file": [
                    "Rad 1: rubrikraden ska vara "
                    f"{';'.join(COLUMNS)} (den är {';'.join(header) or 'tom'})."
                ]
            }
        )
    body = raw[1:]
    if len(body) > MAX_ROWS:
        raise DomainError({"file": [f"Filen har {len(body)} rader; högst {MAX_ROWS} går."]})

    day = term.start_date
    groups = {
        g.display_name.strip().lower(): g
        for g in Group.objects.filter(organisation=school_unit).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=term.start_date),
            start_date__lte=term.end_date,
        )
    }
    duties: dict[str, Duty] = {}
    for known in Duty.objects.filter(duty_at=school_unit, start_date__lte=term.end_date).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=day)
    ):
        if known.signature:
            duties.setdefault(known.signature.strip().upper(), known)
    activities: dict[tuple[UUID, str], Activity] = {}
    for known_activity in (
        Activity.objects.filter(organisation=school_unit, start_date__lte=term.end_date)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=term.start_date))
        .select_related("syllabus")
        .prefetch_related("groups")
    ):
        codes = {known_activity.display_name.strip().lower()}
        if known_activity.syllabus is not None:
            codes |= {
                c.lower()
                for c in (known_activity.syllabus.subject_code, known_activity.syllabus.course_code)
                if c
            }
        for member_group in known_activity.groups.all():
            for code in codes:
                activities.setdefault((member_group.pk, code), known_activity)
    wanted_codes = {r[4].strip() for r in body if len(r) > 4 and r[4].strip()}
    syllabuses: dict[str, Syllabus] = {}
    for s in Syllabus.objects.filter(
        Q(subject_code__in=wanted_codes) | Q(course_code__in=wanted_codes)
    ).order_by("course_code"):
        for code in (s.course_code, s.subject_code):
            if code in wanted_codes:
                syllabuses.setdefault(code.lower(), s)

    parsed: list[ParsedRow] = []
    for n, cells in enumerate(body, start=2):
        cells = [c.strip() for c in cells] + [""] * (len(COLUMNS) - len(cells))
        if len(cells) > len(COLUMNS) and any(cells[len(COLUMNS) :]):
            errors.append(f"Rad {n}: för många kolumner ({len(cells)}); det ska vara 7.")
            continue
        day_text, start_text, end_text, group_text, code, signature, room = cells[:7]
        row_errors: list[str] = []
        weekday = weekday_number(day_text)
        if weekday is None or weekday > 5:
            row_errors.append(
                f"Rad {n}, dag: {day_text!r} är ingen skoldag (skriv {', '.join(WEEKDAYS[:5])})."
            )
        start, end = _time(start_text), _time(end_text)
        if start is None:
            row_errors.append(f"Rad {n}, start: {start_text!r} är ingen tid (skriv t.ex. 08:30).")
        if end is None:
            row_errors.append(f"Rad {n}, slut: {end_text!r} är ingen tid (skriv t.ex. 09:30).")
        if start is not None and end is not None and end <= start:
            row_errors.append(
                f"Rad {n}, slut: sluttiden {end_text} är inte efter starttiden {start_text}."
            )
        group = groups.get(group_text.lower())
        if group is None:
            row_errors.append(f"Rad {n}, grupp: gruppen {group_text!r} finns inte vid skolenheten.")
        if not code:
            row_errors.append(f"Rad {n}, ämneskod: saknas.")
        duty = duties.get(signature.upper())
        if duty is None:
            row_errors.append(
                f"Rad {n}, lärare: signaturen {signature!r} finns inte vid skolenheten under terminen."
            )
        if len(room) > 40:
            row_errors.append(f"Rad {n}, sal: namnet är längre än 40 tecken.")
        activity = activities.get((group.pk, code.lower())) if group else None
        syllabus = syllabuses.get(code.lower())
        if group is not None and code and activity is None and syllabus is None:
            row_errors.append(
                f"Rad {n}, ämneskod: {code!r} är varken en ämnes- eller kurskod eller en "
                f"aktivitet för {group.display_name}."
            )
        if row_errors:
            errors.extend(row_errors)
            continue
        assert weekday and start and end and group and duty
        parsed.append(
            ParsedRow(
                line=n,
                day_of_week=weekday,
                start=start,
                end=end,
                group=group,
                code=code,
                duty=duty,
                room=room,
                activity=activity,
                syllabus_id=syllabus.pk if syllabus else None,
                syllabus_name=(syllabus.course_name or syllabus.subject_name) if syllabus else code,
            )
        )
    # Nobody can be in two places at once: a group, a teacher or a room twice at a time.
    for i, a in enumerate(parsed):
        slot_a = (a.day_of_week, a.start, a.end)
        for b in parsed[:i]:
            slot_b = (b.day_of_week, b.start, b.end)
            if not _overlaps(slot_a, slot_b):
                continue
            if a.group.pk == b.group.pk:
                errors.append(
                    f"Rad {a.line}, grupp: {a.group.display_name} har redan lektion då (rad {b.line})."
                )
            if a.duty.pk == b.duty.pk:
                errors.append(
                    f"Rad {a.line}, lärare: {a.duty.signature} undervisar redan då (rad {b.line})."
                )
            if a.room and a.room.lower() == b.room.lower():
                errors.append(f"Rad {a.line}, sal: {a.room} är redan bokad då (rad {b.line}).")
    if errors:
        raise DomainError({"file": errors})
    if not parsed:
        raise DomainError({"file": ["Filen har inga schemarader under rubrikraden."]})
    return parsed


def timetable_conflicts(
    rows: list[ParsedRow], *, school_unit: Organisation, term: Any
) -> list[str]:
    """Return warnings for double bookings the rows allow but should not go unnoticed.

    A group, teacher or room twice at a time within the file is an error (above). These
    are warnings, because the file can be right and the register wrong, or the booking
    meant: pupils who are members of two groups with lessons at the same time (say 7B and
    Spanska 7), and a teacher booked at the same time in another school unit's timetable.
    Pupils are counted, never named, and only those without protected identity: a
    warning must not tell the importer that a protected pupil is in a group.
    """
    from skolsam.core.choices import SecurityMarking
    from skolsam.groups.models import GroupMembership
    from skolsam.schedule.models import TimetableEntry

    warnings: list[str] = []
    members: dict[UUID, set[UUID]] = {}
    for group_id, person_id in (
        GroupMembership.objects.filter(
            group_id__in={r.group.pk for r in rows},
            start_date__lte=term.end_date,
            person__security_marking=SecurityMarking.INGEN,
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=term.start_date))
        .values_list("group_id", "person_id")
    ):
        members.setdefault(group_id, set()).add(person_id)
    for i, a in enumerate(rows):
        for b in rows[:i]:
            if a.group.pk == b.group.pk or not _overlaps(
                (a.day_of_week, a.start, a.end), (b.day_of_week, b.start, b.end)
            ):
                continue
            both = members.get(a.group.pk, set()) & members.get(b.group.pk, set())
            if both:
                warnings.append(
                    f"Rad {a.line} och rad {b.line}: {len(both)} "
                    f"{'elev' if len(both) == 1 else 'elever'} i både {b.group.display_name} och "
                    f"{a.group.display_name} har lektion samtidigt "
                    f"({WEEKDAYS[a.day_of_week - 1].lower()} {a.start:%H:%M}–{a.end:%H:%M})."
                )
    elsewhere = (
        TimetableEntry.objects.filter(
            term__start_date__lte=term.end_date,
            term__end_date__gte=term.start_date,
            activity__teachers__duty__person_id__in={r.duty.person_id for r in rows},
        )
        .exclude(activity__organisation=school_unit)
        .values_list(
            "activity__teachers__duty__person_id",
            "day_of_week",
            "start_time",
            "end_time",
            "activity__organisation__display_name",
        )
        .distinct()
    )
    by_person: dict[UUID, list[tuple[int, time, time, str]]] = {}
    for person_id, weekday, start, end, unit_name in elsewhere:
        by_person.setdefault(person_id, []).append((weekday, start, end, unit_name))
    for row in rows:
        for weekday, start, end, unit_name in by_person.get(row.duty.person_id, []):
            if _overlaps((row.day_of_week, row.start, row.end), (weekday, start, end)):
                warnings.append(
                    f"Rad {row.line}, lärare: {row.duty.signature} undervisar samtidigt på "
                    f"{unit_name} ({WEEKDAYS[weekday - 1].lower()} "
                    f"{start:%H:%M}–{end:%H:%M})."
                )
    return warnings
