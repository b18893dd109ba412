"""Test reading import files: encodings, delimiters, headers and Excel cells."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from skolsam.imports.examples import HEADERS, example_rows
from skolsam.imports.parser import ParsedFile, match_header, parse_file

pytest.importorskip("defusedxml")  # openpyxl guards against XML bombs only with it


def _messages(parsed: ParsedFile) -> list[str]:
    return [i.message for i in parsed.issues]


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("personnummer", "civic_no"),
        ("  Förnamn ", "given_name"),
        ("FORNAMN", "given_name"),
        ("first_name", "given_name"),
        ("Årskurs", "school_year"),
        ("VH1_Personnummer", "vh1_civic_no"),
        ("vh2 e-post", "vh2_email"),
        ("Guardian 1 First Name", "vh1_given_name"),
        ("vårdnadshavare2_telefon", "vh2_phone"),
        ("vh5_förnamn", None),  # four guardians at most
        ("skostorlek", None),
    ],
)
def test_headers_are_matched_case_and_accent_insensitively(header: str, key: str | None) -> None:
    assert match_header(header) == key


def test_tab_separated_utf16_from_excel_unicode_text_is_read() -> None:
    text = "personnummer\tförnamn\n20080101-2383\tÅsa\n"
    parsed = parse_file(text.encode("utf-16"), "elever.txt")

    assert (parsed.encoding, parsed.delimiter_label) == ("utf-16", "tabb")
    assert parsed.rows[0].values == {"civic_no": "20080101-2383", "given_name": "Åsa"}


def test_windows_1252_is_read_with_a_warning() -> None:
    parsed = parse_file("förnamn;efternamn\nÅsa;Öberg\n".encode("cp1252"), "elever.csv")

    assert parsed.encoding == "cp1252"
    assert parsed.rows[0].values == {"given_name": "Åsa", "family_name": "Öberg"}
    assert [i.level for i in parsed.issues if "Windows-1252" in i.message] == ["warning"]


def test_unknown_and_repeated_columns_and_extra_values_are_errors() -> None:
    data = "förnamn;first_name;skostorlek\nÅsa;Åsa;38;extra\n".encode()
    parsed = parse_file(data, "elever.csv")

    assert {(i.row, i.column) for i in parsed.errors} >= {
        (1, "first_name"),
        (1, "skostorlek"),
        (1, "personnummer"),
        (2, ""),
    }
    assert any("fler värden (4)" in m for m in _messages(parsed))


def test_guardian_columns_need_the_guardians_civic_number_and_names() -> None:
    parsed = parse_file(b"vh1_telefon\n070\n", "elever.csv")

    assert {"vh1_personnummer", "vh1_f\xf6rnamn", "vh1_efternamn"} <= {
        i.column for i in parsed.errors
    }


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "elever.csv", "Filen är tom."),
        (
            b"personnummer;f\xc3\xb6rnamn\r\n",
            "elever.csv",
            "Filen har rubriker men inga elevrader.",
        ),
        (b"not a zip", "elever.xlsx", "Filen är ingen giltig Excel-arbetsbok (.xlsx)."),
        (b"PK\x03\x04broken", "elever.xlsx", "Filen kunde inte läsas som Excel-arbetsbok"),
    ],
)
def test_empty_and_broken_files_get_a_clear_message(data: bytes, name: str, message: str) -> None:
    parsed = parse_file(data, name)

    assert parsed.errors
    assert any(m.startswith(message) for m in _messages(parsed))


def test_excel_cells_become_the_text_a_person_typed() -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["personnummer", "årskurs", "startdatum", "förnamn", "telefon"])
    sheet.append([200801012383, 7.0, datetime(2026, 8, 17), "  Åsa  ", "'+46701740605"])
    out = io.BytesIO()
    workbook.save(out)

    parsed = parse_file(out.getvalue(), "elever.xlsx")

    assert parsed.kind == "xlsx"
    assert parsed.rows[0].number == 2
    assert parsed.rows[0].values == {
        "civic_no": "200801012383",
        "school_year": "7",
        "start_date": "2026-08-17",
        "given_name": "Åsa",
        "phone": "+46701740605",  # an exported, formula-guarded cell reads back unguarded
    }


def test_the_shipped_examples_are_what_the_generator_writes() -> None:
    from pathlib import Path

    examples = Path(__file__).resolve().parents[4] / "docs" / "examples"
    rows = example_rows()
    csv_file = parse_file((examples / "import-example.csv").read_bytes(), "import-example.csv")
    xlsx_file = parse_file((examples / "import-example.xlsx").read_bytes(), "import-example.xlsx")

    assert not csv_file.issues and not xlsx_file.issues
    assert list(csv_file.columns.values()) == HEADERS
    assert [r.values for r in csv_file.rows] == [r.values for r in xlsx_file.rows]
    assert [r.values["civic_no"] for r in csv_file.rows] == [row[0] for row in rows]
    assert all(r.values["start_date"] == date(2026, 8, 17).isoformat() for r in csv_file.rows)
