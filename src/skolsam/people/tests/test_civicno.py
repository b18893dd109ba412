"""Prove the civic-number parser: every written form, the century rule, and its refusals.

Personnummer come from Skatteverket's test list. Skatteverket's test samordningsnummer are
not in the repository, so samordningsnummer here are made from test personnummer the way
Skatteverket makes them (day + 60, new check digit), plus the example 701063-2391 from
Skatteverket's own description of the format.
"""

from __future__ import annotations

from datetime import date

import pytest
from stdnum import luhn

from skolsam.demo import testnumbers
from skolsam.people import civicno
from skolsam.people.civicno import CivicNoError, CivicNoType

REF = date(2026, 10, 15)


def with_check_digit(nine: str) -> str:
    """Return the ten digits YYMMDDNNNC for nine digits YYMMDDNNN."""
    return nine + luhn.calc_check_digit(nine)


def parse(text: str, today: date = REF) -> civicno.CivicNo:
    return civicno.parse(text, today=today)


# --- personnummer in every accepted form -----------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "201501012395",
        "20150101-2395",
        "1501012395",
        "150101-2395",
        " 150101 - 2395 ",
        "2015 01 01 2395",
    ],
)
def test_every_form_of_a_personnummer_is_stored_as_twelve_digits(text):
    parsed = parse(text)
    assert parsed.value == "201501012395"
    assert parsed.type is CivicNoType.PERSONNUMMER
    assert parsed.birth_date == date(2015, 1, 1)
    assert parsed.formatted() == "20150101-2395"


@pytest.mark.parametrize(
    ("number", "sex"),
    [
        ("201501012395", "Man"),  # ninth digit 9
        ("201501022386", "Kvinna"),  # ninth digit 8
        ("191202119150", "Man"),  # ninth digit 5
        ("202412302396", "Man"),  # ninth digit 9
        ("202412312387", "Kvinna"),  # ninth digit 8
    ],
)
def test_legal_sex_follows_the_ninth_digit(number, sex):
    assert parse(number).sex == sex


# --- the century: `-` below 100, `+` from the year of the 100th birthday -----------------


@pytest.mark.parametrize(
    ("text", "today", "stored"),
    [
        # Born 1912: 114 years old in 2026, so written with `+`.
        ("120211+9150", REF, "191202119150"),
        # The same digits with `-` belong to a child born 2012.
        ("120211-9150", REF, "201202119150"),
        ("1202119150", REF, "201202119150"),
        # Born 4 January 1926: turns 100 in 2026, so `+` from 1 January 2026 ...
        ("260104+9030", date(2026, 1, 1), "192601049030"),
        # ... and `-` in 2025, the year before.
        ("260104-9030", date(2025, 12, 31), "192601049030"),
        # Born 8 January 1927: 99 in 2026, still `-`.
        ("270108-9167", REF, "192701089167"),
        # In 2027 the same person is written with `+`.
        ("270108+9167", date(2027, 1, 1), "192701089167"),
        # `+` with a two-digit year ahead of the reference year points two centuries back.
        ("270108+9167", REF, "182701089167"),
    ],
)
def test_century_comes_from_the_separator_and_the_reference_date(text, today, stored):
    assert parse(text, today=today).value == stored


def test_a_dash_for_someone_who_has_turned_100_is_refused_as_a_future_birth():
    # On 1 January 2027 "270108-9167" would be born 8 January 2027: not yet.
    with pytest.raises(CivicNoError, match="framtiden"):
        parse("270108-9167", today=date(2027, 1, 1))


def test_twelve_digits_keep_their_century_whatever_the_reference_date():
    assert parse("191202119150", today=date(2026, 1, 1)).value == "191202119150"
    assert parse("201202119150", today=date(2026, 1, 1)).value == "201202119150"


def test_future_birth_date_is_refused():
    with pytest.raises(CivicNoError, match="framtiden"):
        parse("201501012395", today=date(2014, 12, 31))
    assert parse("201501012395", today=date(2015, 1, 1)).birth_date == date(2015, 1, 1)


# --- check digit and dates ---------------------------------------------------------------


@pytest.mark.parametrize("text", ["201501012396", "150101-2394", "1501012390", "191202119151"])
def test_a_wrong_check_digit_is_refused(text):
    with pytest.raises(CivicNoError, match="Kontrollsiffran"):
        parse(text)


@pytest.mark.parametrize(
    "nine",
    [
        "150230239",  # 30 February
        "150229239",  # 29 February in a non-leap year
        "151301239",  # month 13
        "150001239",  # month 00 in a personnummer
        "150100239",  # day 00
        "150132239",  # 32 January
    ],
)
def test_a_date_that_does_not_exist_is_refused_even_with_a_correct_check_digit(nine):
    with pytest.raises(CivicNoError, match="finns inte"):
        parse(with_check_digit(nine))


def test_leap_day_is_accepted():
    parsed = parse(with_check_digit("120229239"))
    assert parsed.birth_date == date(2012, 2, 29)


@pytest.mark.parametrize(
    "text",
    ["abc", "15010123", "2015010123955", "150101/2395", "19121212+1212", "15-01-01-2395"],
)
def test_other_shapes_are_refused_with_the_format_message(text):
    with pytest.raises(CivicNoError, match="Ogiltigt format"):
        parse(text)


@pytest.mark.parametrize("text", ["", "   ", None])
def test_missing_number_is_refused(text):
    with pytest.raises(CivicNoError, match="saknas"):
        parse(text)


# --- samordningsnummer: day + 60 ---------------------------------------------------------


def test_skatteverkets_example_samordningsnummer():
    parsed = parse("701063-2391")
    assert parsed.value == "197010632391"
    assert parsed.type is CivicNoType.SAMORDNINGSNUMMER
    assert parsed.birth_date == date(1970, 10, 3)
    assert parsed.sex == "Man"


@pytest.mark.parametrize(
    ("nine", "born"),
    [
        ("150161239", date(2015, 1, 1)),  # day 1 + 60
        ("150191239", date(2015, 1, 31)),  # day 31 + 60
        ("120289238", date(2012, 2, 29)),  # leap day + 60
        ("150160239", None),  # unknown day (60)
        ("150061239", None),  # unknown month (00)
        ("150060238", None),  # unknown month and day
    ],
)
def test_samordningsnummer(nine, born):
    for text in (with_check_digit(nine), "20" + with_check_digit(nine)):
        parsed = parse(text)
        assert parsed.type is CivicNoType.SAMORDNINGSNUMMER
        assert parsed.value == "20" + with_check_digit(nine)
        assert parsed.birth_date == born
        assert parsed.sex == ("Man" if int(nine[8]) % 2 else "Kvinna")


@pytest.mark.parametrize(
    "nine",
    [
        "150192239",  # day 32 + 60
        "151361239",  # month 13
        "150290239",  # 30 February + 60
        "150289239",  # 29 February + 60 in a non-leap year
    ],
)
def test_impossible_samordningsnummer_are_refused(nine):
    with pytest.raises(CivicNoError, match="finns inte"):
        parse(with_check_digit(nine))


def test_samordningsnummer_with_a_wrong_check_digit_is_refused():
    good = with_check_digit("150161239")
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    with pytest.raises(CivicNoError, match="Kontrollsiffran"):
        parse(bad)


# --- temporary school numbers (TF-nummer) --------------------------------------------------


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("20150315TF01", "20150315TF01"),
        ("20150315tf01", "20150315TF01"),
        ("20150315-T001", "20150315T001"),
        ("20150315T001", "20150315T001"),
        ("20150315AB99", "20150315AB99"),
    ],
)
def test_temporary_numbers(text, stored):
    parsed = parse(text)
    assert parsed.value == stored
    assert len(parsed.value) == 12
    assert parsed.type is CivicNoType.TEMPORARY
    assert parsed.birth_date == date(2015, 3, 15)
    assert parsed.sex == "Okänt"


@pytest.mark.parametrize(
    "text", ["20150230TF01", "20151301TF01", "20150315T01", "2015031TF01", "150315TF01"]
)
def test_malformed_temporary_numbers_are_refused(text):
    with pytest.raises(CivicNoError):
        parse(text)


def test_temporary_number_with_a_future_birth_date_is_refused():
    with pytest.raises(CivicNoError, match="framtiden"):
        parse("20300101TF01", today=date(2026, 11, 22))
    assert parse("20260101TF01", today=date(2026, 11, 22)).birth_date == date(2026, 1, 1)


# --- helpers -----------------------------------------------------------------------------------


def test_is_valid_and_search_forms():
    assert civicno.is_valid("150101-2395", today=REF)
    assert not civicno.is_valid("150101-2396", today=REF)
    assert civicno.search_forms("150101-2395", today=REF) == "201501012395"
    assert civicno.search_forms("Alva Andersson", today=REF) is None


# --- Skatteverket's whole test list ------------------------------------------------------------


def test_every_skatteverket_test_number_parses_in_every_form():
    numbers = testnumbers.test_personnummer()
    assert len(numbers) > 40_000, testnumbers.DATA
    for number in numbers:
        parsed = civicno.parse(number, today=REF)
        assert parsed.value == number
        assert parsed.type is CivicNoType.PERSONNUMMER
        assert parsed.sex == ("Man" if int(number[10]) % 2 else "Kvinna")
        assert parsed.birth_date == date(int(number[:4]), int(number[4:6]), int(number[6:8]))
        # The ten-digit form, written with the separator the person uses in 2026, must
        # come back to the same twelve digits.
        separator = "+" if REF.year - parsed.birth_date.year >= 100 else "-"
        short = f"{number[2:8]}{separator}{number[8:]}"
        assert civicno.parse(short, today=REF).value == number, short
