"""Decide whether an upper-secondary pupil's grades make a gymnasieexamen or a studiebevis.

Pure functions over course (or GY25 subject-level) grades with their points, like
`grades.merit`: the certificate and the rektor's page compute it the same way, and the
requirements themselves are data in `grades.rules` (gymnasieförordningen 8 kap. 5–7 §§).

How the grades are counted:
- A to E are passing grades, F is not. The dash (streck) is no grade at all (SL 3 kap.
  15 §): its points are neither graded nor passed, so a dash in the programme keeps the
  graded points under 2 500 until a grade is set (by prövning, for example). Both F and
  the dash count as not passed ("failed points") on the certificate.
- The gymnasiearbete's points count like any course's; it must itself be passed (E).
- A course of an utökat program (marked U) is left out of the examen's points.
- Only codes of passed courses satisfy a named requirement (Svenska 1 and so on).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from skolsam.core.choices import ProgrammeType
from skolsam.grades.rules import (
    DASH,
    HOGSKOLEFORBEREDANDE_EXAMEN,
    HOGSKOLEFORBEREDANDE_PROGRAMMES,
    INTRODUCTORY_PROGRAMME_PREFIX,
    YRKES_PROGRAMMES,
    YRKESEXAMEN,
    ExamenRequirements,
    is_passing,
)


@dataclass(frozen=True)
class ExamenCourse:
    """One current course or subject-level grade of the pupil, as the examen counts it."""

    code: str
    value: str
    points: int
    diploma_project: bool = False
    # One of the programme's programgemensamma ämnen (yrkesexamen: 400 points of them).
    programme_common: bool = False
    # Read as an utökat program: outside the examen's points.
    extended: bool = False

    @property
    def passed(self) -> bool:
        return is_passing(self.value)


@dataclass(frozen=True)
class ExamenOutcome:
    """What the grades make: the examen (when `met`) or a studiebevis, and why not."""

    requirements: ExamenRequirements | None
    met: bool
    graded_points: int
    passed_points: int
    # F and the dash: the points short of a passing grade.
    failed_points: int
    programme_common_passed_points: int
    # Each requirement not met, in Swedish, naming it.
    missing: tuple[str, ...]

    @property
    def examen_name(self) -> str:
        """The examen the programme leads to ("" for an introduktionsprogram)."""
        return self.requirements.name if self.requirements is not None else ""

    @property
    def allowed_failed_points(self) -> int:
        """How many points may lack a passing grade and still make the examen."""
        if self.requirements is None:
            return 0
        return self.requirements.total_points - self.requirements.passed_points


def requirements_for(programme_type: str, programme_code: str) -> ExamenRequirements | None:
    """Return the examen a programme leads to, by its SS 12000 type, else by its code.

    An inriktning is given its programme's type and code by the caller. None: an
    introduktionsprogram, or a programme this table does not know, leads to no examen.
    """
    if programme_type == ProgrammeType.HOGSKOLEFORBEREDANDE:
        return HOGSKOLEFORBEREDANDE_EXAMEN
    if programme_type == ProgrammeType.YRKESPROGRAM:
        return YRKESEXAMEN
    if programme_type == ProgrammeType.INTRODUKTIONSPROGRAM:
        return None
    code = programme_code.upper()
    if code.startswith(INTRODUCTORY_PROGRAMME_PREFIX):
        return None
    if code[:2] in HOGSKOLEFORBEREDANDE_PROGRAMMES:
        return HOGSKOLEFORBEREDANDE_EXAMEN
    if code[:2] in YRKES_PROGRAMMES:
        return YRKESEXAMEN
    return None


def examen_check(
    requirements: ExamenRequirements | None, courses: Iterable[ExamenCourse]
) -> ExamenOutcome:
    """Check the pupil's current grades against the programme's examen requirements.

    `requirements` None (an introduktionsprogram, or no national programme) never makes an
    examen: the pupil gets a studiebevis. Otherwise every requirement is checked and each
    one not met is named in `missing`, so the certificate and the rektor's page can say
    what is lacking; the examen is `met` when none is.
    """
    counted = [c for c in courses if not c.extended]
    for course in counted:
        if course.points < 0:
            raise ValueError("En kurs kan inte ha negativa poäng.")
    graded = sum(c.points for c in counted if c.value != DASH)
    passed = sum(c.points for c in counted if c.passed)
    failed = sum(c.points for c in counted if not c.passed)
    common_passed = sum(c.points for c in counted if c.passed and c.programme_common)
    if requirements is None:
        return ExamenOutcome(
            requirements=None,
            met=False,
            graded_points=graded,
            passed_points=passed,
            failed_points=failed,
            programme_common_passed_points=common_passed,
            missing=("Programmet leder inte till någon gymnasieexamen.",),
        )
    missing: list[str] = []
    if graded < requirements.total_points:
        missing.append(
            f"Betyg på {graded} poäng; examen kräver betyg på {requirements.total_points} poäng."
        )
    if passed < requirements.passed_points:
        missing.append(
            f"Godkända betyg på {passed} poäng; examen kräver minst {requirements.passed_points}."
        )
    passed_codes = {c.code.upper() for c in counted if c.passed}
    for subject in requirements.subjects:
        if not any(alternative <= passed_codes for alternative in subject.alternatives):
            missing.append(f"Godkänt betyg saknas i {subject.label}.")
    if requirements.programme_common_points and (
        common_passed < requirements.programme_common_points
    ):
        missing.append(
            f"Godkända betyg på {common_passed} poäng i programgemensamma "
            f"ämnen; examen kräver minst {requirements.programme_common_points}."
        )
    if not any(c.diploma_project and c.passed for c in counted):
        missing.append("Godkänt gymnasiearbete saknas.")
    return ExamenOutcome(
        requirements=requirements,
        met=not missing,
        graded_points=graded,
        passed_points=passed,
        failed_points=failed,
        programme_common_passed_points=common_passed,
        missing=tuple(missing),
    )
