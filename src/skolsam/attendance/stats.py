"""Count absence: per pupil, class and school unit, valid and invalid, in minutes and in
percent of scheduled time. Three queries whatever the size of the school.

Scheduled time is the length of every lesson that was not cancelled, for each pupil who
was a member of one of the lesson's groups that day.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum

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


def scheduled_minutes(organisation_id: UUID, start: date, end: date) -> dict[UUID, int]:
    """Return each pupil's scheduled minutes at the unit between `start` and `end`."""
    rows = (
        CalendarEvent.objects.filter(
            organisation_id=organisation_id, date__range=(start, end), cancelled=False
        )
        .filter(
            Q(activity__groups__memberships__start_date__lte=F("date"))
            & (
                Q(activity__groups__memberships__end_date__isnull=True)
                | Q(activity__groups__memberships__end_date__gte=F("date"))
            )
        )
        .values("activity__groups__memberships__person_id")
        .annotate(minutes=Sum("duration_minutes"))
        .order_by()
    )
    return {r["activity__groups__memberships__person_id"]: r["minutes"] for r in rows}


def absence_minutes(
    organisation_id: UUID, start: date, end: date
) -> dict[UUID, tuple[int, int, int]]:
    """Return each pupil's (valid, invalid, occasions with invalid absence) at the unit."""
    rows = (
        Attendance.objects.filter(organisation_id=organisation_id, date__range=(start, end))
        .values("student_id")
        .annotate(
            valid=Sum("valid_absence_minutes"),
            invalid=Sum("invalid_absence_minutes"),
            occasions=Count("id", filter=Q(invalid_absence_minutes__gt=0)),
        )
        .order_by()
    )
    return {r["student_id"]: (r["valid"] or 0, r["invalid"] or 0, r["occasions"]) for r in rows}


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
    scheduled = (
        CalendarEvent.objects.filter(
            organisation_id=organisation_id, date__range=(start, end), cancelled=False
        )
        .filter(
            Q(activity__groups__memberships__person_id=person_id)
            & Q(activity__groups__memberships__start_date__lte=F("date"))
            & (
                Q(activity__groups__memberships__end_date__isnull=True)
                | Q(activity__groups__memberships__end_date__gte=F("date"))
            )
        )
        .aggregate(m=Sum("duration_minutes"))["m"]
        or 0
    )
    agg = Attendance.objects.filter(
        organisation_id=organisation_id, student_id=person_id, date__range=(start, end)
    ).aggregate(
        valid=Sum("valid_absence_minutes"),
        invalid=Sum("invalid_absence_minutes"),
        occasions=Count("id", filter=Q(invalid_absence_minutes__gt=0)),
    )
    return Figures(scheduled, agg["valid"] or 0, agg["invalid"] or 0, agg["occasions"])
