"""Share one story register per test module; every test still runs in its own savepoint."""

import pytest
from django.db import transaction

from skolsam.testing.story import build_story


@pytest.fixture(scope="module")
def story(django_db_setup, django_db_blocker):
    """Build the Köping/Arboga story once per module and roll it back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_story()
        transaction.set_rollback(True)
