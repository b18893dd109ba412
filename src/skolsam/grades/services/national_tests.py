"""Record national test results (nationella prov) beside the grade: the teacher who grades
the activity enters each pupil's result on the whole test (the provbetyg, part empty) or
on one part (delprov). A new entry for the same pupil, subject, year and part replaces
the earlier one. All or nothing; each error names the pupil; audited under each pupil
(`grades.national_test`)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skolsam.activities.models import Activity
from skolsam.audit.services import audit_record
from skolsam.core.access import Actor
from skolsam.core.errors import DomainError
from skolsam.grades.access import graded_activities
from skolsam.grades.models import NationalTestResult
from skolsam.grades.selectors import roster

# A national test's result is given on the A–F scale.
TEST_VALUES = ("A", "B", "C", "D", "E", "F")
PART_MAX = 60


def national_tests_record(
    *, actor: Actor, activity: Activity, year: int, part: str, results: dict[UUID, str]
) -> int:
    """Store the typed results (empty values are skipped); return how many were stored."""
    if actor.person_id is None or not graded_activities(actor).filter(pk=activity.pk).exists():
        raise DomainError(_("Du sätter inte betyg i den aktiviteten."))
    if activity.syllabus_id is None:
        raise DomainError(_("Aktiviteten har inget ämne."))
    if not 2000 <= year <= timezone.localdate().year + 1:
        raise DomainError({"year": _("Ange provets år.")})
    part = (part or "").strip()
    if len(part) > PART_MAX:
        raise DomainError(
            {"part": _("Delprovets namn får vara högst %(n)d tecken.") % {"n": PART_MAX}}
        )
    pupils: dict[UUID, Any] = {p.pk: p for p in roster(actor, activity)}
    errors = []
    typed = {pk: (v or "").strip().upper() for pk, v in results.items()}
    for pk, value in typed.items():
        if not value:
            continue
        if pk not in pupils:
            errors.append(_("Eleven finns inte i gruppen."))
        elif value not in TEST_VALUES:
            errors.append(
                _("%(pupil)s: resultatet ska vara A–F.") % {"pupil": pupils[pk].full_name}
            )
    if errors:
        raise DomainError(errors)
    stored = 0
    with transaction.atomic():
        for pk, value in typed.items():
            if not value:
                continue
            NationalTestResult.objects.update_or_create(
                student_id=pk,
                syllabus_id=activity.syllabus_id,
                year=year,
                part=part,
                defaults={
                    "result": value,
                    "organisation_id": activity.organisation_id,
                    "recorded_by_id": actor.person_id,
                    "recorded_at": timezone.now(),
                },
            )
            audit_record(
                actor=actor,
                action="grades.national_test",
                object_type="NationalTestResult",
                object_id=f"{activity.syllabus_id}/{year}/{part}",
                person_id=pk,
                detail={"result": value, "year": year, "part": part},
            )
            stored += 1
    return stored
