"""Shared pytest set-up: make sure each run tests the database it says it tests."""

import os

import pytest


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
