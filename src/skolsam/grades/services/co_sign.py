"""Co-sign an unlicensed teacher's grade: the licensed teacher's confirmation (SL 3:16).

The confirmation writes the decision: a new `Grade` (Satt) naming the proposing teacher
as grading teacher and the confirming one as co-signer, each with their licence status
that day. The `PendingGrade` keeps who proposed what and when and points at the decision;
it is the one row this service changes, once (`decision` from empty to set).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from skolsam.core.access import Actor, may_see_location
from skolsam.core.errors import DomainError
from skolsam.core.models import valid_on
from skolsam.duties.models import Duty
from skolsam.grades.access import licensed_for
from skolsam.grades.models import DecisionKind, Grade, GradeOrigin, PendingGrade
from skolsam.grades.services.decisions import _school_year, _write, decider_id


def grade_co_sign(*, actor: Actor, pending: PendingGrade) -> Grade:
    """Confirm the proposed grade as its licensed co-signer and return the decision."""
    signer_id = decider_id(actor)
    with transaction.atomic():
        try:
            proposal = (
                PendingGrade.objects.select_for_update(of=("self",))
                .select_related("sheet__period", "sheet__activity__syllabus", "student")
                .get(pk=pending.pk)
            )
        except PendingGrade.DoesNotExist:
            raise DomainError("Betyget finns inte.") from None
        if proposal.decision_id is not None:
            raise DomainError("Betyget är redan medsignerat.")
        period = proposal.sheet.period
        activity = proposal.sheet.activity
        syllabus = activity.syllabus
        if syllabus is None:
            raise DomainError("Aktiviteten har inget ämne som ger betyg.")
        unit_id = period.organisation_id
        if not period.is_open:
            raise DomainError("Betygsperioden är stängd: betyget kan inte medsigneras längre.")
        if proposal.proposed_by_id == signer_id:
            raise DomainError("Medbedömaren ska vara en annan lärare än den som sätter betyget.")
        if not may_see_location(actor, proposal.student):
            raise DomainError("Betyget finns inte.")
        works_here = Duty.objects.filter(
            valid_on(actor.on), person_id=signer_id, duty_at_id=unit_id
        ).exists()
        year = _school_year(proposal.student, period.organisation, actor.on)
        if not works_here or not licensed_for(signer_id, syllabus, year, actor.on):
            raise DomainError(
                "Du kan bara medsignera betyg vid din skolenhet, i ämnen och årskurser som "
                "din lärarlegitimation gäller."
            )
        grade = Grade(
            student=proposal.student,
            organisation_id=unit_id,
            registered_by_id=signer_id,
            registered_date=actor.on,
            grading_teacher_id=proposal.proposed_by_id,
            grade_value=proposal.grade_value,
            final_grade=period.final_grade,
            remark=proposal.remark,
            semester=period.semester,
            year=period.year,
            syllabus=syllabus,
            origin=GradeOrigin.HERE,
            school_type=syllabus.school_type,
            kind=DecisionKind.SET,
            grading_teacher_licensed=licensed_for(
                proposal.proposed_by_id, syllabus, year, actor.on
            ),
            co_signer_id=signer_id,
            co_signer_licensed=True,
            grading_period=period,
        )
        grade = _write(actor, grade, previous_value=None)
        proposal.decision = grade
        proposal.confirmed_by_id = signer_id
        proposal.confirmed_at = timezone.now()
        proposal.save(update_fields=["decision", "confirmed_by", "confirmed_at"])
    return grade
