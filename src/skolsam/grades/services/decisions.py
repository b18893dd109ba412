"""Decide grades: set, Ändring, Rättelse and prövning, each a new immutable row.

Every decision is checked here, whatever page or import calls it: the policy (who may),
the value set of the school form (`grades.rules`), the licence rule (SL 3:16), the
never-lower rule of an Ändring (SL 3:20), and that the decision replaces the grade as it
stands now (a decision on a replaced one is refused, so two people never both change
the same grade). The decision is audited under the pupil in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any
from uuid import UUID

from django.db import IntegrityError, transaction
from django.utils import timezone

from skolsam.audit.services import audit_record
from skolsam.core.access import Actor
from skolsam.core.choices import SchoolType
from skolsam.core.errors import DomainError, text_problem
from skolsam.core.models import valid_on
from skolsam.core.policy import Action
from skolsam.curriculum.models import Syllabus
from skolsam.duties.models import Duty
from skolsam.enrolment.models import Enrolment
from skolsam.grades.access import GradeTarget, grade_policy, licensed_for
from skolsam.grades.models import (
    CorrectionType,
    DecisionKind,
    Grade,
    GradeOrigin,
    GradingPeriod,
    GradingPeriodKind,
    Semester,
)
from skolsam.grades.rules import (
    DASH,
    TERM_GRADES_FROM_YEAR,
    ValueSet,
    is_diploma_project,
    value_set_for,
)
from skolsam.grades.services.publication import published_grade_follow
from skolsam.groups.models import GroupMembership
from skolsam.organisations.models import Organisation

TEXT_MAX = 2000
FORBIDDEN = {
    DecisionKind.SET: (
        "Du kan bara sätta betyg för elever du undervisar i ämnet, "
        "medan skolenhetens betygsperiod är öppen."
    ),
    DecisionKind.ANDRING: (
        "Bara läraren som satte betyget, eller skolenhetens rektor, kan ändra det."
    ),
    DecisionKind.RATTELSE: "Bara skolenhetens rektor kan rätta ett betyg (rättelse).",
    DecisionKind.PROVNING: "Bara en lärare vid skolenheten eller rektorn kan sätta betyg vid prövning.",
}


def _text(errors: dict[str, str], field: str, value: str) -> str:
    value = (value or "").strip()
    problem = text_problem(value, max_length=TEXT_MAX, multiline=True)
    if problem:
        errors[field] = problem
    return value


def _value_set(syllabus: Syllabus) -> tuple[ValueSet, bool]:
    diploma = is_diploma_project(syllabus.subject_code, syllabus.course_code)
    values = value_set_for(syllabus.school_type, diploma_project=diploma)
    if values is None:
        raise DomainError(
            {"syllabus": f"I skolformen {syllabus.get_school_type_display()} sätts inga betyg."}
        )
    return values, diploma


def _check_value(errors: dict[str, str], values: ValueSet, value: str) -> None:
    if value not in values.values:
        allowed = ", ".join(values.values)
        errors["grade_value"] = (
            f"{value or 'Tomt'} är inget giltigt betyg här ({values.name}: {allowed})."
        )


def _diploma_project(
    errors: dict[str, str], diploma: bool, project: Mapping[str, Any] | None
) -> dict[str, str] | None:
    """Return SS 12000's diplomaProject for the gymnasiearbete (title and description)."""
    if not diploma:
        if project:
            errors["diploma_project"] = "Bara gymnasiearbetet har titel och beskrivning."
        return None
    keys = ("title", "description", "titleEnglish", "descriptionEnglish")
    out = {k: _text(errors, f"diploma_project.{k}", str((project or {}).get(k, ""))) for k in keys}
    if not out["title"] or not out["description"]:
        errors["diploma_project"] = "Ange gymnasiearbetets titel och en beskrivning."
    return {k: v for k, v in out.items() if v}


def _school_year(student: Any, organisation: Any, day: date) -> int | None:
    return (
        Enrolment.objects.filter(
            valid_on(day), person_id=student.pk, enroled_at_id=organisation.pk, cancelled=False
        )
        .values_list("school_year", flat=True)
        .first()
    )


def _licences(
    errors: dict[str, str],
    *,
    actor: Actor,
    teacher_id: Any,
    co_signer: Any,
    syllabus: Syllabus,
    organisation: Any,
    school_year: int | None,
) -> tuple[bool, bool | None]:
    """Return whether the grading teacher and the co-signer are licensed for the grade.

    SL 3:16: an unlicensed teacher sets a grade together with a licensed one.
    """
    day = actor.on
    teacher_ok = licensed_for(teacher_id, syllabus, school_year, day)
    if co_signer is None:
        if not teacher_ok:
            errors["co_signer"] = (
                "Du har ingen lärarlegitimation för ämnet och årskursen. Betyget ska sättas "
                "tillsammans med en legitimerad lärare (skollagen 3 kap. 16 §): välj en "
                "medbedömare."
            )
        return teacher_ok, None
    if co_signer.pk == teacher_id:
        errors["co_signer"] = "Medbedömaren ska vara en annan lärare än den som sätter betyget."
        return teacher_ok, None
    works_here = Duty.objects.filter(
        valid_on(day), person_id=co_signer.pk, duty_at_id=organisation.pk
    ).exists()
    co_ok = works_here and licensed_for(co_signer.pk, syllabus, school_year, day)
    if not co_ok:
        errors["co_signer"] = (
            "Medbedömaren måste vara en lärare vid skolenheten med legitimation för ämnet "
            "och årskursen."
        )
    return teacher_ok, co_ok


def _semester_of(day: date) -> str:
    return Semester.VT if day.month <= 6 else Semester.HT


def grade_decide(
    *,
    actor: Actor,
    kind: str,
    grade_value: str,
    previous: Grade | None = None,
    student: Any = None,
    syllabus: Syllabus | None = None,
    organisation: Organisation | None = None,
    period: GradingPeriod | None = None,
    group: Any = None,
    co_signer: Any = None,
    reason: str = "",
    remark: str = "",
    adapted_study_plan: str = "",
    diploma_project: Mapping[str, Any] | None = None,
) -> Grade:
    """Record one grade decision as a new row and return it.

    - Satt: a teacher sets the grade of a pupil they teach in the subject, in an open
      period of the unit (`student`, `syllabus`, `organisation`, `period`).
    - Prövning: the examiner sets a grade after a prövning (`student`, `syllabus`,
      `organisation`); a new grade beside any earlier one, marked as a trial.
    - Ändring (SL 3:20): the grading teacher or the rektor changes `previous`, an obviously
      wrong grade; never to a lower one, and with a reason.
    - Rättelse: the rektor corrects a clerical error in `previous`, with a reason.
    """
    grade_value = (grade_value or "").strip()
    if kind in (DecisionKind.ANDRING, DecisionKind.RATTELSE):
        if previous is None:
            raise DomainError("Välj vilket betyg som ska ändras.")
        return _correct(
            actor=actor,
            kind=kind,
            previous=previous,
            grade_value=grade_value,
            co_signer=co_signer,
            reason=reason,
            remark=remark,
        )
    if kind not in (DecisionKind.SET, DecisionKind.PROVNING):
        raise DomainError({"kind": "Okänd typ av betygsbeslut."})
    if student is None or syllabus is None or organisation is None:
        raise DomainError("Ange elev, ämne eller kurs och skolenhet.")
    target = GradeTarget(
        student=student,
        syllabus=syllabus,
        organisation=organisation,
        period=period if kind == DecisionKind.SET else None,
    )
    action = Action.SET_GRADE if kind == DecisionKind.SET else Action.EXAMINE
    grade_policy.require(actor, action, target, FORBIDDEN[DecisionKind(kind)])
    errors: dict[str, str] = {}
    values, diploma = _value_set(syllabus)
    _check_value(errors, values, grade_value)
    if kind == DecisionKind.PROVNING and grade_value == DASH:
        # The dash means absence left the teacher no basis; a prövning is its own basis.
        errors["grade_value"] = "Vid en prövning sätts inget streck: sätt ett betyg."
    project = _diploma_project(errors, diploma, diploma_project)
    remark = _text(errors, "remark", remark)
    adapted_study_plan = _text(errors, "adapted_study_plan", adapted_study_plan)
    reason = _text(errors, "reason", reason)
    if group is not None and not (
        group.organisation_id == organisation.pk
        and GroupMembership.objects.filter(
            valid_on(actor.on), group_id=group.pk, person_id=student.pk
        ).exists()
    ):
        errors["group"] = "Eleven går inte i den gruppen vid skolenheten."
    school_year = _school_year(student, organisation, actor.on)
    teacher_ok, co_ok = _licences(
        errors,
        actor=actor,
        teacher_id=actor.person_id,
        co_signer=co_signer,
        syllabus=syllabus,
        organisation=organisation,
        school_year=school_year,
    )
    if kind == DecisionKind.SET and period is not None and period.kind == GradingPeriodKind.TERM:
        first = TERM_GRADES_FROM_YEAR.get(syllabus.school_type)
        if syllabus.school_type == SchoolType.GR and period.first_school_year is not None:
            first = period.first_school_year
        if first is not None and school_year is not None and school_year < first:
            errors["student"] = (
                f"Eleven går i årskurs {school_year}. Terminsbetyg sätts här från årskurs {first}."
            )
    if (
        kind == DecisionKind.SET
        and Grade.objects.filter(
            student_id=student.pk, syllabus_id=syllabus.pk, grading_period=period
        ).exists()
    ):
        errors["grade_value"] = (
            "Eleven har redan ett betyg i ämnet för perioden. Ett fel rättas med en ändring "
            "(eller rektorns rättelse), inte med ett nytt betyg."
        )
    if errors:
        raise DomainError(errors)
    if kind == DecisionKind.SET:
        assert period is not None  # the policy allowed only an open period
        semester, year, final = period.semester, period.year, period.final_grade
        origin = GradeOrigin.HERE
    else:
        semester, year, final = _semester_of(actor.on), actor.on.year, True
        origin = GradeOrigin.PROVNING
    grade = Grade(
        student=student,
        organisation=organisation,
        group=group,
        registered_by_id=decider_id(actor),
        registered_date=actor.on,
        grading_teacher_id=actor.person_id,
        grade_value=grade_value,
        final_grade=final,
        trial=kind == DecisionKind.PROVNING,
        adapted_study_plan=adapted_study_plan,
        remark=remark,
        semester=semester,
        year=year,
        syllabus=syllabus,
        diploma_project=project,
        origin=origin,
        school_type=syllabus.school_type,
        kind=kind,
        reason=reason,
        grading_teacher_licensed=teacher_ok,
        co_signer=co_signer,
        co_signer_licensed=co_ok,
        grading_period=period if kind == DecisionKind.SET else None,
    )
    return _write(actor, grade, previous_value=None)


def _correct(
    *,
    actor: Actor,
    kind: str,
    previous: Grade,
    grade_value: str,
    co_signer: Any,
    reason: str,
    remark: str,
) -> Grade:
    action = Action.AMEND_GRADE if kind == DecisionKind.ANDRING else Action.RECTIFY_GRADE
    if Grade.objects.filter(supersedes_id=previous.pk).exists():
        raise DomainError(
            "Betyget har redan ändrats eller rättats. Läs in det på nytt och utgå från det "
            "som gäller nu."
        )
    grade_policy.require(actor, action, previous, FORBIDDEN[DecisionKind(kind)])
    errors: dict[str, str] = {}
    values, _ = _value_set(previous.syllabus)
    _check_value(errors, values, grade_value)
    reason = _text(errors, "reason", reason)
    remark = _text(errors, "remark", remark) if remark else previous.remark
    if "reason" not in errors and not reason:
        errors["reason"] = (
            "Skriv varför betyget ändras."
            if kind == DecisionKind.ANDRING
            else "Skriv vilket skrivfel som rättas."
        )
    if "grade_value" not in errors:
        if grade_value == previous.grade_value:
            errors["grade_value"] = f"Betyget är redan {grade_value}."
        elif kind == DecisionKind.ANDRING and values.rank(grade_value) < values.rank(
            previous.grade_value
        ):
            errors["grade_value"] = (
                f"Ett betyg får aldrig sänkas genom en ändring (skollagen 3 kap. 20 §): "
                f"{previous.grade_value} kan inte ändras till {grade_value}. Är det ett "
                "skrivfel är det rektorns rättelse; annars står betyget kvar."
            )
    if kind == DecisionKind.ANDRING:
        teacher_id = actor.person_id
        teacher_ok, co_ok = _licences(
            errors,
            actor=actor,
            teacher_id=teacher_id,
            co_signer=co_signer,
            syllabus=previous.syllabus,
            organisation=previous.organisation,
            school_year=_school_year(previous.student, previous.organisation, actor.on),
        )
        signer_id = co_signer.pk if co_signer is not None else None
    else:
        # A Rättelse corrects how the decision was written down, not the assessment: the
        # grading teacher and co-signer of the corrected decision stand.
        if co_signer is not None:
            errors["co_signer"] = "En rättelse görs av rektorn ensam, utan medbedömare."
        teacher_id = previous.grading_teacher_id
        teacher_ok, co_ok = previous.grading_teacher_licensed, previous.co_signer_licensed
        signer_id = previous.co_signer_id
    if errors:
        raise DomainError(errors)
    grade = Grade(
        supersedes=previous,
        lineage=previous.lineage,
        version=previous.version + 1,
        student_id=previous.student_id,
        organisation_id=previous.organisation_id,
        group_id=previous.group_id,
        registered_by_id=decider_id(actor),
        registered_date=actor.on,
        grading_teacher_id=teacher_id,
        grade_value=grade_value,
        final_grade=previous.final_grade,
        trial=previous.trial,
        adapted_study_plan=previous.adapted_study_plan,
        remark=remark,
        converted=previous.converted,
        correction_type=CorrectionType(kind),
        semester=previous.semester,
        year=previous.year,
        syllabus_id=previous.syllabus_id,
        diploma_project=previous.diploma_project,
        origin=previous.origin,
        origin_school=previous.origin_school,
        school_type=previous.school_type,
        kind=kind,
        reason=reason,
        grading_teacher_licensed=teacher_ok,
        co_signer_id=signer_id,
        co_signer_licensed=co_ok,
        grading_period_id=previous.grading_period_id,
    )
    return _write(actor, grade, previous_value=previous.grade_value)


def decider_id(actor: Actor) -> UUID:
    """Return the person deciding: a grade decision is always a named person's (SL 3:16)."""
    if actor.person_id is None:
        raise DomainError("Ett betygsbeslut fattas av en person; logga in som den personen.")
    return actor.person_id


def _write(actor: Actor, grade: Grade, *, previous_value: str | None) -> Grade:
    grade.decided_at = timezone.now()
    try:
        with transaction.atomic():
            grade.save()
            audit_record(
                actor=actor,
                action="grades.decide",
                object_type="Grade",
                object_id=grade.pk,
                person_id=grade.student_id,
                changes={"grade_value": [previous_value, grade.grade_value]},
                detail={
                    "kind": grade.kind,
                    "lineage": grade.lineage,
                    "version": grade.version,
                    "syllabus": grade.syllabus_id,
                    "organisation": grade.organisation_id,
                    "term": f"{grade.semester}{grade.year}",
                    "grading_teacher": grade.grading_teacher_id,
                    "grading_teacher_licensed": grade.grading_teacher_licensed,
                    "co_signer": grade.co_signer_id,
                    "co_signer_licensed": grade.co_signer_licensed,
                    "origin": grade.origin,
                },
            )
            published_grade_follow(grade)
    except IntegrityError:
        # Someone else's decision came first: the same grade replaced twice, or a grade
        # set twice in one period.
        raise DomainError(
            "Någon annan har just fattat ett beslut om samma betyg. Läs in betyget på nytt."
        ) from None
    return grade


def grade_record_earlier(
    *,
    actor: Actor,
    student: Any,
    syllabus: Syllabus,
    organisation: Organisation,
    grade_value: str,
    semester: str,
    year: int,
    origin: str,
    origin_school: str,
    final_grade: bool = True,
    converted: bool = False,
    remark: str = "",
) -> Grade:
    """Record a grade from an earlier school or school form, from its document.

    A first-class grade, marked by `origin` and `origin_school`. Its grading teacher and
    their licence were the other school's to record, so neither is asked for here.
    """
    target = GradeTarget(student=student, syllabus=syllabus, organisation=organisation)
    grade_policy.require(
        actor,
        Action.CREATE,
        target,
        "Bara skolenhetens administratörer kan registrera betyg från en tidigare skola.",
    )
    errors: dict[str, str] = {}
    grade_value = (grade_value or "").strip()
    values, diploma = _value_set(syllabus)
    _check_value(errors, values, grade_value)
    if origin not in (GradeOrigin.EARLIER_SCHOOL, GradeOrigin.EARLIER_SCHOOL_FORM):
        errors["origin"] = "Ange om betyget kommer från en tidigare skola eller skolform."
    origin_school = _text(errors, "origin_school", origin_school)
    if "origin_school" not in errors and not origin_school:
        errors["origin_school"] = "Ange vilken skola (eller skolform) betyget kommer från."
    if semester not in Semester.values:
        errors["semester"] = "Välj hösttermin (HT) eller vårtermin (VT)."
    if not 1950 <= year <= actor.on.year:
        errors["year"] = f"Ange ett år mellan 1950 och {actor.on.year}."
    remark = _text(errors, "remark", remark)
    if diploma:
        errors["syllabus"] = "Gymnasiearbetet registreras med titel där det sattes."
    if errors:
        raise DomainError(errors)
    grade = Grade(
        student=student,
        organisation=organisation,
        registered_by_id=decider_id(actor),
        registered_date=actor.on,
        grade_value=grade_value,
        final_grade=final_grade,
        converted=converted,
        remark=remark,
        semester=semester,
        year=year,
        syllabus=syllabus,
        origin=origin,
        origin_school=origin_school,
        school_type=syllabus.school_type,
        kind=DecisionKind.SET,
    )
    return _write(actor, grade, previous_value=None)
