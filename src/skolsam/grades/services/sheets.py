"""Save a teacher's grade sheet in one request: every row checked, one bulk write, or nothing.

The same rules as `grade_decide`'s Satt, for a whole group at once and in a constant
number of queries: the teacher grades the activity (the roster is the pupils of its
groups as the teacher may see them), the period is the unit's and open, each value is in
the school form's set, each remark is text that may be stored, term grades start at the
period's first school year, and a pupil has one grade per subject and period (a grade
already set is changed by an Ändring, not from the sheet). A teacher whose licence does
not cover the subject and the pupil's year (SL 3:16) proposes the grade: it waits, as a
`PendingGrade`, for a licensed teacher at the unit to co-sign (`grade_co_sign`).

Optimistic locking: the sheet's `version` is claimed under a row lock; a save made from
an older version is refused (`StaleGradeSheet`) and the page shows what the other save
stored.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from skolsam.activities.models import Activity
from skolsam.audit.services import AuditBatch
from skolsam.core.access import Actor
from skolsam.core.errors import DomainError, text_problem
from skolsam.grades.access import licence_covers, licence_ranges
from skolsam.grades.models import (
    DecisionKind,
    Grade,
    GradeOrigin,
    GradeSheet,
    GradingPeriod,
    PendingGrade,
)
from skolsam.grades.selectors import first_graded_year, roster, school_years, value_set_of
from skolsam.grades.services.decisions import TEXT_MAX, decider_id

# A sheet is one group's: more rows than this is not a sheet but an attack.
MAX_ROWS = 500


class StaleGradeSheet(DomainError):
    """Someone else saved the sheet after it was opened."""


@dataclass(frozen=True)
class SheetEntry:
    """One row of the sheet as typed: the pupil's id, the value (empty: not graded yet)."""

    student_id: uuid.UUID
    grade_value: str
    remark: str = ""


@dataclass(frozen=True)
class SheetSaved:
    version: int
    set: int  # grades decided now
    pending: int  # grades waiting for a co-signer


def _audit_detail(grade: Grade) -> dict[str, object]:
    return {
        "kind": grade.kind,
        "lineage": str(grade.lineage),
        "version": grade.version,
        "syllabus": str(grade.syllabus_id),
        "organisation": str(grade.organisation_id),
        "term": f"{grade.semester}{grade.year}",
        "grading_teacher": str(grade.grading_teacher_id),
        "grading_teacher_licensed": grade.grading_teacher_licensed,
        "co_signer": None if grade.co_signer_id is None else str(grade.co_signer_id),
        "co_signer_licensed": grade.co_signer_licensed,
        "origin": grade.origin,
        "via": "betygslista",
    }


def grade_sheet_save(
    *,
    actor: Actor,
    period: GradingPeriod,
    activity: Activity,
    version: int,
    entries: Iterable[SheetEntry],
) -> SheetSaved:
    """Set the typed grades of one activity's pupils in the period, all or nothing.

    Rows left empty are skipped; rows equal to what is stored change nothing. An
    unlicensed teacher's rows become (or update) grades waiting for a co-signer.
    """
    teacher_id = decider_id(actor)
    entries = list(entries)
    if len(entries) > MAX_ROWS:
        raise DomainError(f"En betygslista har högst {MAX_ROWS} rader.")
    values = value_set_of(activity)
    syllabus = activity.syllabus
    if values is None or syllabus is None:
        raise DomainError("Aktiviteten har inget ämne eller ingen kurs som ger betyg.")
    if period.organisation_id != activity.organisation_id:
        raise DomainError("Betygsperioden gäller en annan skolenhet.")
    if not period.is_open:
        raise DomainError("Betygsperioden är stängd. Betyg sätts bara medan den är öppen.")
    pupils = {p.pk: p for p in roster(actor, activity)}
    years = school_years(list(pupils), activity.organisation_id, actor.on)
    ranges = licence_ranges(teacher_id, syllabus, actor.on)
    first = first_graded_year(period, syllabus.school_type)
    typed = [e for e in entries if (e.grade_value or "").strip() or (e.remark or "").strip()]
    ids = [e.student_id for e in typed]
    with transaction.atomic():
        sheet, _ = GradeSheet.objects.get_or_create(period=period, activity=activity)
        sheet = GradeSheet.objects.select_for_update().get(pk=sheet.pk)
        if sheet.version != version:
            raise StaleGradeSheet(
                "Någon annan har sparat betygslistan sedan du öppnade den. Listan visar nu "
                "det som sparades; gör dina ändringar igen och spara."
            )
        existing = {
            g.student_id: g
            for g in Grade.objects.filter(
                student_id__in=ids, syllabus_id=syllabus.pk, grading_period=period
            ).current()
        }
        pending = {
            p.student_id: p for p in PendingGrade.objects.filter(sheet=sheet, student_id__in=ids)
        }
        errors: list[str] = []
        new_grades: list[Grade] = []
        new_pending: list[PendingGrade] = []
        changed_pending: list[PendingGrade] = []
        now = timezone.now()
        audit = AuditBatch(actor)
        for entry in typed:
            pupil = pupils.get(entry.student_id)
            if pupil is None:
                errors.append(
                    "En rad gäller en elev som inte går i gruppen (eller som du inte "
                    "undervisar i ämnet). Läs in listan på nytt."
                )
                continue
            name = pupil.full_name
            value = (entry.grade_value or "").strip()
            remark = (entry.remark or "").strip()
            problem = text_problem(remark, max_length=TEXT_MAX, multiline=True)
            if problem:
                errors.append(f"{name}, anmärkning: {problem}")
                continue
            if not value:
                errors.append(f"{name}: välj ett betyg, eller ta bort anmärkningen.")
                continue
            if value not in values.values:
                shown = value[:10] or "Tomt"
                errors.append(
                    f"{name}: {shown} är inget giltigt betyg här ({values.name}: "
                    f"{', '.join(values.values)})."
                )
                continue
            year = years.get(pupil.pk)
            if first is not None and year is not None and year < first:
                errors.append(
                    f"{name} går i årskurs {year}. Terminsbetyg sätts här från årskurs {first}."
                )
                continue
            stored = existing.get(pupil.pk)
            if stored is not None:
                if stored.grade_value != value:
                    errors.append(
                        f"{name} har redan betyget {stored.grade_value} för perioden. Ett "
                        "satt betyg ändras med en ändring (aldrig till ett lägre), inte "
                        "från betygslistan."
                    )
                continue
            waiting = pending.get(pupil.pk)
            if waiting is not None and waiting.decision_id is not None:
                continue  # already co-signed: the grade above is the decision
            if licence_covers(ranges, year):
                grade_id = uuid.uuid4()
                grade = Grade(
                    id=grade_id,
                    lineage=grade_id,
                    student=pupil,
                    organisation_id=activity.organisation_id,
                    group_id=getattr(pupil, "sheet_group_id", None),
                    registered_by_id=teacher_id,
                    registered_date=actor.on,
                    grading_teacher_id=teacher_id,
                    grade_value=value,
                    final_grade=period.final_grade,
                    remark=remark,
                    semester=period.semester,
                    year=period.year,
                    syllabus_id=syllabus.pk,
                    origin=GradeOrigin.HERE,
                    school_type=syllabus.school_type,
                    kind=DecisionKind.SET,
                    decided_at=now,
                    grading_teacher_licensed=True,
                    grading_period=period,
                )
                new_grades.append(grade)
                audit.add(
                    action="grades.decide",
                    object_type="Grade",
                    object_id=grade.pk,
                    person_id=pupil.pk,
                    changes={"grade_value": [None, value]},
                    detail=_audit_detail(grade),
                )
            elif waiting is None:
                proposal = PendingGrade(
                    sheet=sheet,
                    student=pupil,
                    grade_value=value,
                    remark=remark,
                    proposed_by_id=teacher_id,
                    proposed_at=now,
                )
                new_pending.append(proposal)
                audit.add(
                    action="grades.propose",
                    object_type="PendingGrade",
                    object_id=proposal.pk,
                    person_id=pupil.pk,
                    changes={"grade_value": [None, value]},
                    detail={"syllabus": str(syllabus.pk), "period": str(period.pk)},
                )
            elif (waiting.grade_value, waiting.remark) != (value, remark):
                audit.add(
                    action="grades.propose",
                    object_type="PendingGrade",
                    object_id=waiting.pk,
                    person_id=pupil.pk,
                    changes={"grade_value": [waiting.grade_value, value]},
                    detail={"syllabus": str(syllabus.pk), "period": str(period.pk)},
                )
                waiting.grade_value, waiting.remark = value, remark
                waiting.proposed_by_id, waiting.proposed_at = teacher_id, now
                changed_pending.append(waiting)
        if errors:
            raise DomainError(errors)
        try:
            with transaction.atomic():
                Grade.objects.bulk_create(new_grades)
        except IntegrityError:
            raise StaleGradeSheet(
                "Någon annan satte ett av betygen samtidigt. Listan visar nu det som sparades."
            ) from None
        PendingGrade.objects.bulk_create(new_pending)
        if changed_pending:
            PendingGrade.objects.bulk_update(
                changed_pending, ["grade_value", "remark", "proposed_by", "proposed_at"]
            )
        audit.flush()
        sheet.version += 1
        sheet.saved_at = now
        sheet.saved_by_id = teacher_id
        sheet.save(update_fields=["version", "saved_at", "saved_by"])
    return SheetSaved(version=sheet.version, set=len(new_grades), pending=len(new_pending))
