"""Share one copy of the story per test module: the `story` fixture any test may ask for.

Loaded as a pytest plugin by the root conftest.py. The register is built once per module
inside a transaction that is rolled back afterwards; every test still runs in its own
savepoint within it, so what a test writes is gone before the next test starts. A test
module that needs a few more people for all its tests adds them in a module-scoped fixture
of its own that asks for `story` (they go into the same transaction).

What a test changes in the story's Python objects is not rolled back with the database: a
test that writes to a person reads that person afresh (`Person.objects.get(pk=...)`) rather
than calling `refresh_from_db()` on the shared object.
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

    with django_db_blocker.unblock(), transaction.atomic():
        yield build_story()
        transaction.set_rollback(True)
