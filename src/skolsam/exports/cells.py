"""Neutralise spreadsheet formulas in exported cells (CSV and formula injection).

A cell that starts with `=`, `+`, `-` or `@` is run as a formula by Excel, LibreOffice and
Google Sheets when the file is opened, so a name such as `=HYPERLINK(...)` typed into the
register could run in the reader's spreadsheet. OWASP's advice: prefix such cells with a
single quote, which the spreadsheet shows as text. Tab and carriage return are included
because some spreadsheets skip them before looking for a formula.
"""

from __future__ import annotations

import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# What an exported cell may not carry, whatever the register holds: control characters
# (an .xlsx cannot store them at all, so openpyxl refuses the whole file) and the Unicode
# direction overrides that make text display in another order than it is stored. Tab and
# line breaks stay; spreadsheets show them.
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
REPLACEMENT = "\ufffd"
# Excel's limit for one cell; a longer value opens with a warning and is cut anyway.
MAX_CELL = 32_767


def printable_cell(value: str) -> str:
    """Return `value` as any spreadsheet can hold it: controls as �, at most 32,767 characters.

    Values reach the register through many paths and some predate today's checks; an
    export must answer with a file, never an error, for whatever is stored.
    """
    value = _UNWRITABLE.sub(REPLACEMENT, value)
    if len(value) > MAX_CELL:
        value = value[: MAX_CELL - 1] + "…"
    return value


def safe_cell(value: str) -> str:
    """Return `value` with a leading `'` when a spreadsheet would read it as a formula."""
    if value and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unguard_cell(value: str) -> str:
    """Undo `safe_cell`, so a file exported by Skolsam can be imported again unchanged."""
    if len(value) > 1 and value[0] == "'" and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value
