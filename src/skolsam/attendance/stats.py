"""Count absence: per pupil, class and school unit, valid and invalid, in minutes and in
percent of scheduled time. Five queries whatever the size of the school.

Scheduled time is the length of every lesson that was not cancelled, for each pupil who
was a member of one of the lesson's groups that day.

Each minute of a pupil's day counts once (`attendance.minutes`): where a pupil's lessons
overlap, their scheduled time and absence are the union on the clock, not the sum. The
database sums every lesson as if none overlapped; a window function then finds the few
rows that overlap another of the same pupil's rows that day, and only those are merged
in Python and the sums corrected by the difference. A row that overlaps nothing adds the
same minutes either way.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from django.db.models import Count, F, Max, Min, OuterRef, Q, QuerySet, Subquery, Sum, Window
from django.db.models.expressions import RowRange

from skolsam.attendance import minutes as clock
from skolsam.attendance.models import Attendance
from skolsam.attendance.policy import policy_for
from skolsam.core.choices import GroupType
from skolsam.core.models import valid_on
from skolsam.groups.models import GroupMembership
from skolsam.people.models import Person
from skolsam.schedule.models import CalendarEvent


@dataclass
class Figures:
    scheduled: int = 0
    valid: int = 0
    invalid: int = 0
    invalid_occasions: int = 0

    @property
    def absent(self) -> int:
        return self.valid + self.invalid

    def percent(self, minutes: int) -> float:
        return round(100 * minutes / self.scheduled, 1) if self.scheduled else 0.0

    @property
    def valid_percent(self) -> float:
        return self.percent(self.valid)

    @property
    def invalid_percent(self) -> float:
        return self.percent(self.invalid)

    @property
    def absent_percent(self) -> float:
        return self.percent(self.absent)

    def add(self, other: Figures) -> None:
        self.scheduled += other.scheduled
        self.valid += other.valid
        self.invalid += other.invalid
        self.invalid_occasions += other.invalid_occasions


@dataclass
class PupilFigures:
    person: Person
    figures: Figures
    group: str = ""
    flagged_because: list[str] = field(default_factory=list)


@dataclass
class SchoolFigures:
    total: Figures
    groups: list[tuple[str, Figures]]
    pupils: list[PupilFigures]
    flagged: list[PupilFigures]
    alert_percent: int
    alert_occasions: int


def _scheduled(
    organisation_id: UUID, start: date, end: date, person_id: UUID | None = None
) -> QuerySet:
    """Return the unit's lessons in the period, one row per lesson and pupil of its groups."""
    member = "activity__groups__memberships__"
    lessons = CalendarEvent.objects.filter(
        organisation_id=organisation_id, date__range=(start, end), cancelled=False
    ).filter(
        Q(**{f"{member}start_date__lte": F("date")})
        & (Q(**{f"{member}end_date__isnull": True}) | Q(**{f"{member}end_date__gte": F("date")}))
        & (Q(**{f"{member}person_id": person_id}) if person_id else Q())
    )
    return lessons.annotate(pupil=F(f"{member}person_id"))


def _overlapping(rows: QuerySet, pupil: str, start: str, end: str) -> QuerySet:
    """Keep the rows that overlap another row of the same pupil on the same day.

    Sorted by start within (pupil, day), a row overlaps an earlier one when the latest end
    before it is after its start, and a later one when the next start is before its end.
    """
    partition = [F(pupil), F("date")]
    order = [F(start).asc(), F(end).asc()]
    # No model ordering: the windows sort what they need, a second sort would be waste.
    return (
        rows.order_by()
        .annotate(
            before=Window(
                Max(end), partition_by=partition, order_by=order, frame=RowRange(None, -1)
            ),
            after=Window(
                Min(start), partition_by=partition, order_by=order, frame=RowRange(1, None)
            ),
        )
        .filter(Q(before__gt=F(start)) | Q(after__lt=F(end)))
    )


def scheduled_minutes(
    organisation_id: UUID, start: date, end: date, person_id: UUID | None = None
) -> dict[UUID, int]:
    """Return each pupil's scheduled minutes at the unit between `start` and `end`.

    Overlapping lessons count once per minute: two queries whatever the number of pupils.
    """
    rows = _scheduled(organisation_id, start, end, person_id)
    sums = rows.values("pupil").annotate(minutes=Sum("duration_minutes")).order_by()
    out = {r["pupil"]: r["minutes"] for r in sums}
    spans: dict[tuple[UUID, date], list[clock.Span]] = defaultdict(list)
    for pupil, day, begin, minutes in _overlapping(
        rows, "pupil", "start_time", "end_time"
    ).values_list("pupil", "date", "start_time", "duration_minutes"):
        first = clock.clock_minute(begin)
        spans[pupil, day].append((first, first + minutes))
    for (pupil, _day), found in spans.items():
        out[pupil] += clock.length(found) - sum(e - s for s, e in found)
    return out


def absence_minutes(
    organisation_id: UUID, start: date, end: date, person_id: UUID | None = None
) -> dict[UUID, tuple[int, int, int]]:
    """Return each pupil's (valid, invalid, occasions with invalid absence) at the unit.

    Overlapping lessons count once per minute (see `attendance.minutes.absent`).
    """
    rows = Attendance.objects.filter(organisation_id=organisation_id, date__range=(start, end))
    if person_id:
        rows = rows.filter(student_id=person_id)
    sums = (
        rows.values("student_id")
        .annotate(
            valid=Sum("valid_absence_minutes"),
            invalid=Sum("invalid_absence_minutes"),
            occasions=Count("id", filter=Q(invalid_absence_minutes__gt=0)),
        )
        .order_by()
    )
    out = {r["student_id"]: [r["valid"] or 0, r["invalid"] or 0, r["occasions"]] for r in sums}
    for (pupil, _day), marked in overlapping_marks(rows).items():
        merged = clock.absent(marked)
        figures = out[pupil]
        figures[0] += merged.valid - sum(m.valid_absence for m in marked)
        figures[1] += merged.invalid - sum(m.invalid_absence for m in marked)
        figures[2] += merged.invalid_occasions - sum(1 for m in marked if m.invalid_absence)
    return {pupil: (v, i, o) for pupil, (v, i, o) in out.items()}


def overlapping_marks(rows: QuerySet) -> dict[tuple[UUID, date], list[clock.Marked]]:
    """Return, per (pupil, day), the attendance rows among `rows` whose lessons overlap."""
    found: dict[tuple[UUID, date], list[clock.Marked]] = defaultdict(list)
    flagged = _overlapping(
        rows, "student_id", "calendar_event__start_time", "calendar_event__end_time"
    ).values_list(
        "student_id",
        "date",
        "calendar_event__start_time",
        "calendar_event__duration_minutes",
        "kind",
        "valid_absence_minutes",
        "invalid_absence_minutes",
    )
    for pupil, day, begin, minutes, kind, valid, invalid in flagged:
        found[pupil, day].append(
            clock.Marked(clock.clock_minute(begin), minutes, kind, valid, invalid)
        )
    return found


def school_figures(
    *, organisation_id: UUID, start: date, end: date, visible: QuerySet
) -> SchoolFigures:
    """Return the unit's absence for the period: totals, per class, per pupil, and flags.

    `visible` is the persons the actor may see at a school unit
    (`access.pupils_located_by`); others are left out of every figure, so a protected
    pupil is not even "one more" in a class's numbers for anyone not named for her.
    """
    policy = policy_for(organisation_id, cached=True)
    scheduled = scheduled_minutes(organisation_id, start, end)
    absent = absence_minutes(organisation_id, start, end)
    ids = set(scheduled) | set(absent)
    # Each pupil with their class on the last day, in the same query.
    klass = GroupMembership.objects.filter(
        valid_on(end), person_id=OuterRef("pk"), group__group_type=GroupType.KLASS
    ).order_by("group__display_name")
    persons = {
        p.pk: p
        for p in visible.filter(pk__in=ids)
        .annotate(klass=Subquery(klass.values("group__display_name")[:1]))
        .only("id", "given_name", "middle_name", "family_name", "security_marking")
    }
    total = Figures()
    by_group: dict[str, Figures] = defaultdict(Figures)
    pupils = []
    for pid, person in persons.items():
        valid, invalid, occasions = absent.get(pid, (0, 0, 0))
        figures = Figures(scheduled.get(pid, 0), valid, invalid, occasions)
        total.add(figures)
        group = person.klass or "Utan klass"
        by_group[group].add(figures)
        row = PupilFigures(person, figures, group)
        if figures.absent_percent >= policy.alert_absence_percent and figures.absent:
            row.flagged_because.append(
                f"frånvaro {str(figures.absent_percent).replace('.', ',')} %"
            )
        if occasions >= policy.alert_invalid_occasions:
            row.flagged_because.append(f"ogiltig frånvaro {occasions} gånger")
        pupils.append(row)
    pupils.sort(
        key=lambda r: (-r.figures.absent_percent, r.person.family_name, r.person.given_name)
    )
    return SchoolFigures(
        total=total,
        groups=sorted(by_group.items()),
        pupils=pupils,
        flagged=[p for p in pupils if p.flagged_because],
        alert_percent=policy.alert_absence_percent,
        alert_occasions=policy.alert_invalid_occasions,
    )


def pupil_figures(*, person_id: UUID, organisation_id: UUID, start: date, end: date) -> Figures:
    """Return one pupil's figures at the unit, counted as `school_figures` counts them."""
    scheduled = scheduled_minutes(organisation_id, start, end, person_id).get(person_id, 0)
    valid, invalid, occasions = absence_minutes(organisation_id, start, end, person_id).get(
        person_id, (0, 0, 0)
    )
    return Figures(scheduled, valid, invalid, occasions)


def activity_absence_percent(
    *, activity_id: UUID, person_ids: list[UUID], start: date, end: date
) -> dict[UUID, float]:
    """Return each pupil's absence (valid and invalid) in percent of the activity's
    scheduled time between `start` and `end`: two queries whatever the number of pupils.

    One activity's lessons do not overlap each other, so plain sums are exact here.
    A pupil with no scheduled lesson gets 0.0.
    """
    member = "activity__groups__memberships__"
    lessons = CalendarEvent.objects.filter(
        activity_id=activity_id, date__range=(start, end), cancelled=False
    ).filter(
        Q(**{f"{member}start_date__lte": F("date")})
        & (Q(**{f"{member}end_date__isnull": True}) | Q(**{f"{member}end_date__gte": F("date")})),
        **{f"{member}person_id__in": person_ids},
    )
    scheduled = dict(
        lessons.values_list(f"{member}person_id")
        .annotate(minutes=Sum("duration_minutes"))
        .order_by()
        .values_list(f"{member}person_id", "minutes")
    )
    absent = dict(
        Attendance.objects.filter(
            calendar_event__activity_id=activity_id,
            calendar_event__cancelled=False,
            date__range=(start, end),
            student_id__in=person_ids,
        )
        .values("student_id")
        .annotate(minutes=Sum(F("valid_absence_minutes") + F("invalid_absence_minutes")))
        .order_by()
        .values_list("student_id", "minutes")
    )
    return {
        pk: Figures(scheduled=scheduled.get(pk) or 0).percent(absent.get(pk) or 0)
        for pk in person_ids
    }
