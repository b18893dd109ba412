"""The value sets per school form, as the regulations give them (grades/rules.py)."""

from __future__ import annotations

import pytest

from skolsam.grades.rules import DASH, is_diploma_project, value_set_for


@pytest.mark.parametrize(
    ("school_type", "values"),
    [
        ("GR", ("A", "B", "C", "D", "E", "F", DASH)),
        ("GY", ("A", "B", "C", "D", "E", "F", DASH)),
        ("SAM", ("A", "B", "C", "D", "E", "F", DASH)),
        ("SP", ("A", "B", "C", "D", "E", "F", DASH)),
        ("VUXGY", ("A", "B", "C", "D", "E", "F", DASH)),
        ("GRS", ("A", "B", "C", "D", "E")),  # anpassade grundskolan: no F, no dash
        ("GYS", ("A", "B", "C", "D", "E")),
        ("VUXGR", ("G", "IG", DASH)),  # the simplified scale since 2022
        ("SFI", ("G", "IG", DASH)),
        ("VUXSARGR", ("G",)),
    ],
)
def test_each_graded_school_form_has_its_set(school_type, values):
    value_set = value_set_for(school_type)
    assert value_set is not None and value_set.values == values
    assert value_set.source


@pytest.mark.parametrize("school_type", ["FS", "FKLASS", "FTH", "TR", "VUXSARTR"])
def test_school_forms_without_grades_have_no_set(school_type):
    assert value_set_for(school_type) is None


def test_the_gymnasiearbete_has_e_f_and_the_dash_whatever_the_form():
    project = value_set_for("GY", diploma_project=True)
    assert project is not None and project.values == ("E", "F", DASH)
    assert is_diploma_project("GYAR", "")
    assert is_diploma_project("", "GYARNA")
    assert not is_diploma_project("MAT", "MATMAT01a")


def test_the_rank_puts_the_dash_below_f():
    six = value_set_for("GR")
    assert six is not None
    ranks = [six.rank(v) for v in ("A", "B", "C", "D", "E", "F", DASH)]
    assert ranks == sorted(ranks, reverse=True) and len(set(ranks)) == 7
