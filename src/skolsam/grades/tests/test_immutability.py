"""A grade decision cannot be changed or deleted: not by the model, not by raw SQL."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from skolsam.grades.models import Grade, ImmutableGradeError
from skolsam.grades.services import grade_decide
from skolsam.grades.triggers import SQLITE_TRIGGERS_BY_TABLE, TABLE, grade_triggers_ensure

SQLITE_TRIGGERS = SQLITE_TRIGGERS_BY_TABLE[TABLE]

pytestmark = pytest.mark.django_db


@pytest.fixture
def grade(grading):
    return grade_decide(
        actor=grading.actor(grading.teacher),
        kind="Satt",
        grade_value="C",
        student=grading.alva,
        syllabus=grading.syllabus,
        organisation=grading.school,
        period=grading.period,
    )


def test_saving_an_existing_decision_is_refused(grade):
    grade.grade_value = "A"
    with pytest.raises(ImmutableGradeError):
        grade.save()
    assert Grade.objects.get(pk=grade.pk).grade_value == "C"


def test_deleting_a_decision_is_refused(grade):
    with pytest.raises(ImmutableGradeError):
        grade.delete()
    assert Grade.objects.filter(pk=grade.pk).exists()


@pytest.mark.parametrize("manager", ["objects", "_base_manager"])
def test_queryset_updates_and_deletes_are_refused(grade, manager):
    grades = getattr(Grade, manager).filter(pk=grade.pk)
    with pytest.raises(ImmutableGradeError):
        grades.update(grade_value="A")
    with pytest.raises(ImmutableGradeError):
        grades.delete()
    with pytest.raises(ImmutableGradeError):
        grades.bulk_update([grade], ["grade_value"])
    assert Grade.objects.get(pk=grade.pk).grade_value == "C"


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE grades_grade SET grade_value = 'A' WHERE id = %s",
        "UPDATE grades_grade SET reason = 'efterhand' WHERE id = %s",
        "DELETE FROM grades_grade WHERE id = %s",
        "DELETE FROM grades_grade WHERE id = %s OR 1 = 1",
    ],
    ids=["update-value", "update-reason", "delete", "delete-all"],
)
def test_the_database_refuses_raw_updates_and_deletes(grade, sql):
    pk = grade.pk if connection.vendor == "postgresql" else grade.pk.hex
    with (
        pytest.raises(DatabaseError, match="immutable"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [pk])
    # The savepoint rolled back; the decision and the test's transaction are intact.
    assert Grade.objects.get(pk=grade.pk).grade_value == "C"


def _triggers() -> list[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'grades_grade'::regclass "
                "AND NOT tgisinternal"
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'grades_grade' ORDER BY name"
            )
        return sorted(row[0] for row in cursor.fetchall())


def test_the_triggers_are_installed():
    expected = {
        "postgresql": ["grades_grade_immutable"],
        "sqlite": sorted(SQLITE_TRIGGERS),
    }
    assert _triggers() == expected[connection.vendor]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's table rebuild drops triggers")
def test_after_migrate_the_sqlite_triggers_are_back_when_a_rebuild_dropped_them(grade):
    with connection.cursor() as cursor:
        for name in SQLITE_TRIGGERS:
            cursor.execute(f'DROP TRIGGER "{name}"')
    assert _triggers() == []
    grade_triggers_ensure(using="default")  # what post_migrate calls
    assert _triggers() == sorted(SQLITE_TRIGGERS)
    with (
        pytest.raises(DatabaseError, match="immutable"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM grades_grade")


def test_the_decision_rows_say_what_they_are_in_the_database_too(grading, grade):
    # A later decision without its correction type breaks the CHECK constraint.
    bad = Grade(
        supersedes=grade,
        version=2,
        kind="Ändring",
        correction_type="",
        student=grade.student,
        organisation=grade.organisation,
        registered_by=grading.teacher,
        registered_date=grade.registered_date,
        grading_teacher=grading.teacher,
        grading_teacher_licensed=True,
        grade_value="B",
        semester=grade.semester,
        year=grade.year,
        syllabus=grade.syllabus,
        school_type="GR",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        bad.save()


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_ends_cleanly_with_grades_in_the_database(grade):
    # Its flush would meet the SQLite triggers; the root conftest.py empties the table first.
    assert Grade.objects.count() == 1


def test_the_demos_wipe_of_the_whole_register_takes_the_grades_and_keeps_the_triggers(grade):
    from skolsam.demo.bulk import wipe_register

    removed = wipe_register()
    assert removed["grades_grade"] == 1
    assert not Grade.objects.exists()
    assert (
        _triggers()
        == {
            "postgresql": ["grades_grade_immutable"],
            "sqlite": sorted(SQLITE_TRIGGERS),
        }[connection.vendor]
    )
