"""Build example import files from Skatteverket's test personnummer.

`python -m skolsam.imports.examples docs/examples` writes docs/examples/import-example.csv
and .xlsx; the benchmark uses `example_rows` for its thousand pupils. The shipped file is
for the demo's Centralskolan 7–9: pupils in years 7–9 of classes that exist there, with
numbers the demo keeps free (`demo.testnumbers.reserved_for_import_example`), so it
imports into `make demo` as it is. Telephone numbers
are from PTS's series for fiction (070-174 06 05 – 070-174 06 99), e-mail addresses are
at example.com, and the street is made up, so nothing points at a real person.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from skolsam.demo.testnumbers import (
    EXAMPLE_BIRTH_YEARS,
    EXAMPLE_PUPILS,
    reserved_for_import_example,
    test_personnummer,
)

GIRLS = ("Alva", "Elsa", "Maja", "Saga", "Ebba", "Selma", "Astrid", "Freja", "Alice", "Wilma")
BOYS = ("Noah", "Hugo", "Liam", "Elias", "Oscar", "Nils", "Ludvig", "Arvid", "Isak", "Theo")
WOMEN = ("Anna", "Sara", "Karin", "Linda", "Åsa", "Malin", "Sofia", "Jenny", "Frida", "Emma")
MEN = ("Johan", "Erik", "Anders", "Magnus", "Per", "Jonas", "Mikael", "Niklas", "Olof", "Lars")
FAMILY = (
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Lindqvist",
    "Öberg",
)
START = date(2026, 8, 17)

GUARDIAN_FIELDS = (
    "personnummer",
    "förnamn",
    "efternamn",
    "relation",
    "telefon",
    "epost",
    "gatuadress",
    "postnummer",
    "postort",
    "kommunkod",
)
HEADERS = [
    "personnummer",
    "förnamn",
    "efternamn",
    "skolform",
    "årskurs",
    "klass",
    "startdatum",
    *(f"vh1_{f}" for f in GUARDIAN_FIELDS),
    *(f"vh2_{f}" for f in GUARDIAN_FIELDS),
]


def _dashed(number: str) -> str:
    return f"{number[:8]}-{number[8:]}"


def _is_man(number: str) -> bool:
    return int(number[10]) % 2 == 1


def example_rows(count: int = 8, *, start: date = START) -> list[list[str]]:
    """Return `count` pupil rows in the documented format (header not included).

    Every fifth pupil is the younger sibling of the one before and shares the guardians;
    every seventh has one guardian only. School year and class follow the birth year
    (years 7–9, classes A and B).
    """
    if count <= EXAMPLE_PUPILS:
        children, step = list(reserved_for_import_example()), 1
    else:
        children = test_personnummer(
            born_from=EXAMPLE_BIRTH_YEARS[0], born_to=EXAMPLE_BIRTH_YEARS[1]
        )
        step = max(1, len(children) // max(count, 1))
    adults = test_personnummer(born_from=1975, born_to=1990)
    if count * 2 + 2 > len(adults) or count > len(children):
        raise ValueError("Not enough test personnummer for that many rows.")
    rows: list[list[str]] = []
    family = ""
    guardians: list[list[str]] = []
    for i in range(count):
        child = children[i * step]
        if i % 5 != 4 or not guardians:
            family = FAMILY[i % len(FAMILY)]
            guardians = []
            for slot, number in enumerate((adults[2 * i], adults[2 * i + 1])):
                first = (MEN if _is_man(number) else WOMEN)[(i + slot) % 10]
                guardians.append(
                    [
                        _dashed(number),
                        first,
                        family,
                        "Vårdnadshavare",
                        f"070-174 06 {5 + (2 * i + slot) % 95:02d}",
                        f"{first.lower().replace('å', 'a')}.{i}{slot}@example.com",
                        f"Exempelgatan {1 + i % 60}",
                        "731 30",
                        "Köping",
                        "1983",
                    ]
                )
        year = start.year - int(child[:4]) - 6
        given = (BOYS if _is_man(child) else GIRLS)[i % 10]
        row = [
            _dashed(child),
            given,
            family,
            "GR",
            str(year),
            f"{year}{'AB'[i % 2]}",
            start.isoformat(),
        ]
        for guardian in guardians[: 1 if i % 7 == 6 else 2]:
            row += guardian
        rows.append(row + [""] * (len(HEADERS) - len(row)))
    return rows


def write_csv(path: Path, rows: list[list[str]], *, delimiter: str = ";") -> None:
    """Write rows as Excel's "CSV UTF-8": BOM, the given delimiter, CRLF."""
    import csv

    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow(HEADERS)
        writer.writerows(rows)


def write_xlsx(path: Path, rows: list[list[str]]) -> None:
    """Write rows as an Excel workbook with the civic numbers as text."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Elever"
    sheet.append(HEADERS)
    for row in rows:
        values: list[object] = list(row)
        values[4] = int(row[4])  # årskurs as a number, the way people type it
        values[6] = date.fromisoformat(row[6])  # startdatum as a real date cell
        sheet.append(values)
    sheet.freeze_panes = "A2"
    workbook.save(path)


def main(directory: str) -> None:
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    rows = example_rows()
    write_csv(target / "import-example.csv", rows)
    write_xlsx(target / "import-example.xlsx", rows)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docs/examples")
