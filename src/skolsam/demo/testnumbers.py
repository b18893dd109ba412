"""Hand out Skatteverket's official test personnummer, the only civic numbers demo and tests use.

The list lives in ../shared/data/skatteverket-testpersonnummer/ beside the repository;
a copy ships in this package (data/testpersonnummer.csv) so an installed Skolsam has it too.
"""

from __future__ import annotations

import csv
import re
from datetime import date
from functools import cache
from pathlib import Path

from stdnum import luhn

DATA = Path(__file__).resolve().parent / "data" / "testpersonnummer.csv"


@cache
def _all() -> tuple[str, ...]:
    with DATA.open(newline="") as fh:
        return tuple(row["testpersonnummer"] for row in csv.DictReader(fh))


def test_personnummer(*, born_from: int = 1890, born_to: int = 2100) -> list[str]:
    """Return the test numbers of persons born in [born_from, born_to], sorted."""
    return [n for n in _all() if born_from <= int(n[:4]) <= born_to]


@cache
def _as_set() -> frozenset[str]:
    return frozenset(_all())


def is_test_personnummer(value: str) -> bool:
    """Tell whether `value` (12 digits) is on Skatteverket's test list."""
    return value in _as_set()


# Skatteverket's test list holds no samordningsnummer, and its companion list of test
# samordningsnummer is not copied into the repository. A samordningsnummer is built like a
# personnummer with 60 added to the day of birth, so we derive one from a test
# personnummer: add 60 to the day and recompute the Luhn check digit over the nine digits
# YYMMDDNNN. Days 61-91 never occur in a personnummer, so the result can never be a real
# person's personnummer, and it can be traced back to its test number.
def samordningsnummer_from(personnummer: str) -> str:
    """Return the samordningsnummer derived from a 12-digit test personnummer (day + 60)."""
    day = int(personnummer[6:8])
    nine = f"{personnummer[2:6]}{day + 60:02d}{personnummer[8:11]}"
    return f"{personnummer[:2]}{nine}{luhn.calc_check_digit(nine)}"


def personnummer_behind(samordningsnummer: str) -> str:
    """Return the test personnummer a derived samordningsnummer was made from."""
    day = int(samordningsnummer[6:8]) - 60
    nine = f"{samordningsnummer[2:6]}{day:02d}{samordningsnummer[8:11]}"
    return f"{samordningsnummer[:2]}{nine}{luhn.calc_check_digit(nine)}"


def is_derived_samordningsnummer(value: str) -> bool:
    """Tell whether `value` is a samordningsnummer derived from a number on the test list."""
    return (
        len(value) == 12
        and value.isdigit()
        and 61 <= int(value[6:8]) <= 91
        and luhn.is_valid(value[2:])
        and is_test_personnummer(personnummer_behind(value))
    )


_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# Letter pairs for temporary numbers, "TF" first as SCB's name for them (TF-nummer).
_PAIRS = tuple(a + b for a in _LETTERS for b in _LETTERS)
_PAIRS = _PAIRS[_PAIRS.index("TF") :] + _PAIRS[: _PAIRS.index("TF")]
_TEMPORARY = re.compile(r"^\d{8}[A-Z]{2}\d{2}$")


def temporary_number(born: date, serial: int) -> str:
    """Return the `serial`-th temporary school number for a birth date: YYYYMMDD + LL + NN.

    Serial 0-99 give TF00-TF99, then TG00 and on: 67,600 numbers per birth date. The
    letters make sure such a number can never be anyone's personnummer.
    """
    if not 0 <= serial < len(_PAIRS) * 100:
        raise ValueError(f"No temporary number {serial} for {born}.")
    return f"{born:%Y%m%d}{_PAIRS[serial // 100]}{serial % 100:02d}"


def is_temporary_number(value: str) -> bool:
    """Tell whether `value` has the temporary-number form YYYYMMDD + two letters + two digits."""
    return bool(_TEMPORARY.match(value))


# The shipped import example (docs/examples/, written by skolsam.imports.examples) is meant
# to import into the demo as it is, at Centralskolan 7–9. Its pupils must then be new to
# the demo register, so the demo never hands out these numbers. (Its guardians are born
# in 1975, a year the demo's adults never are.)
EXAMPLE_BIRTH_YEARS = (2011, 2013)
EXAMPLE_PUPILS = 8


@cache
def reserved_for_import_example() -> tuple[str, ...]:
    """Return the pupils' numbers of the shipped import example, spread over the years."""
    children = test_personnummer(born_from=EXAMPLE_BIRTH_YEARS[0], born_to=EXAMPLE_BIRTH_YEARS[1])
    step = len(children) // EXAMPLE_PUPILS
    return tuple(children[i * step] for i in range(EXAMPLE_PUPILS))
