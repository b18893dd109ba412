"""Lock and sign the betygskatalog, and issue certificates, as PDF/A kept for ever.

- `catalogue_lock`: the unit's rektor freezes the current grades of one subject or course
  in a closed grading period (and one group, where given) into a `GradeCatalogue`.
- `catalogue_sign`: the rektor signs the locked catalogue. The signature records who
  (name and role), when, how they had logged in, and the SHA-256 of the rows signed; the
  PDF/A (WeasyPrint) is made then and stored with its own SHA-256 (SKOLFS 2011:123: the
  catalogue may be kept electronically and is kept permanently).
- `certificate_issue`: a slutbetyg (year 9: the final grades and the meritvärde),
  terminsbetyg or betygsutdrag for one pupil, stored with its PDF/A; or, in upper
  secondary, the summary (`DocumentKind.SAMMANSTALLNING`): every current course or
  subject grade with its points, the jämförelsetal and the failed points, titled
  examensbevis (the gymnasieexamen the programme leads to) or studiebevis, as
  `grades.selectors_summary` and `grades.examen` decide.
- `certificate_run_start` / `certificate_run_work`: a whole unit's certificates of a
  period, by a background task that records its progress and can be retried: a pupil
  whose certificate of the run exists is skipped.

Only grades the actor may see are listed (`grade_policy` VIEW): a pupil with protected
identity is in a catalogue only when the rektor is named for them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from contextlib import suppress
from typing import Any
from uuid import UUID

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from skolsam.audit.services import audit_record
from skolsam.core.access import Actor
from skolsam.core.choices import SchoolType
from skolsam.core.errors import DomainError
from skolsam.core.pdf import pdf_a_from_html
from skolsam.core.policy import Action
from skolsam.curriculum.models import Syllabus
from skolsam.grades.access import grade_policy, grading_period_policy
from skolsam.grades.merit import MeritGrade, MeritKind, meritvarde
from skolsam.grades.models import (
    CertificateRun,
    DocumentKind,
    Grade,
    GradeCatalogue,
    GradeDocument,
    GradingPeriod,
    RunStatus,
)
from skolsam.grades.selectors_summary import GradeSummary, grade_summary_for
from skolsam.people.models import Person

# Skolverket's subject codes (grundskolan) whose grades count in the meritvärde in a
# special way: moderna språk as språkval may be the 17th, modersmål never.
MODERN_LANGUAGE_CODES = frozenset({"GRGRMSP01"})
MOTHER_TONGUE_PREFIX = "GRGRMO"  # GRGRMOD01 and the national minority languages


# The certificates of one grading period; the others state every current grade.
PERIOD_KINDS = frozenset({DocumentKind.TERMINSBETYG, DocumentKind.BETYGSUTDRAG})


def _person_id(actor: Actor) -> UUID:
    if actor.person_id is None:
        raise DomainError("Bara en person i registret signerar och utfärdar betyg.")
    return actor.person_id


def _current_grades(actor: Actor) -> QuerySet[Grade]:
    return (
        grade_policy.objects(actor, Action.VIEW)
        # The decisions no later decision replaces: the grades as they stand.
        .filter(superseded_by__isnull=True)
        .select_related("student", "syllabus", "grading_teacher", "co_signer")
    )


def _name(person: Person | None) -> str:
    return person.full_name if person is not None else ""


def _catalogue_rows(grades: Iterable[Grade]) -> list[dict[str, Any]]:
    rows = [
        {
            "grade": str(g.pk),
            "student": str(g.student_id),
            "name": g.student.full_name,
            "family_name": g.student.family_name,
            "civic_no": g.student.civic_no or "",
            "value": g.grade_value,
            "kind": g.kind,
            "trial": g.trial,
            "adapted_study_plan": bool(g.adapted_study_plan),
            "teacher": _name(g.grading_teacher),
            "teacher_licensed": g.grading_teacher_licensed,
            "co_signer": _name(g.co_signer),
            "decided": g.decided_at.date().isoformat(),
        }
        for g in grades
    ]
    return sorted(rows, key=lambda r: (r["family_name"], r["name"], r["student"]))


def catalogue_lock(
    *, actor: Actor, period: GradingPeriod, syllabus: Syllabus, group: Any = None
) -> GradeCatalogue:
    """Freeze the current grades of `syllabus` in the closed `period` into a catalogue."""
    if not grading_period_policy.can(actor, Action.DECIDE, period):
        raise DomainError("Bara skolenhetens rektor låser betygskatalogen.")
    if period.is_open:
        raise DomainError("Stäng betygsperioden innan katalogen låses: betygen kan ändras ännu.")
    grades = _current_grades(actor).filter(grading_period=period, syllabus=syllabus)
    if group is not None:
        grades = grades.filter(group=group)
    rows = _catalogue_rows(grades)
    if not rows:
        raise DomainError("Det finns inga betyg att låsa i katalogen.")
    try:
        with transaction.atomic():
            catalogue = GradeCatalogue.objects.create(
                organisation_id=period.organisation_id,
                grading_period=period,
                syllabus=syllabus,
                group=group,
                rows=rows,
                locked_by_id=_person_id(actor),
            )
            audit_record(
                actor=actor,
                action="grades.catalogue_lock",
                object_type="GradeCatalogue",
                object_id=catalogue.pk,
                person_ids=[UUID(r["student"]) for r in rows],
                detail={"period": period.pk, "syllabus": syllabus.pk, "rows": len(rows)},
            )
    except IntegrityError:
        raise DomainError("Katalogen för ämnet är redan låst.") from None
    return catalogue


def _rows_digest(rows: list[dict[str, Any]]) -> str:
    return hashlib.sha256(
        json.dumps(rows, sort_keys=True, ensure_ascii=False).encode("utf-8")
    ).hexdigest()


def catalogue_sign(*, actor: Actor, catalogue: GradeCatalogue, login_method: str) -> GradeCatalogue:
    """Sign a locked catalogue as the unit's rektor and store its PDF/A."""
    if not grading_period_policy.can(actor, Action.DECIDE, catalogue.grading_period):
        raise DomainError("Bara skolenhetens rektor signerar betygskatalogen.")
    signer = Person.objects.get(pk=_person_id(actor))
    now = timezone.now()
    signature = {
        "name": signer.full_name,
        "role": "Rektor",
        "signed_at": now.isoformat(),
        "login_method": login_method,
        "rows_sha256": _rows_digest(catalogue.rows),
    }
    html = render_to_string(
        "grades/pdf/catalogue.html",
        {"catalogue": catalogue, "rows": catalogue.rows, "signature": signature},
    )
    pdf = pdf_a_from_html(html)
    with transaction.atomic():
        # One UPDATE that only an unsigned catalogue answers: two signatures never both land.
        signed = GradeCatalogue.objects.filter(pk=catalogue.pk, signed_at__isnull=True).update(
            signed_by_id=signer.pk,
            signed_at=now,
            signature=signature,
            pdf=pdf,
            pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        )
        if not signed:
            raise DomainError("Katalogen är redan signerad.")
        audit_record(
            actor=actor,
            action="grades.catalogue_sign",
            object_type="GradeCatalogue",
            object_id=catalogue.pk,
            person_ids=[UUID(r["student"]) for r in catalogue.rows],
            detail={"rows_sha256": signature["rows_sha256"], "login_method": login_method},
        )
    return GradeCatalogue.objects.get(pk=catalogue.pk)


def merit_kind(syllabus: Syllabus) -> MeritKind:
    """How a grundskola subject counts in the meritvärde, from its subject code."""
    code = syllabus.subject_code or ""
    if code in MODERN_LANGUAGE_CODES:
        return MeritKind.MODERN_LANGUAGE_CHOICE
    if code.startswith(MOTHER_TONGUE_PREFIX):
        return MeritKind.MOTHER_TONGUE
    return MeritKind.SUBJECT


def _certificate_grades(
    actor: Actor, student: Person, kind: str, period: GradingPeriod | None
) -> list[Grade]:
    grades = _current_grades(actor).filter(student=student)
    if kind == DocumentKind.SLUTBETYG:
        grades = grades.filter(final_grade=True, school_type="GR")
    elif kind == DocumentKind.TERMINSBETYG:
        if period is None:
            raise DomainError("Välj betygsperiod för terminsbetyget.")
        grades = grades.filter(grading_period=period)
    # One grade per subject: the latest decision of the latest term.
    latest: dict[Any, Grade] = {}
    for grade in sorted(grades, key=lambda g: (g.year, g.semester == "HT", g.decided_at)):
        latest[grade.syllabus_id] = grade
    return sorted(latest.values(), key=lambda g: str(g.syllabus))


def certificate_issue(
    *,
    actor: Actor,
    student: Person,
    organisation: Any,
    kind: str,
    period: GradingPeriod | None = None,
    run: CertificateRun | None = None,
) -> GradeDocument:
    """Issue one pupil's certificate of `kind` as PDF/A, with the meritvärde on a slutbetyg
    and the jämförelsetal and examen or studiebevis on the upper-secondary summary."""
    if kind not in DocumentKind.values:
        raise DomainError("Okänt slags betygsdokument.")
    if not grading_period_policy.can(actor, Action.DECIDE, organisation):
        raise DomainError("Bara skolenhetens rektor utfärdar betyg.")
    summary: GradeSummary | None = None
    if kind == DocumentKind.SAMMANSTALLNING:
        summary = grade_summary_for(actor=actor, student=student, organisation=organisation)
        grades = summary.grades
    else:
        grades = _certificate_grades(actor, student, kind, period)
    if not grades:
        raise DomainError(f"{student.full_name} har inga betyg att skriva ut.")
    merit = None
    if kind == DocumentKind.SLUTBETYG:
        merit = meritvarde(MeritGrade(g.grade_value, merit_kind(g.syllabus)) for g in grades)
    issuer = Person.objects.get(pk=_person_id(actor))
    now = timezone.now()
    if summary is not None:
        html = render_to_string(
            "grades/pdf/summary.html",
            {"summary": summary, "student": student, "issuer": issuer, "issued_at": now},
        )
        period = None
    else:
        html = render_to_string(
            "grades/pdf/certificate.html",
            {
                "kind": kind,
                "student": student,
                "grades": grades,
                "merit": merit,
                "issuer": issuer,
                "issued_at": now,
                "period": period,
            },
        )
    pdf = pdf_a_from_html(html)
    with transaction.atomic():
        document = GradeDocument.objects.create(
            kind=kind,
            student=student,
            organisation_id=organisation.pk if hasattr(organisation, "pk") else organisation,
            grading_period=period,
            grade_ids=[str(g.pk) for g in grades],
            merit_value=merit,
            comparison_value=summary.comparison_value if summary is not None else None,
            examen=_examen_label(summary),
            issued_by=issuer,
            issued_at=now,
            run=run,
            pdf=pdf,
            pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        )
        audit_record(
            actor=actor,
            action="grades.certificate_issue",
            object_type="GradeDocument",
            object_id=document.pk,
            person_id=student.pk,
            detail={
                "kind": kind,
                "grades": len(grades),
                "merit_value": str(merit or ""),
                **(
                    {
                        "comparison_value": str(summary.comparison_value or ""),
                        "examen": document.examen,
                    }
                    if summary is not None
                    else {}
                ),
            },
        )
    return document


def _examen_label(summary: GradeSummary | None) -> str:
    """What the summary's grades made: the examen's name, or Studiebevis."""
    if summary is None:
        return ""
    return summary.outcome.examen_name if summary.outcome.met else "Studiebevis"


def certificate_run_start(*, actor: Actor, period: GradingPeriod, kind: str) -> CertificateRun:
    """Queue a unit's certificates of `period` for every pupil graded in it."""
    if kind not in DocumentKind.values:
        raise DomainError("Okänt slags betygsdokument.")
    if not grading_period_policy.can(actor, Action.DECIDE, period):
        raise DomainError("Bara skolenhetens rektor utfärdar betyg.")
    if period.is_open:
        raise DomainError("Stäng betygsperioden innan betygen skrivs ut.")
    graded = _current_grades(actor).filter(grading_period=period)
    if kind == DocumentKind.SAMMANSTALLNING:
        # The upper-secondary summary: the pupils with a course or subject grade in it.
        graded = graded.filter(school_type=SchoolType.GY)
    student_ids = sorted({str(pk) for pk in graded.values_list("student_id", flat=True)})
    if not student_ids:
        if kind == DocumentKind.SAMMANSTALLNING:
            raise DomainError("Ingen elev har betyg från gymnasieskolan i perioden.")
        raise DomainError("Ingen elev har betyg i perioden.")
    with transaction.atomic():
        run = CertificateRun.objects.create(
            organisation_id=period.organisation_id,
            grading_period=period,
            kind=kind,
            student_ids=student_ids,
            requested_by_id=_person_id(actor),
        )
        audit_record(
            actor=actor,
            action="grades.certificate_run",
            object_type="CertificateRun",
            object_id=run.pk,
            detail={"kind": kind, "pupils": len(student_ids)},
        )
        transaction.on_commit(lambda: _enqueue(run))
    return run


def _enqueue(run: CertificateRun) -> None:
    from skolsam.grades.tasks import certificate_run_task

    certificate_run_task.enqueue(run_id=str(run.pk))


def certificate_run_work(*, run_id: UUID) -> CertificateRun:
    """Issue the run's certificates not yet issued, as the rektor who asked; safe to retry."""
    from skolsam.accounts.actor import actor_for_person

    run = CertificateRun.objects.select_related("grading_period").get(pk=run_id)
    if run.status == RunStatus.DONE:
        return run
    actor = actor_for_person(run.requested_by_id, on=timezone.localdate())
    CertificateRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
    issued = {str(s) for s in run.documents.values_list("student_id", flat=True)}
    students = Person.objects.in_bulk([UUID(s) for s in run.student_ids if s not in issued])
    done = len(issued)
    try:
        for student in sorted(students.values(), key=lambda p: (p.family_name, p.given_name)):
            # IntegrityError: another worker issued this pupil's certificate first.
            with suppress(IntegrityError):
                certificate_issue(
                    actor=actor,
                    student=student,
                    organisation=run.organisation_id,
                    kind=run.kind,
                    period=run.grading_period if run.kind in PERIOD_KINDS else None,
                    run=run,
                )
            done += 1
            CertificateRun.objects.filter(pk=run.pk).update(done=done)
    except DomainError as exc:
        CertificateRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, error=str(exc), finished_at=timezone.now()
        )
        raise
    CertificateRun.objects.filter(pk=run.pk).update(
        status=RunStatus.DONE, done=done, finished_at=timezone.now()
    )
    run.refresh_from_db()
    return run
