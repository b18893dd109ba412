"""Write an export table as CSV or Excel, with every text cell guarded against formulas."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, time

from skolsam.exports.cells import printable_cell, safe_cell
from skolsam.exports.selectors import Cell, ExportTable

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return safe_cell(printable_cell(str(value)))


def write_csv(table: ExportTable) -> bytes:
    """Return the table as CSV the way Swedish Excel opens it: UTF-8 with BOM, `;`, CRLF."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([_text(h) for h in table.headers])
    for row in table.rows:
        writer.writerow([_text(c) for c in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _sheet_title(title: str, used: set[str]) -> str:
    """Excel allows 31 characters and none of []:*?/\\ in a sheet's name, each name once."""
    base = re.sub(r"[\[\]:*?/\\]", "-", printable_cell(title)).strip() or "Blad"
    base = base[:31]
    name, n = base, 2
    while name.casefold() in used:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.casefold())
    return name


def write_xlsx(table: ExportTable) -> bytes:
    """Return the table as an Excel workbook, one sheet per part (e.g. per school year)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    used: set[str] = set()
    for sheet in table.sheets:
        worksheet = workbook.create_sheet(_sheet_title(sheet.title, used))
        worksheet.freeze_panes = "A2"
        header = []
        for text in table.headers:
            cell = WriteOnlyCell(worksheet, value=_text(text))
            cell.font = bold
            header.append(cell)
        worksheet.append(header)
        for row in sheet.rows:
            cells = []
            for value in row:
                if isinstance(value, date):
                    cell = WriteOnlyCell(worksheet, value=datetime.combine(value, time()))
                    cell.number_format = "yyyy-mm-dd"
                elif isinstance(value, int):
                    cell = WriteOnlyCell(worksheet, value=value)
                else:
                    # Text is always written as text: openpyxl would store "=..." as a formula.
                    cell = WriteOnlyCell(worksheet, value=_text(value))
                    cell.data_type = "s"
                cells.append(cell)
            worksheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
