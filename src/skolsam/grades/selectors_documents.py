"""Read what the rektor's catalogue and certificate page shows, through the grade policy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch

from skolsam.core.access import Actor
from skolsam.core.choices import SchoolType
from skolsam.core.policy import Action
from skolsam.grades.access import grade_policy
from skolsam.grades.models import (
    CertificateRun,
    DocumentKind,
    GradeCatalogue,
    GradeDocument,
    GradingPeriod,
)


@dataclass
class CatalogueLine:
    """One subject or course (and group) of a period: its grades and its catalogue."""

    syllabus: Any
    group: Any
    grades: int
    catalogue: GradeCatalogue | None


def period_catalogue_lines(*, actor: Actor, period: GradingPeriod) -> list[CatalogueLine]:
    """Return each subject and group graded in the period with its catalogue, if locked.

    Two queries: the counts of the grades the actor may see, and the period's catalogues.
    """
    counts = (
        grade_policy.objects(actor, Action.VIEW)
        .filter(superseded_by__isnull=True)
        .filter(grading_period=period)
        .order_by()
        .values("syllabus", "group")
        .annotate(n=Count("pk"))
    )
    catalogues = {
        (c.syllabus_id, c.group_id): c
        for c in GradeCatalogue.objects.filter(grading_period=period)
        .select_related("syllabus", "group", "signed_by")
        .defer("pdf")
    }
    from skolsam.curriculum.models import Syllabus
    from skolsam.groups.models import Group

    rows = list(counts)
    syllabuses = Syllabus.objects.in_bulk({r["syllabus"] for r in rows})
    groups = Group.objects.in_bulk({r["group"] for r in rows if r["group"]})
    lines = [
        CatalogueLine(
            syllabus=syllabuses[r["syllabus"]],
            group=groups.get(r["group"]),
            grades=r["n"],
            catalogue=catalogues.get((r["syllabus"], r["group"])),
        )
        for r in rows
    ]
    return sorted(
        lines, key=lambda line: (str(line.syllabus), line.group.display_name if line.group else "")
    )


def _with_documents(runs: Any) -> Any:
    """The runs with their documents' pupils in one more query each, without the PDFs."""
    documents = (
        GradeDocument.objects.select_related("student")
        .defer("pdf")
        .order_by("student__family_name", "student__given_name", "issued_at")
    )
    return runs.prefetch_related(Prefetch("documents", queryset=documents))


def period_runs(*, period: GradingPeriod) -> list[CertificateRun]:
    """Return the period's certificate runs, newest first, each with its documents."""
    return list(
        _with_documents(CertificateRun.objects.filter(grading_period=period)).order_by(
            "-requested_at"
        )
    )


def period_run(*, period: GradingPeriod, run_id: Any) -> CertificateRun | None:
    """Return one of the period's runs with its documents (the page polls its progress)."""
    return _with_documents(CertificateRun.objects.filter(pk=run_id, grading_period=period)).first()


def period_upper_secondary_pupils(*, actor: Actor, period: GradingPeriod) -> list[Any]:
    """Return the pupils with an upper-secondary grade in the period, by name (one query).

    Each has a summary (examensbevis or studiebevis) page; a protected pupil is listed only
    for a rektor named for her.
    """
    grades = (
        grade_policy.objects(actor, Action.VIEW)
        .filter(superseded_by__isnull=True, grading_period=period, school_type=SchoolType.GY)
        .select_related("student")
    )
    pupils = {g.student_id: g.student for g in grades}
    return sorted(pupils.values(), key=lambda p: (p.family_name, p.given_name, str(p.pk)))


def summary_documents(*, student: Any, organisation_id: Any) -> list[GradeDocument]:
    """Return the pupil's issued examensbevis and studiebevis at the unit, newest first.

    The caller has found the pupil through the grade policy (`views_documents`)."""
    return list(
        GradeDocument.objects.filter(
            student=student,
            organisation_id=organisation_id,
            kind=DocumentKind.SAMMANSTALLNING,
        )
        .defer("pdf")
        .order_by("-issued_at")
    )
