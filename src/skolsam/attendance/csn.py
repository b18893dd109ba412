"""Find upper-secondary pupils over the CSN threshold and write the CSN report file.

The file layout is Skolsam's own, documented in docs/attendance.md ("CSN file"): CSN's
current layout is on its partner pages, and a school maps this file to it or enters the
rows in CSN's reporting service. One header line, one line per pupil reported for the
month, one line per return to full-time study, one trailer line, semicolon-separated,
UTF-8, CRLF:

    H;SKOLSAM-CSN;2;<skolenhetskod>;<organisationsnummer>;<YYYY-MM>;<skapad ISO 8601>
    P;<personnummer 12 siffror>;<efternamn>;<förnamn>;<YYYY-MM>;<ogiltig frånvaro i minuter>;<beslutsdatum>
    R;<personnummer 12 siffror>;<efternamn>;<förnamn>;<återgång YYYY-MM-DD>;<rapporterad månad YYYY-MM>;<beslutsdatum>
    T;<antal P-rader>;<antal R-rader>
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from django.db.models import QuerySet, Sum

from skolsam.attendance.minutes import absent
from skolsam.attendance.models import Attendance, CsnDecision, CsnDecisionKind, CsnReturn
from skolsam.attendance.policy import policy_for
from skolsam.attendance.stats import overlapping_marks
from skolsam.core.choices import SchoolType
from skolsam.enrolment.models import Enrolment
from skolsam.organisations.models import Organisation
from skolsam.people.models import Person

UPPER_SECONDARY = (SchoolType.GY, SchoolType.GYS)


def month_bounds(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


@dataclass
class CsnCandidate:
    student: Person
    invalid_minutes: int
    decision: CsnDecision | None


def csn_candidates(
    *, organisation: Organisation, month: date, visible: object
) -> list[CsnCandidate]:
    """Return the unit's upper-secondary pupils with invalid absence at or over the threshold.

    `visible` is the queryset of persons the actor may see (access layer).
    """
    first, last = month_bounds(month)
    threshold = policy_for(organisation.pk).csn_threshold_minutes
    enrolled = Enrolment.objects.filter(
        enroled_at=organisation,
        school_type__in=UPPER_SECONDARY,
        cancelled=False,
        start_date__lte=last,
    ).exclude(end_date__lt=first)
    rows = Attendance.objects.filter(
        organisation=organisation,
        date__range=(first, last),
        student_id__in=enrolled.values("person_id"),
        student__in=visible,
    )
    # Summed as if no lessons overlapped, then corrected where they do: merging only
    # lowers a sum, so pupils under the threshold before it stay under it.
    sums = (
        rows.values("student_id")
        .annotate(invalid=Sum("invalid_absence_minutes"))
        .filter(invalid__gte=threshold)
    )
    minutes: dict[UUID, int] = {r["student_id"]: r["invalid"] for r in sums}
    if minutes:
        overlapping = overlapping_marks(rows.filter(student_id__in=list(minutes)))
        for (pupil, _day), marked in overlapping.items():
            merged = absent(marked).invalid
            minutes[pupil] += merged - sum(m.invalid_absence for m in marked)
        minutes = {pupil: m for pupil, m in minutes.items() if m >= threshold}
    persons = Person.objects.in_bulk(list(minutes))
    decisions = {
        d.student_id: d
        for d in CsnDecision.objects.filter(
            organisation=organisation, month=first, student_id__in=list(minutes)
        ).select_related("report")
    }
    out = [CsnCandidate(persons[pid], m, decisions.get(pid)) for pid, m in minutes.items()]
    out.sort(key=lambda c: (c.student.family_name, c.student.given_name, str(c.student.pk)))
    return out


@dataclass
class CsnReported:
    """A pupil the unit has reported to CSN: the latest reported decision and its return."""

    student: Person
    decision: CsnDecision
    ret: CsnReturn | None


def csn_reported(*, organisation: Organisation, visible: QuerySet) -> list[CsnReported]:
    """Return the pupils reported to CSN from the unit, with their return if recorded.

    One row per pupil, for the latest reported month; two queries whatever the number.
    `visible` is the queryset of persons the actor may see (access layer).
    """
    latest: dict[UUID, CsnDecision] = {}
    for decision in (
        CsnDecision.objects.filter(
            organisation=organisation,
            decision=CsnDecisionKind.REPORT,
            report__isnull=False,
            student__in=visible,
        )
        .select_related("student", "report")
        .prefetch_related("returns__report")
        .order_by("student_id", "-month", "-pk")
    ):
        latest.setdefault(decision.student_id, decision)
    out = [CsnReported(d.student, d, next(iter(d.returns.all()), None)) for d in latest.values()]
    out.sort(key=lambda r: (r.student.family_name, r.student.given_name, str(r.student.pk)))
    return out


def _field(text: str) -> str:
    return text.replace(";", " ").replace("\r", " ").replace("\n", " ")


def csn_file(
    *,
    organisation: Organisation,
    month: date,
    decisions: list[CsnDecision],
    returns: list[CsnReturn],
    created: datetime,
) -> str:
    """Write the report file for the given decisions and returns (see the module docstring)."""
    lines = [
        ";".join(
            (
                "H",
                "SKOLSAM-CSN",
                "2",
                organisation.school_unit_code or "",
                organisation.organisation_number or "",
                f"{month:%Y-%m}",
                created.isoformat(timespec="seconds"),
            )
        )
    ]
    for d in decisions:
        s = d.student
        lines.append(
            ";".join(
                (
                    "P",
                    s.civic_no or "",
                    _field(s.family_name),
                    _field(s.given_name),
                    f"{d.month:%Y-%m}",
                    str(d.invalid_minutes),
                    d.decided_at.date().isoformat(),
                )
            )
        )
    for r in returns:
        s = r.student
        lines.append(
            ";".join(
                (
                    "R",
                    s.civic_no or "",
                    _field(s.family_name),
                    _field(s.given_name),
                    r.return_date.isoformat(),
                    f"{r.decision.month:%Y-%m}",
                    r.decided_at.date().isoformat(),
                )
            )
        )
    lines.append(f"T;{len(decisions)};{len(returns)}")
    return "\r\n".join(lines) + "\r\n"
