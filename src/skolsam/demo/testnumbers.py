"""Hand out Skatteverket's official test personnummer, the only civic numbers demo and tests use.

The list lives in ../shared/data/skatteverket-testpersonnummer/ beside the repository;
a copy ships in this package (data/testpersonnummer.csv) so an installed Skolsam has it too.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "testpersonnummer.csv"


@cache
def _all() -> tuple[str, ...]:
    with DATA.open(newline="") as fh:
        return tuple(row["testpersonnummer"] for row in csv.DictReader(fh))


def test_personnummer(*, born_from: int = 1890, born_to: int = 2100) -> list[str]:
    """Return the test numbers of persons born in [born_from, born_to], sorted."""
    return [n for n in _all() if born_from <= int(n[:4]) <= born_to]


def is_test_personnummer(value: str) -> bool:
    """Tell whether `value` (12 digits) is on Skatteverket's test list."""
    return value in set(_all())
