"""Fix the time of day a test runs at, so that "today's 08:30 lesson" means the same at any hour.

A register may not be saved before its lesson starts and notices go at a cut-off time, so a
test that saves today's register would pass at noon and fail before eight in the morning.
`at_noon` fixes only the clock (Django's `timezone.now`) at noon in Stockholm, today; the
database and the services stay the real ones. Use it as a fixture:

    pytestmark = pytest.mark.usefixtures("at_noon")

or import it into a conftest (the attendance tests use it for every test).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time

import pytest


@pytest.fixture
def at_noon() -> Iterator[datetime]:
    """Yield noon today in Stockholm, with `timezone.now` answering it for the whole test."""
    # Imported here: this module is a pytest plugin, loaded before Django is set up.
    from django.utils import timezone

    from skolsam.schedule import calendar

    moment = calendar.at(timezone.localdate(), time(12, 0))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: moment)
        yield moment
