"""Shared pytest set-up: make sure each run tests the database it says it tests."""

import os
from pathlib import Path

import pytest

# Shared fixtures any test may ask for by name: `at_noon` fixes the time of day, `story`
# is the story's register shared by a test module.
pytest_plugins = [
    "skolsam.testing.clock",
    "skolsam.testing.changes_guard",
    "skolsam.testing.fixtures",
]

# Tests in these files load the whole demo, drive a browser or fuzz the API from its spec:
# they are the `slow` lane, with every hypothesis test and the few marked `slow` in place
# (a sweep of every role × page × bad date). `make test-fast` runs everything else.
SLOW_FILES = (
    "src/skolsam/browser_tests/",
    "src/skolsam/api/ss12000/tests/test_schemathesis.py",
    "src/skolsam/demo/tests/test_demo_load.py",
    "src/skolsam/imports/tests/test_demo_example.py",
)
ROOT = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    """Mark the slow lane: the files above and every hypothesis property test."""
    slow = pytest.mark.slow
    for item in items:
        try:
            where = Path(str(item.path)).resolve().relative_to(ROOT).as_posix()
        except ValueError:
            where = ""
        is_property = getattr(getattr(item, "obj", None), "is_hypothesis_test", False)
        if is_property or where.startswith(SLOW_FILES):
            item.add_marker(slow)


@pytest.fixture(scope="session", autouse=True)
def _database_is_the_expected_one(django_db_setup, django_db_blocker):
    """Fail the run when SKOLSAM_EXPECT_DB names another database than the one in use.

    `make test` runs the suite twice and sets SKOLSAM_EXPECT_DB to sqlite, then
    postgresql, so a misconfigured run can never pass silently on the wrong database.
    """
    expected = os.environ.get("SKOLSAM_EXPECT_DB")
    if not expected:
        return
    from django.db import connection

    with django_db_blocker.unblock():
        connection.ensure_connection()
        vendor = connection.vendor
    if vendor != expected:
        pytest.exit(f"Expected to test on {expected}, but the database is {vendor}", returncode=3)
    print(f"\n[skolsam] testing on {vendor}")


@pytest.fixture(autouse=True)
def _process_caches_start_empty():
    """Start every test with the per-process caches empty, as a freshly started server.

    Which resource types are subscribed to (the API's webhooks) and the attendance
    settings are cached per process for up to a minute; a test must not see what an
    earlier test in the same worker left there.
    """
    from skolsam.api.ss12000.changes import forget_subscribed_types
    from skolsam.attendance import policy

    forget_subscribed_types()
    policy.forget()


@pytest.fixture(autouse=True)
def _sqlite_audit_log_can_be_flushed(request, _django_db_helper):
    """Let a transactional test on SQLite end with the audit log (and the grades) emptied.

    Such a test ends with Django's flush, which on SQLite is a DELETE on every table, and
    the audit log's triggers refuse that (PostgreSQL's flush is a TRUNCATE, which row
    triggers do not see). Before the flush, the log's rows go with the triggers lifted
    for that one statement; the flush then finds the table empty. Set up after the
    database helper, so torn down before it flushes.
    """
    yield
    uses_db = request.node.get_closest_marker("django_db") is not None or bool(
        {"db", "transactional_db", "live_server"} & set(request.fixturenames)
    )
    if not uses_db:
        return
    from django.db import connection

    from skolsam.audit.models import AuditEntryPerson

    # A test inside a transaction is rolled back, not flushed.
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        return
    # The grade decisions, catalogues and certificates are kept the same way
    # (grades.triggers); they go first, as they point at the persons the flush deletes.
    guarded = ("grades_grade", "grades_gradecatalogue", "grades_gradedocument", "audit_auditentry")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
            "AND tbl_name IN (%s, %s, %s, %s)",
            guarded,
        )
        triggers = cursor.fetchall()
        for name, _sql in triggers:
            cursor.execute(f'DROP TRIGGER "{name}"')
        cursor.execute("DELETE FROM grades_gradedocument")
        cursor.execute("DELETE FROM grades_gradecatalogue")
        # What is published points at the decisions.
        cursor.execute("DELETE FROM grades_publishedgrade")
        cursor.execute("DELETE FROM grades_grade")
        # The persons of entries about many (no triggers on SQLite) go first: they point
        # at the entries.
        cursor.execute(f'DELETE FROM "{AuditEntryPerson._meta.db_table}"')  # noqa: S608 - a model's table
        cursor.execute("DELETE FROM audit_auditentry")
        for _name, sql in triggers:
            cursor.execute(sql)
