"""Helpers to write the import tests' files.

The import tests happen in the story (skolsam.testing.story, the `story` fixture): Eva,
Scheeleskolan's skoladministratör, imports into Scheeleskolan (grundskola, förskoleklass,
fritidshem; classes 7A and 7B); Maria, who teaches there, and Per, Arboga's administrator,
may not. Pupils and guardians in the files use Skatteverket's test personnummer from birth
years the shared factories never hand out (pupils born 2008–2009, adults born 1960–1974),
so no file collides with a factory-made person, the story's included.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps

from skolsam.core.dates import today
from skolsam.testing.story import IMPORT_ADULTS, IMPORT_CHILDREN, dashed

# The story's numbers for import files, which the browser test's import uses too.
PUPILS = IMPORT_CHILDREN
ADULTS = IMPORT_ADULTS
START = today() - timedelta(days=30)

HEADER = [
    "personnummer",
    "förnamn",
    "efternamn",
    "skolform",
    "årskurs",
    "klass",
    "startdatum",
    "vh1_personnummer",
    "vh1_förnamn",
    "vh1_efternamn",
    "vh1_telefon",
    "vh1_epost",
    "vh2_personnummer",
    "vh2_förnamn",
    "vh2_efternamn",
]


def pupil_row(i: int, **changes: str) -> dict[str, str]:
    """Return the i-th pupil of the files, in class 7A with two guardians."""
    row = {
        "personnummer": dashed(PUPILS[i]),
        "förnamn": f"Elev{i}",
        "efternamn": "Lindqvist",
        "skolform": "GR",
        "årskurs": "7",
        "klass": "7A",
        "startdatum": START.isoformat(),
        "vh1_personnummer": dashed(ADULTS[2 * i]),
        "vh1_förnamn": f"Mamma{i}",
        "vh1_efternamn": "Lindqvist",
        "vh1_telefon": "070-174 06 05",
        "vh1_epost": f"mamma{i}@example.com",
        "vh2_personnummer": dashed(ADULTS[2 * i + 1]),
        "vh2_förnamn": f"Pappa{i}",
        "vh2_efternamn": "Lindqvist",
    }
    row.update(changes)
    return row


def csv_bytes(
    rows: list[dict[str, str]],
    *,
    header: list[str] | None = None,
    delimiter: str = ";",
    encoding: str = "utf-8-sig",
) -> bytes:
    header = header or HEADER
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(h, "") for h in header])
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[dict[str, str]], *, header: list[str] | None = None) -> bytes:
    from openpyxl import Workbook

    header = header or HEADER
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        values: list[Any] = [row.get(h, "") for h in header]
        sheet.append(values)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def table_counts() -> dict[str, int]:
    """Count the rows of every table, to show that a refused import changed nothing."""
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # Argon2 costs most of a second per user with a password (the demo's, here); these
    # tests are not about passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
