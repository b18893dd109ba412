"""Share one copy of the story per test module: the `story` fixture any test may ask for.

Loaded as a pytest plugin by the root conftest.py. The register is built once per module
inside a transaction that is rolled back afterwards; every test still runs in its own
savepoint within it, so what a test writes is gone before the next test starts. A test
module that needs a few more people for all its tests adds them in a module-scoped fixture
of its own that asks for `story` (they go into the same transaction).

A test asks for `db` (or a fixture that does) to reach the database; the fixture opens it
only to build the story and to roll it back. What a test changes in the story's Python
objects is not rolled back with the database: a test that writes to a person reads that
person afresh (`Person.objects.get(pk=...)`) rather than calling `refresh_from_db()` on
the shared object.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="module")
def story(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Any]:
    """Build the Köping/Arboga story once per module and roll it back afterwards."""
    # Imported here: this module is a pytest plugin, loaded before Django is set up.
    from django.db import transaction

    from skolsam.testing.story import build_story

    # The database is open to the fixture only while it builds and while it rolls back: a
    # test reaches it through `db` (its own savepoint), never through this fixture.
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        built = build_story()
    try:
        yield built
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
