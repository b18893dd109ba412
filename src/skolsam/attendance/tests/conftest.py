"""Run the attendance tests at a fixed time of day: noon in Stockholm, today.

A register may not be saved before its lesson starts, and notices go at a cut-off time,
so what a test may do with "today's 08:30 lesson" would otherwise depend on when the
suite runs. Only the clock is fixed; the database and the services are the real ones
(see `skolsam.testing.clock`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest


@pytest.fixture(autouse=True)
def noon(at_noon: datetime) -> Iterator[datetime]:
    yield at_noon
