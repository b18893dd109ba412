"""Neutralise spreadsheet formulas in exported cells (CSV and formula injection).

A cell that starts with `=`, `+`, `-` or `@` is run as a formula by Excel, LibreOffice and
Google Sheets when the file is opened, so a name such as `=HYPERLINK(...)` typed into the
register could run in the reader's spreadsheet. OWASP's advice: prefix such cells with a
single quote, which the spreadsheet shows as text. Tab and carriage return are included
because some spreadsheets skip them before looking for a formula.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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
