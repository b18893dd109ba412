"""Find upper-secondary pupils over the CSN threshold and write the CSN report file.

The file layout is Skolsam's own, documented in docs/attendance.md ("CSN-fil"): CSN's
current layout is on its partner pages, and a school maps this file to it or enters the
rows in CSN's reporting service. One header line, one line per pupil, one trailer line,
semicolon-separated, UTF-8:

    H;SKOLSAM-CSN;1;<skolenhetskod>;<organisationsnummer>;<YYYY-MM>;<skapad ISO 8601>
    P;<personnummer 12 siffror>;<efternamn>;<förnamn>;<YYYY-MM>;<ogiltig frånvaro i minuter>;<beslutsdatum>
    T;<antal P-rader>
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from django.db.models import Sum

from skolsam.attendance.models import Attendance, CsnDecision
from skolsam.attendance.policy import policy_for
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
    sums = (
        Attendance.objects.filter(
            organisation=organisation,
            date__range=(first, last),
            student_id__in=enrolled.values("person_id"),
            student__in=visible,
        )
        .values("student_id")
        .annotate(invalid=Sum("invalid_absence_minutes"))
        .filter(invalid__gte=threshold)
    )
    minutes: dict[UUID, int] = {r["student_id"]: r["invalid"] for r in sums}
    persons = Person.objects.in_bulk(list(minutes))
    decisions = {
        d.student_id: d
        for d in CsnDecision.objects.filter(
            organisation=organisation, month=first, student_id__in=list(minutes)
        )
    }
    out = [CsnCandidate(persons[pid], m, decisions.get(pid)) for pid, m in minutes.items()]
    out.sort(key=lambda c: (c.student.family_name, c.student.given_name, str(c.student.pk)))
    return out


def csn_file(
    *, organisation: Organisation, month: date, decisions: list[CsnDecision], created: datetime
) -> str:
    """Write the report file for the given decisions (see the module docstring)."""
    lines = [
        ";".join(
            (
                "H",
                "SKOLSAM-CSN",
                "1",
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
                    s.family_name.replace(";", " "),
                    s.given_name.replace(";", " "),
                    f"{d.month:%Y-%m}",
                    str(d.invalid_minutes),
                    d.decided_at.date().isoformat(),
                )
            )
        )
    lines.append(f"T;{len(decisions)}")
    return "\r\n".join(lines) + "\r\n"
