"""Test the civic numbers the demo may use: test personnummer and what is derived from them."""

from __future__ import annotations

from datetime import date

import pytest

from skolsam.demo import testnumbers
from skolsam.demo.testnumbers import (
    is_derived_samordningsnummer,
    is_temporary_number,
    is_test_personnummer,
    personnummer_behind,
    samordningsnummer_from,
    temporary_number,
)
from skolsam.people import civicno


def test_a_samordningsnummer_is_a_test_number_with_60_added_to_the_day() -> None:
    source = testnumbers.test_personnummer(born_from=2012, born_to=2012)[0]
    derived = samordningsnummer_from(source)
    assert int(derived[6:8]) == int(source[6:8]) + 60
    assert personnummer_behind(derived) == source
    assert is_derived_samordningsnummer(derived)
    assert not is_test_personnummer(derived)
    parsed = civicno.parse(derived, today=date(2026, 11, 22))
    assert parsed.type == "samordningsnummer"
    assert parsed.birth_date == date(int(source[:4]), int(source[4:6]), int(source[6:8]))


def test_a_samordningsnummer_not_made_from_the_list_is_not_accepted() -> None:
    assert not is_derived_samordningsnummer("701063-2391".replace("-", "").rjust(12, "9"))
    assert not is_derived_samordningsnummer(testnumbers.test_personnummer(born_from=2012)[0])


def test_temporary_numbers_have_letters_where_a_personnummer_has_digits() -> None:
    born = date(2015, 3, 14)
    assert temporary_number(born, 1) == "20150314TF01"
    assert temporary_number(born, 100) == "20150314TG00"
    numbers = {temporary_number(born, n) for n in range(0, 67_600, 97)}
    assert len(numbers) == len(range(0, 67_600, 97))
    assert all(is_temporary_number(n) for n in numbers)
    parsed = civicno.parse("20150314TF01", today=date(2026, 11, 22))
    assert parsed.type == "temporary" and parsed.birth_date == born
    with pytest.raises(ValueError):
        temporary_number(born, 67_600)
