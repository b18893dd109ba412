"""Gymnasieexamen or studiebevis against hand-computed cases (gymnasieförordningen 8 kap.
5–7 §§ as `grades.rules` holds them): 2 500 points graded, 2 250 passed, a passed
gymnasiearbete, the named subjects, and for yrkesexamen 400 programgemensamma points."""

from __future__ import annotations

import pytest

from skolsam.core.choices import ProgrammeType
from skolsam.grades.examen import ExamenCourse, examen_check, requirements_for
from skolsam.grades.rules import DASH, HOGSKOLEFORBEREDANDE_EXAMEN, YRKESEXAMEN


def course(code: str, value: str = "E", points: int = 100, **kind: bool) -> ExamenCourse:
    return ExamenCourse(code=code, value=value, points=points, **kind)


GYAR = course("GYARNA", "E", diploma_project=True)


def fillers(values: str, points: int = 100, *, common: bool = False) -> list[ExamenCourse]:
    """One course of `points` per letter: A-F, or "-" for the dash."""
    return [
        course(f"TST{i:02d}", DASH if v == "-" else v, points, programme_common=common)
        for i, v in enumerate(values)
    ]


def na_pupil(*, fill: str = "A" * 17, last_two: tuple[str, str] = ("E", "E")) -> list[ExamenCourse]:
    """A natural-science pupil: Sv 1–3, En 5–6, Ma 1c, the gymnasiearbete (800 points),
    17 courses of 100 and two of 50 (1 800 points): 2 500 in all."""
    return [
        course("SVESVE01", "A"),
        course("SVESVE02", "B"),
        course("SVESVE03", "C"),
        course("ENGENG05", "A"),
        course("ENGENG06", "B"),
        course("MATMAT01c", "C"),
        GYAR,
        *fillers(fill),
        course("HALF1", last_two[0], 50),
        course("HALF2", last_two[1], 50),
    ]


def test_a_complete_pupil_on_a_hogskoleforberedande_programme_gets_the_examen():
    outcome = examen_check(HOGSKOLEFORBEREDANDE_EXAMEN, na_pupil())
    assert outcome.met and outcome.missing == ()
    assert (outcome.graded_points, outcome.passed_points, outcome.failed_points) == (2500, 2500, 0)
    assert outcome.examen_name == "Högskoleförberedande examen"
    assert outcome.allowed_failed_points == 250


def test_exactly_2250_passed_points_is_enough_and_one_course_fewer_is_not():
    # F on two courses of 100 and one of 50: 250 points failed, 2 250 passed.
    exactly = examen_check(
        HOGSKOLEFORBEREDANDE_EXAMEN, na_pupil(fill="FF" + "A" * 15, last_two=("F", "E"))
    )
    assert (exactly.passed_points, exactly.failed_points) == (2250, 250)
    assert exactly.met
    # One more F (the other 50): 2 200 passed.
    short = examen_check(
        HOGSKOLEFORBEREDANDE_EXAMEN, na_pupil(fill="FF" + "A" * 15, last_two=("F", "F"))
    )
    assert (short.passed_points, short.failed_points) == (2200, 300)
    assert not short.met
    assert short.missing == ("Godkända betyg på 2200 poäng; examen kräver minst 2250.",)


def test_a_failed_or_missing_gymnasiearbete_gives_a_studiebevis():
    failed = [c for c in na_pupil() if not c.diploma_project] + [
        course("GYARNA", "F", diploma_project=True)
    ]
    outcome = examen_check(HOGSKOLEFORBEREDANDE_EXAMEN, failed)
    assert not outcome.met
    assert outcome.missing == ("Godkänt gymnasiearbete saknas.",)
    missing = [c for c in na_pupil() if not c.diploma_project]
    outcome = examen_check(HOGSKOLEFORBEREDANDE_EXAMEN, missing)
    assert outcome.missing == (
        "Betyg på 2400 poäng; examen kräver betyg på 2500 poäng.",
        "Godkänt gymnasiearbete saknas.",
    )


def yrkes_pupil(swedish: str = "SVESVE01", value: str = "E", common: int = 4) -> list:
    """A vocational pupil: Sv or SvA 1, En 5, Ma 1a, the gymnasiearbete, `common` courses
    of 100 programgemensamma points and other courses up to 2 500."""
    others = 21 - common
    return [
        course(swedish, value),
        course("ENGENG05"),
        course("MATMAT01a"),
        GYAR,
        *[course(f"BYG{i:02d}", "C", programme_common=True) for i in range(common)],
        *[course(f"OVR{i:02d}", "D") for i in range(others)],
    ]


def test_f_in_svenska_1_keeps_a_vocational_pupil_from_the_yrkesexamen():
    assert examen_check(YRKESEXAMEN, yrkes_pupil()).met
    outcome = examen_check(YRKESEXAMEN, yrkes_pupil(value="F"))
    # 100 points failed is within the 250, but Svenska 1 itself must be passed.
    assert outcome.passed_points == 2400
    assert outcome.missing == ("Godkänt betyg saknas i Svenska 1 eller Svenska som andraspråk 1.",)
    # Svenska som andraspråk 1 is the other way to meet it.
    assert examen_check(YRKESEXAMEN, yrkes_pupil(swedish="SVASVA01")).met


def test_a_yrkesexamen_needs_400_programgemensamma_points_passed():
    assert examen_check(YRKESEXAMEN, yrkes_pupil(common=4)).programme_common_passed_points == 400
    outcome = examen_check(YRKESEXAMEN, yrkes_pupil(common=3))
    assert not outcome.met
    assert outcome.missing == (
        "Godkända betyg på 300 poäng i programgemensamma ämnen; examen kräver minst 400.",
    )
    # A högskoleförberedande examen asks for no programgemensamma points.
    assert HOGSKOLEFORBEREDANDE_EXAMEN.programme_common_points == 0


def test_the_hogskoleforberedande_examen_needs_svenska_3_and_engelska_6():
    without = [c for c in na_pupil() if c.code not in ("SVESVE03", "ENGENG06")]
    outcome = examen_check(HOGSKOLEFORBEREDANDE_EXAMEN, without)
    assert "Godkänt betyg saknas i Svenska 1, 2 och 3 eller Svenska som andraspråk 1, 2 och 3." in (
        outcome.missing
    )
    assert "Godkänt betyg saknas i Engelska 5 och 6." in outcome.missing
    # The same grades make a yrkesexamen's subjects (Sv 1, En 5, Ma 1).
    assert not any("saknas i" in m for m in examen_check(YRKESEXAMEN, without).missing)


def test_a_dash_is_no_grade_so_its_points_are_neither_graded_nor_passed():
    outcome = examen_check(HOGSKOLEFORBEREDANDE_EXAMEN, na_pupil(fill="-" + "A" * 16))
    assert (outcome.graded_points, outcome.passed_points, outcome.failed_points) == (
        2400,
        2400,
        100,
    )
    assert outcome.missing == ("Betyg på 2400 poäng; examen kräver betyg på 2500 poäng.",)


def test_courses_of_an_utokat_program_do_not_count():
    extended = course("MATMAT05", "F", extended=True)
    assert examen_check(HOGSKOLEFORBEREDANDE_EXAMEN, [*na_pupil(), extended]).met
    # Nor do they make up missing points.
    short = [c for c in na_pupil() if c.code != "TST00"]
    outcome = examen_check(
        HOGSKOLEFORBEREDANDE_EXAMEN, [*short, course("MATMAT04", "A", extended=True)]
    )
    assert outcome.graded_points == 2400 and not outcome.met


def test_an_introduction_programme_leads_to_no_examen():
    assert requirements_for(ProgrammeType.INTRODUKTIONSPROGRAM, "IMV") is None
    assert requirements_for("", "IMA") is None
    outcome = examen_check(None, na_pupil())
    assert not outcome.met
    assert outcome.examen_name == "" and outcome.allowed_failed_points == 0
    assert outcome.missing == ("Programmet leder inte till någon gymnasieexamen.",)
    assert outcome.passed_points == 2500


@pytest.mark.parametrize(
    ("programme_type", "code", "expected"),
    [
        (ProgrammeType.HOGSKOLEFORBEREDANDE, "NA", HOGSKOLEFORBEREDANDE_EXAMEN),
        (ProgrammeType.YRKESPROGRAM, "BA", YRKESEXAMEN),
        # Recorded without a type: the programme code decides, an inriktning by its start.
        ("", "EK", HOGSKOLEFORBEREDANDE_EXAMEN),
        ("", "NANAT", HOGSKOLEFORBEREDANDE_EXAMEN),
        ("", "VO", YRKESEXAMEN),
        ("", "EEELT", YRKESEXAMEN),
        ("", "XX", None),
    ],
)
def test_the_programme_decides_which_examen(programme_type, code, expected):
    assert requirements_for(programme_type, code) is expected


def test_negative_points_are_refused():
    with pytest.raises(ValueError, match="negativa"):
        examen_check(YRKESEXAMEN, [course("X", "E", -100)])
