"""Parse and validate Swedish civic numbers: personnummer, samordningsnummer, temporary numbers.

Accepted input (spaces are ignored):
- personnummer and samordningsnummer with 10 digits (`YYMMDDNNNC`, `YYMMDD-NNNC`, `YYMMDD+NNNC`)
  or 12 digits (`YYYYMMDDNNNC`, `YYYYMMDD-NNNC`);
- temporary school numbers (TF-nummer) `YYYYMMDDLLNN` and `YYYYMMDD-LNNN`, letters in
  positions 9-10 as schools assign them locally.

Everything is stored as 12 characters without a separator. A 10-digit number takes its
century from a reference date: `+` means the person has turned 100.
The Luhn check digit comes from python-stdnum; the Swedish rules around it are ours.
"""

import calendar
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from stdnum import luhn
from stdnum.exceptions import ValidationError as StdnumError


class CivicNoType(StrEnum):
    PERSONNUMMER = "personnummer"
    SAMORDNINGSNUMMER = "samordningsnummer"
    TEMPORARY = "temporary"


class CivicNoError(ValueError):
    """The text is not a valid civic number; the message says why, in Swedish."""


@dataclass(frozen=True)
class CivicNo:
    value: str  # 12 characters, no separator
    type: CivicNoType
    birth_date: date | None  # None when a samordningsnummer hides the month or the day
    sex: str  # SS 12000 Code_Sex: Man, Kvinna or Okänt

    def formatted(self) -> str:
        """Return the usual written form `YYYYMMDD-NNNN` (12 digits keep the century)."""
        return f"{self.value[:8]}-{self.value[8:]}"


_DIGITS_10 = re.compile(r"^(\d{6})([-+]?)(\d{4})$")
_DIGITS_12 = re.compile(r"^(\d{8})-?(\d{4})$")
_TEMPORARY = re.compile(r"^(\d{8})(?:([A-Z]{2}\d{2})|-?([A-Z]\d{3}))$")


def parse(text: str, *, today: date | None = None) -> CivicNo:
    """Parse `text` into a CivicNo, or raise CivicNoError saying what is wrong."""
    raw = re.sub(r"\s+", "", text or "").upper()
    if not raw:
        raise CivicNoError("Personnumret saknas.")
    ref = today or date.today()

    temp = _TEMPORARY.match(raw)
    if temp:
        yyyymmdd = temp.group(1)
        suffix = temp.group(2) or temp.group(3)
        born = _real_date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
        if born is None:
            raise CivicNoError(f"Födelsedatumet {yyyymmdd} i det tillfälliga numret finns inte.")
        if born > ref:
            raise CivicNoError("Födelsedatumet ligger i framtiden.")
        return CivicNo(yyyymmdd + suffix, CivicNoType.TEMPORARY, born, "Okänt")

    m12 = _DIGITS_12.match(raw)
    m10 = _DIGITS_10.match(raw)
    if m12:
        century = int(m12.group(1)[:2])
        short = m12.group(1)[2:] + m12.group(2)
    elif m10:
        short = m10.group(1) + m10.group(3)
        century = _century(int(short[:2]), ref, centenarian=m10.group(2) == "+")
    else:
        raise CivicNoError(
            "Ogiltigt format. Skriv 10 eller 12 siffror, t.ex. ÅÅMMDD-NNNN eller ÅÅÅÅMMDDNNNN."
        )

    try:
        luhn.validate(short)
    except StdnumError:
        raise CivicNoError("Kontrollsiffran stämmer inte.") from None

    year = century * 100 + int(short[:2])
    month, day = int(short[2:4]), int(short[4:6])
    if day >= 60:
        # Samordningsnummer: the day plus 60. Day 60 means an unknown day, month 00 an
        # unknown month; both are valid and leave the birth date unknown.
        kind = CivicNoType.SAMORDNINGSNUMMER
        if month > 12 or day > 91:
            raise CivicNoError("Födelsedatumet i samordningsnumret finns inte.")
        born = None if month == 0 or day == 60 else _real_date(year, month, day - 60)
        if born is None and month != 0 and day != 60:
            raise CivicNoError("Födelsedatumet i samordningsnumret finns inte.")
    else:
        kind, born = CivicNoType.PERSONNUMMER, _real_date(year, month, day)
        if born is None:
            raise CivicNoError(f"Födelsedatumet {year:04d}-{month:02d}-{day:02d} finns inte.")
    if born is not None and born > ref:
        raise CivicNoError("Födelsedatumet ligger i framtiden.")

    sex = "Man" if int(short[8]) % 2 else "Kvinna"
    return CivicNo(f"{year:04d}{short[2:]}", kind, born, sex)


def is_valid(text: str, *, today: date | None = None) -> bool:
    """Tell whether `text` parses as a civic number."""
    try:
        parse(text, today=today)
    except CivicNoError:
        return False
    return True


def search_forms(text: str, *, today: date | None = None) -> str | None:
    """Return the stored 12-character form of a civic number typed in a search box, if any."""
    try:
        return parse(text, today=today).value
    except CivicNoError:
        return None


PREFIX_MIN_DIGITS = 6
_PARTIAL = re.compile(r"^(\d+)(?:([-+])(\d*))?$")


def search_prefixes(text: str, *, today: date | None = None) -> tuple[str, ...] | None:
    """Return the stored-form prefixes a partial civic number typed in a search box can start.

    None when `text` is not a number (so it is a name). An empty tuple when it is one but
    has fewer than PREFIX_MIN_DIGITS digits: too few to mean a date of birth. Without a
    separator the digits may be the start of either written form ("200315" is 15 March 2020,
    or nothing in 2003): every reading whose month and day can still be real is kept.
    """
    raw = re.sub(r"\s+", "", text or "")
    match = _PARTIAL.match(raw)
    if match is None:
        return None
    head, separator, tail = match.group(1), match.group(2), match.group(3) or ""
    digits = head + tail
    if len(digits) < PREFIX_MIN_DIGITS:
        return ()
    ref = today or date.today()
    readings: list[str] = []
    if separator is None or len(head) == 8:
        readings.append(digits)  # YYYYMMDD-NNNN
    if separator is None or len(head) == 6:
        century = _century(int(digits[:2]), ref, centenarian=separator == "+")
        readings.append(f"{century:02d}{digits}")  # YYMMDD-NNNN
    return tuple(p for p in readings if len(p) <= 12 and _may_be_born(p))


def _may_be_born(prefix: str) -> bool:
    """Tell whether a 12-form prefix can still become a real birth date or samordningsnummer.

    Month 00 and days 60-91 are a samordningsnummer's (unknown month, day plus 60).
    """
    if prefix[:2] not in ("18", "19", "20"):
        return False
    month, day = prefix[4:6], prefix[6:8]
    if (len(month) == 1 and month not in "01") or (len(month) == 2 and month > "12"):
        return False
    if len(day) == 1:
        return day in "01236789"
    return len(day) < 2 or "01" <= day <= "31" or "60" <= day <= "91"


def _century(yy: int, ref: date, *, centenarian: bool) -> int:
    """Pick the century that makes the person younger than 100 (or at least 100 with `+`)."""
    year = (ref.year // 100) * 100 + yy
    if year > ref.year:
        year -= 100
    if centenarian:
        year -= 100
    return year // 100


def _real_date(year: int, month: int, day: int) -> date | None:
    if not (1 <= month <= 12) or not (1 <= day <= calendar.monthrange(year, month)[1]):
        return None
    return date(year, month, day)
