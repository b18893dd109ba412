"""Record a teacher's licence (legitimation) and what it covers, from Skolverket's decision."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.db import transaction

from skolsam.audit.services import audit_record
from skolsam.core.access import Actor
from skolsam.core.errors import DomainError, period_validate
from skolsam.core.policy import Action
from skolsam.grades.access import licence_policy
from skolsam.grades.models import LicenceQualification, TeacherLicence
from skolsam.grades.rules import VALUE_SETS


def teacher_licence_record(
    *,
    actor: Actor,
    person: Any,
    valid_from: date,
    qualifications: Iterable[Mapping[str, Any]],
    valid_to: date | None = None,
) -> TeacherLicence:
    """Record a licence with its qualifications: [{school_type, subject_code,
    school_year_from, school_year_to}], the years left out where the form has none."""
    licence_policy.require(
        actor,
        Action.CHANGE,
        person.pk,
        "Du kan bara registrera legitimation för personal där du är administratör.",
    )
    period_validate(valid_from, valid_to)
    rows = []
    for i, q in enumerate(qualifications):
        school_type = str(q.get("school_type", ""))
        subject_code = str(q.get("subject_code", "")).strip()
        where = f"qualifications.{i}"
        try:
            low, high = (
                None if q.get(key) in (None, "") else int(q[key])
                for key in ("school_year_from", "school_year_to")
            )
        except (TypeError, ValueError):
            raise DomainError({where: "Årskurserna ska vara heltal mellan 0 och 10."}) from None
        if school_type not in VALUE_SETS:
            raise DomainError({where: "Behörigheten måste gälla en skolform där betyg sätts."})
        if not subject_code or len(subject_code) > 32:
            raise DomainError({where: "Ange ämnets kod från Skolverket."})
        if (low is None) != (high is None):
            raise DomainError({where: "Ange både första och sista årskurs, eller ingen av dem."})
        if low is not None and high is not None and not (0 <= low <= high <= 10):
            raise DomainError({where: "Årskurserna ska ligga mellan 0 och 10, den första först."})
        rows.append(
            LicenceQualification(
                school_type=school_type,
                subject_code=subject_code,
                school_year_from=low,
                school_year_to=high,
            )
        )
    if not rows:
        raise DomainError({"qualifications": "Ange minst ett ämne som legitimationen gäller."})
    with transaction.atomic():
        licence = TeacherLicence.objects.create(
            person=person, valid_from=valid_from, valid_to=valid_to, recorded_by_id=actor.person_id
        )
        for row in rows:
            row.licence = licence
        LicenceQualification.objects.bulk_create(rows)
        audit_record(
            actor=actor,
            action="grades.licence_record",
            object_type="TeacherLicence",
            object_id=licence.pk,
            person_id=person.pk,
            detail={
                "valid_from": valid_from,
                "qualifications": [
                    f"{r.school_type} {r.subject_code} {r.school_year_from}-{r.school_year_to}"
                    for r in rows
                ],
            },
        )
    return licence
