"""The database keeps the betygskatalog and the certificates, whatever SQL reaches it.

A catalogue is locked (inserted), signed once (one UPDATE of the signing's columns) and
then never changed nor deleted; a certificate is never changed nor deleted. Raw SQL is
refused on SQLite and on PostgreSQL alike; the services' lock and sign still work.
"""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from skolsam.grades.models import DocumentKind, GradeCatalogue, GradeDocument
from skolsam.grades.services import grade_decide, grading_period_close
from skolsam.grades.services.documents import catalogue_lock, catalogue_sign, certificate_issue
from skolsam.grades.triggers import (
    CATALOGUE,
    CATALOGUE_FROZEN,
    CATALOGUE_SIGNING,
    DOCUMENT,
    SQLITE_TRIGGERS,
    SQLITE_TRIGGERS_BY_TABLE,
    grade_triggers_ensure,
)

pytestmark = pytest.mark.django_db


def _closed(grading):
    for pupil, value in ((grading.day.pupils[0], "B"), (grading.day.pupils[1], "E")):
        grade_decide(
            actor=grading.actor(grading.teacher),
            kind="Satt",
            grade_value=value,
            student=pupil,
            syllabus=grading.syllabus,
            organisation=grading.school,
            period=grading.period,
        )
    grading_period_close(actor=grading.actor(grading.rektor), period=grading.period)
    grading.period.refresh_from_db()


@pytest.fixture
def locked(grading):
    _closed(grading)
    return catalogue_lock(
        actor=grading.actor(grading.rektor), period=grading.period, syllabus=grading.syllabus
    )


@pytest.fixture
def signed(grading, locked):
    return catalogue_sign(
        actor=grading.actor(grading.rektor), catalogue=locked, login_method="e-legitimation"
    )


@pytest.fixture
def document(grading):
    _closed(grading)
    return certificate_issue(
        actor=grading.actor(grading.rektor),
        student=grading.day.pupils[0],
        organisation=grading.school,
        kind=DocumentKind.TERMINSBETYG,
        period=grading.period,
    )


def _pk(obj) -> object:
    return obj.pk if connection.vendor == "postgresql" else obj.pk.hex


def _refused(sql: str, params: list, match: str) -> None:
    with (
        pytest.raises(DatabaseError, match=match),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)


def _run(sql: str, params: list) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


# --- the services' lifecycle still works -------------------------------------------------


def test_lock_then_sign_works_through_the_triggers(signed):
    stored = GradeCatalogue.objects.get(pk=signed.pk)
    assert stored.is_signed and stored.pdf and stored.signature["rows_sha256"]
    assert len(stored.rows) == 2


def test_saving_an_unsigned_catalogue_unchanged_is_let_through(locked):
    # Django's save() of an unchanged row is an UPDATE that changes nothing.
    locked.save()
    assert GradeCatalogue.objects.get(pk=locked.pk).rows == locked.rows


# --- a signed catalogue ------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE grades_gradecatalogue SET rows = '[]' WHERE id = %s",
        "UPDATE grades_gradecatalogue SET pdf = NULL WHERE id = %s",
        "UPDATE grades_gradecatalogue SET pdf_sha256 = 'x' WHERE id = %s",
        "UPDATE grades_gradecatalogue SET signature = '{}' WHERE id = %s",
        "UPDATE grades_gradecatalogue SET signed_at = NULL, signed_by_id = NULL, pdf_sha256 = '' WHERE id = %s",
        "UPDATE grades_gradecatalogue SET signed_at = signed_at WHERE id = %s",
    ],
    ids=["rows", "pdf", "pdf-sha256", "signature", "unsign", "no-op"],
)
def test_the_database_refuses_any_update_of_a_signed_catalogue(signed, sql):
    _refused(sql, [_pk(signed)], "is signed: UPDATE refused")
    stored = GradeCatalogue.objects.get(pk=signed.pk)
    assert stored.is_signed and stored.rows == signed.rows
    assert stored.pdf is not None and signed.pdf is not None
    assert bytes(stored.pdf) == bytes(signed.pdf)


@pytest.mark.parametrize("fixture", ["locked", "signed"])
def test_the_database_refuses_to_delete_a_catalogue(request, fixture):
    catalogue = request.getfixturevalue(fixture)
    _refused(
        "DELETE FROM grades_gradecatalogue WHERE id = %s",
        [_pk(catalogue)],
        "kept for ever: DELETE refused",
    )
    _refused("DELETE FROM grades_gradecatalogue", [], "kept for ever: DELETE refused")
    assert GradeCatalogue.objects.filter(pk=catalogue.pk).exists()


# --- a locked, unsigned catalogue --------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE grades_gradecatalogue SET rows = '[]' WHERE id = %s",
        "UPDATE grades_gradecatalogue SET locked_at = signed_at WHERE id = %s",
        "UPDATE grades_gradecatalogue SET group_id = NULL, syllabus_id = NULL WHERE id = %s",
        # Half a signing: signature columns without the signature's time.
        "UPDATE grades_gradecatalogue SET pdf_sha256 = 'x' WHERE id = %s",
        # A signing that stores no PDF.
        "UPDATE grades_gradecatalogue SET signed_at = locked_at, signed_by_id = locked_by_id, "
        "pdf_sha256 = 'x' WHERE id = %s",
        # A signing that also rewrites the rows.
        "UPDATE grades_gradecatalogue SET rows = '[]', signed_at = locked_at, signed_by_id = locked_by_id, "
        "pdf = locked_by_id, pdf_sha256 = 'x' WHERE id = %s",
    ],
    ids=["rows", "locked-at", "subject", "half-signing", "signing-without-pdf", "signing-and-rows"],
)
def test_the_database_lets_a_locked_catalogue_change_only_by_its_signing(locked, sql):
    if connection.vendor == "postgresql":
        # locked_by_id is a uuid there; the PDF column is bytea.
        sql = sql.replace("pdf = locked_by_id", "pdf = '\\x25504446'::bytea")
    _refused(sql, [_pk(locked)], "is locked: only its signing may change it")
    stored = GradeCatalogue.objects.get(pk=locked.pk)
    assert stored.rows == locked.rows and not stored.is_signed


def test_a_raw_signing_that_touches_only_the_signing_columns_is_let_through(locked):
    sql = (
        "UPDATE grades_gradecatalogue SET signed_at = locked_at, signed_by_id = locked_by_id, "
        "signature = '{}', pdf = X'25504446', pdf_sha256 = 'x' "
        "WHERE id = %s AND signed_at IS NULL"
    )
    if connection.vendor == "postgresql":
        sql = sql.replace("X'25504446'", "'\\x25504446'::bytea")
    changed = _run(sql, [_pk(locked)])
    assert changed == 1
    assert GradeCatalogue.objects.get(pk=locked.pk).is_signed


def test_every_catalogue_column_is_either_frozen_by_the_lock_or_written_by_the_signing():
    # A new column must be placed on one side, in the triggers of both databases.
    columns = {f.column for f in GradeCatalogue._meta.concrete_fields}
    assert columns == set(CATALOGUE_FROZEN) | set(CATALOGUE_SIGNING)
    assert not set(CATALOGUE_FROZEN) & set(CATALOGUE_SIGNING)


# --- an issued certificate ---------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE grades_gradedocument SET merit_value = 340 WHERE id = %s",
        "UPDATE grades_gradedocument SET pdf_sha256 = 'x' WHERE id = %s",
        "UPDATE grades_gradedocument SET kind = kind WHERE id = %s",
        "DELETE FROM grades_gradedocument WHERE id = %s",
        "DELETE FROM grades_gradedocument WHERE id = %s OR 1 = 1",
    ],
    ids=["merit", "pdf-sha256", "no-op", "delete", "delete-all"],
)
def test_the_database_refuses_to_change_or_delete_a_certificate(document, sql):
    _refused(sql, [_pk(document)], "grades_gradedocument is immutable")
    stored = GradeDocument.objects.get(pk=document.pk)
    assert stored.pdf_sha256 == document.pdf_sha256 and stored.merit_value == document.merit_value


# --- installed, and back after a table rebuild on SQLite ---------------------------------


def _triggers(table: str) -> list[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                [table],
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                [table],
            )
        return sorted(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize(
    ("table", "on_postgresql"),
    [(CATALOGUE, ["grades_gradecatalogue_kept"]), (DOCUMENT, ["grades_gradedocument_immutable"])],
)
def test_the_triggers_are_installed(table, on_postgresql):
    expected = {
        "postgresql": on_postgresql,
        "sqlite": sorted(SQLITE_TRIGGERS_BY_TABLE[table]),
    }
    assert _triggers(table) == expected[connection.vendor]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's table rebuild drops triggers")
def test_after_migrate_the_sqlite_triggers_are_back_when_a_rebuild_dropped_them(signed):
    with connection.cursor() as cursor:
        for table in (CATALOGUE, DOCUMENT):
            for name in SQLITE_TRIGGERS_BY_TABLE[table]:
                cursor.execute(f'DROP TRIGGER "{name}"')
    assert _triggers(CATALOGUE) == [] and _triggers(DOCUMENT) == []
    grade_triggers_ensure(using="default")  # what post_migrate calls
    assert _triggers(CATALOGUE) == sorted(SQLITE_TRIGGERS_BY_TABLE[CATALOGUE])
    assert _triggers(DOCUMENT) == sorted(SQLITE_TRIGGERS_BY_TABLE[DOCUMENT])
    _refused("DELETE FROM grades_gradecatalogue", [], "kept for ever")


def test_the_demos_wipe_of_the_whole_register_takes_catalogues_and_certificates_too(
    signed, grading
):
    from skolsam.demo.bulk import wipe_register

    certificate_issue(
        actor=grading.actor(grading.rektor),
        student=grading.day.pupils[0],
        organisation=grading.school,
        kind=DocumentKind.TERMINSBETYG,
        period=grading.period,
    )
    removed = wipe_register()
    assert removed[CATALOGUE] == 1 and removed[DOCUMENT] == 1
    assert not GradeCatalogue.objects.exists() and not GradeDocument.objects.exists()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            assert set(SQLITE_TRIGGERS) <= {row[0] for row in cursor.fetchall()}


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_ends_cleanly_with_a_signed_catalogue_and_a_certificate(
    signed, grading
):
    # Its flush would meet the SQLite triggers; the root conftest.py empties the tables first.
    certificate_issue(
        actor=grading.actor(grading.rektor),
        student=grading.day.pupils[0],
        organisation=grading.school,
        kind=DocumentKind.TERMINSBETYG,
        period=grading.period,
    )
    assert GradeCatalogue.objects.count() == 1 and GradeDocument.objects.count() == 1
