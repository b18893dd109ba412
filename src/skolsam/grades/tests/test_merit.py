"""Meritvärde and jämförelsetal against hand-computed cases, then their properties."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skolsam.grades.merit import CourseGrade, MeritGrade, MeritKind, jamforelsetal, meritvarde
from skolsam.grades.rules import DASH, GRADE_POINTS, MERIT_MAX, MERIT_MAX_WITH_17TH

SPRAKVAL = MeritKind.MODERN_LANGUAGE_CHOICE
MODERSMAL = MeritKind.MOTHER_TONGUE


def grades(*values: str, kind: MeritKind = MeritKind.SUBJECT) -> list[MeritGrade]:
    return [MeritGrade(v, kind) for v in values]


# --- meritvärde ------------------------------------------------------------------------------


def test_sixteen_a_make_320_and_a_seventeenth_a_in_sprakval_340():
    assert meritvarde(grades(*"A" * 16)) == Decimal("320")
    assert meritvarde(grades(*"A" * 16) + grades("A", kind=SPRAKVAL)) == Decimal("340")


def test_a_hand_computed_year_nine():
    # 4 A (80) + 5 B (87.5) + 4 C (60) + 2 D (25) + 1 E (10) = 262.5; språkval C adds 15.
    sixteen = grades(*"AAAA", *"BBBBB", *"CCCC", *"DD", "E")
    assert meritvarde(sixteen) == Decimal("262.5")
    assert meritvarde(sixteen + grades("C", kind=SPRAKVAL)) == Decimal("277.5")


def test_only_the_sixteen_best_count():
    # 17 subjects: the F is the 17th best and falls out; so would an E.
    assert meritvarde(grades(*"A" * 16, "F")) == Decimal("320")
    assert meritvarde(grades(*"B" * 15, "E", "C")) == Decimal("277.5")  # 15 x 17.5 + 15


def test_fewer_than_sixteen_grades_sum_what_there_is():
    assert meritvarde(grades("A", "B", "E")) == Decimal("47.5")
    assert meritvarde([]) == Decimal("0")


def test_f_and_the_dash_count_nothing():
    assert meritvarde(grades(*"C" * 14, "F", DASH)) == Decimal("210")


def test_sprakval_as_the_seventeenth_lets_a_weaker_subject_stay_among_the_sixteen():
    # 16 subjects of which one is an E; språkval B is the 17th: 15 x 20 + 10 + 17.5.
    assert meritvarde(grades(*"A" * 15, "E") + grades("B", kind=SPRAKVAL)) == Decimal("327.5")


def test_sprakval_with_fewer_than_sixteen_subjects_is_counted_once():
    # 14 subjects and språkval: 14 x 15 + 20, whether one calls it the 15th or the 17th.
    assert meritvarde(grades(*"C" * 14) + grades("A", kind=SPRAKVAL)) == Decimal("230")


def test_a_second_sprakval_grade_competes_for_the_sixteen():
    # Best språkval (A) is the 17th; the other (B) beats the E among the 16.
    ones = grades(*"C" * 15, "E") + grades("A", "B", kind=SPRAKVAL)
    assert meritvarde(ones) == Decimal(15 * 15 + 17.5 + 20)


def test_modersmal_counts_among_the_sixteen_but_never_as_the_seventeenth():
    sixteen = grades(*"B" * 16)
    # Modersmål A displaces one B among the 16 (+2.5), but is not added as a 17th.
    assert meritvarde(sixteen + grades("A", kind=MODERSMAL)) == Decimal("282.5")
    # With språkval too: språkval takes the 17th, modersmål still only competes.
    both = sixteen + grades("A", kind=MODERSMAL) + grades("C", kind=SPRAKVAL)
    assert meritvarde(both) == Decimal("297.5")


def test_a_value_outside_a_to_f_is_refused():
    with pytest.raises(ValueError, match="inget meritvärde"):
        meritvarde(grades("G"))


# --- jämförelsetal ---------------------------------------------------------------------------


def test_a_hand_computed_comparison_figure():
    # (20x100 + 15x100 + 10x50) / 250 = 4000 / 250 = 16.00
    courses = [CourseGrade("A", 100), CourseGrade("C", 100), CourseGrade("E", 50)]
    assert jamforelsetal(courses) == Decimal("16.00")


def test_the_gymnasiearbete_is_left_out():
    courses = [CourseGrade("B", 100), CourseGrade("F", 100, diploma_project=True)]
    assert jamforelsetal(courses) == Decimal("17.50")


def test_two_decimals_rounded_half_up():
    # (17.5x100 + 12.5x50 + 10x100) / 250 = 3375 / 250 = 13.50
    assert jamforelsetal(
        [CourseGrade("B", 100), CourseGrade("D", 50), CourseGrade("E", 100)]
    ) == Decimal("13.50")
    # (20x100 + 15x50) / 150 = 18.333... -> 18.33; (20x100 + 17.5x50 + 0x50) / 200 = 14.375 -> 14.38
    assert jamforelsetal([CourseGrade("A", 100), CourseGrade("C", 50)]) == Decimal("18.33")
    assert jamforelsetal(
        [CourseGrade("A", 100), CourseGrade("B", 50), CourseGrade("F", 50)]
    ) == Decimal("14.38")


def test_f_and_the_dash_weigh_zero_with_their_points():
    assert jamforelsetal([CourseGrade("A", 100), CourseGrade(DASH, 100)]) == Decimal("10.00")


def test_all_a_is_twenty_and_nothing_graded_is_none():
    assert jamforelsetal([CourseGrade("A", 100), CourseGrade("A", 50)]) == Decimal("20.00")
    assert jamforelsetal([CourseGrade("E", 100, diploma_project=True)]) is None
    assert jamforelsetal([]) is None


def test_a_course_without_points_is_refused():
    with pytest.raises(ValueError, match="poäng"):
        jamforelsetal([CourseGrade("A", 0)])


# --- properties ------------------------------------------------------------------------------

VALUES = st.sampled_from(sorted(GRADE_POINTS))
MERIT_GRADES = st.lists(st.builds(MeritGrade, VALUES, st.sampled_from(list(MeritKind))))
ORDER = ["A", "B", "C", "D", "E", "F"]


@given(MERIT_GRADES)
def test_meritvarde_stays_within_its_bounds(merit_grades):
    value = meritvarde(merit_grades)
    has_choice = any(g.kind == SPRAKVAL for g in merit_grades)
    assert Decimal("0") <= value <= (MERIT_MAX_WITH_17TH if has_choice else MERIT_MAX)


@given(MERIT_GRADES, st.data())
def test_raising_one_grade_never_lowers_the_meritvarde(merit_grades, data):
    if not merit_grades:
        return
    i = data.draw(st.integers(0, len(merit_grades) - 1))
    grade = merit_grades[i]
    if grade.value in ("A",):
        return
    better = "F" if grade.value == DASH else ORDER[ORDER.index(grade.value) - 1]
    raised = [*merit_grades[:i], MeritGrade(better, grade.kind), *merit_grades[i + 1 :]]
    assert meritvarde(raised) >= meritvarde(merit_grades)


@given(MERIT_GRADES)
def test_meritvarde_does_not_depend_on_the_order_of_the_grades(merit_grades):
    assert meritvarde(merit_grades) == meritvarde(list(reversed(merit_grades)))


COURSES = st.lists(
    st.builds(CourseGrade, VALUES, st.sampled_from([50, 100, 150, 200]), st.booleans()),
    min_size=1,
)


@given(COURSES)
def test_jamforelsetal_lies_between_zero_and_twenty(courses):
    value = jamforelsetal(courses)
    if all(c.diploma_project for c in courses):
        assert value is None
    else:
        assert value is not None
        assert Decimal("0.00") <= value <= Decimal("20.00")
        assert value == value.quantize(Decimal("0.01"))


@given(COURSES, st.data())
def test_raising_one_course_never_lowers_the_jamforelsetal(courses, data):
    i = data.draw(st.integers(0, len(courses) - 1))
    course = courses[i]
    if course.value == "A" or course.diploma_project:
        return
    better = "F" if course.value == DASH else ORDER[ORDER.index(course.value) - 1]
    raised = [*courses[:i], CourseGrade(better, course.points), *courses[i + 1 :]]
    before, after = jamforelsetal(courses), jamforelsetal(raised)
    assert before is not None and after is not None
    assert after >= before
