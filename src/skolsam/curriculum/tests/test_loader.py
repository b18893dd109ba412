"""Test loading Skolverket's subjects and courses and the national programmes, twice over."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from skolsam.audit.models import AuditEntry
from skolsam.core.access import system_actor
from skolsam.core.choices import ProgrammeType, SchoolType
from skolsam.curriculum.loader import (
    NATIONAL_PROGRAMMES,
    ORIENTATIONS,
    official_syllabuses,
    programme_load_national,
    syllabus_load_official,
)
from skolsam.curriculum.models import Programme, Syllabus

pytestmark = pytest.mark.django_db

SUBJECTS, COURSES = 473, 1268


def test_the_first_load_creates_every_subject_and_course_and_audits_it_once() -> None:
    out = StringIO()
    call_command("load_syllabuses", stdout=out)
    assert f"{SUBJECTS + COURSES} nya" in out.getvalue()
    assert Syllabus.objects.count() == SUBJECTS + COURSES
    assert Syllabus.objects.filter(official=True).count() == SUBJECTS + COURSES
    assert AuditEntry.objects.filter(action="syllabus.load").count() == 1

    maths = Syllabus.objects.get(school_type=SchoolType.GR, subject_code="GRGRMAT01")
    assert (maths.subject_designation, maths.subject_name, maths.course_code) == (
        "MA",
        "Matematik",
        "",
    )
    assert maths.curriculum == "GR2011"
    course = Syllabus.objects.get(school_type=SchoolType.GY, course_code="MATMAT01c")
    assert (course.subject_code, course.course_name, course.points) == ("MAT", "Matematik 1c", 100)
    # The parser's folders become SS 12000 school types.
    assert set(Syllabus.objects.values_list("school_type", flat=True)) == {
        "GR", "GRS", "SAM", "SP", "GY", "GYS", "VUXGR",
    }  # fmt: skip
    sami = Syllabus.objects.get(school_type=SchoolType.SAM, subject_code="GRSMSMI01")
    assert sami.subject_designation == "SMI"


def test_loading_again_updates_what_changed_and_never_duplicates() -> None:
    actor = system_actor("test")
    syllabus_load_official(actor=actor)
    Syllabus.objects.filter(course_code="MATMAT01c").update(course_name="Matte 1c", points=5)
    Syllabus.objects.filter(school_type=SchoolType.GR, subject_code="GRGRBIL01").delete()

    again = syllabus_load_official(actor=actor)

    assert (again.created, again.updated) == (1, 1)
    assert again.total == SUBJECTS + COURSES
    assert Syllabus.objects.count() == SUBJECTS + COURSES
    course = Syllabus.objects.get(course_code="MATMAT01c")
    assert (course.course_name, course.points) == ("Matematik 1c", 100)
    third = syllabus_load_official(actor=actor)
    assert (third.created, third.updated, third.unchanged) == (0, 0, SUBJECTS + COURSES)
    assert AuditEntry.objects.filter(action="syllabus.load").count() == 2


def test_the_keys_in_the_shipped_files_are_unique() -> None:
    keys = [(r["school_type"], r["subject_code"], r["course_code"]) for r in official_syllabuses()]
    assert len(keys) == len(set(keys)) == SUBJECTS + COURSES


def test_the_national_programmes_and_their_inriktningar_load_once() -> None:
    actor = system_actor("test")
    first = programme_load_national(actor=actor)
    assert first.created == len(NATIONAL_PROGRAMMES) + len(ORIENTATIONS)
    second = programme_load_national(actor=actor)
    assert (second.created, second.updated) == (0, 0)
    assert Programme.objects.count() == len(NATIONAL_PROGRAMMES) + len(ORIENTATIONS)
    na = Programme.objects.get(code="NA")
    assert (na.name, na.type, na.school_type) == (
        "Naturvetenskapsprogrammet",
        ProgrammeType.HOGSKOLEFORBEREDANDE,
        SchoolType.GY,
    )
    assert Programme.objects.get(code="EE").type == ProgrammeType.YRKESPROGRAM
    assert set(na.children.values_list("code", flat=True)) == {"NANAT", "NANAS"}
    assert all(p.type == ProgrammeType.PROGRAMINRIKTNING for p in na.children.all())
