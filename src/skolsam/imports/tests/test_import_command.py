"""Test `manage.py import_register`: the same checks and report as the page, exit codes."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from skolsam.audit.models import AuditEntry
from skolsam.imports.tests.conftest import (
    PUPILS,
    START,
    csv_bytes,
    pupil_row,
    table_counts,
    xlsx_bytes,
)
from skolsam.people.models import Person, Responsible
from skolsam.testing import factories as f

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).resolve().parents[4] / "docs" / "examples"


def _run(path: Path, code: str, *args: str) -> str:
    out = io.StringIO()
    call_command("import_register", str(path), "--school-unit", code, *args, stdout=out)
    return out.getvalue()


def test_a_file_with_errors_prints_every_error_and_imports_nothing(
    story: Any, tmp_path: Path
) -> None:
    # The command runs as the system, so it sees a pupil enrolled at another huvudman.
    elsewhere = f.PupilFactory(civic_no=PUPILS[3], given_name="Elev3", family_name="Lindqvist")
    f.EnrolmentFactory(person=elsewhere, enroled_at=story.gaddgardsskolan, start_date=START)
    code = story.scheeleskolan.school_unit_code
    path = tmp_path / "elever.csv"
    path.write_bytes(
        csv_bytes(
            [
                pupil_row(0),
                pupil_row(1, personnummer="20081301-2385"),
                pupil_row(2, årskurs="12"),
                pupil_row(3),
                pupil_row(4, vh1_personnummer="", vh1_förnamn=""),
            ]
        )
    )
    before = table_counts()

    out = io.StringIO()
    with pytest.raises(CommandError, match="5 fel; inget importerades"):
        call_command("import_register", str(path), "--school-unit", code, stdout=out)

    report = out.getvalue()
    assert "Rad 3, kolumn personnummer: Ogiltigt personnummer" in report
    assert "Rad 4, kolumn årskurs: Årskursen ”12” ska vara ett heltal mellan 0 och 10." in report
    assert "Rad 5, kolumn skolform: Eleven är redan inskriven i GR vid en annan skolenhet" in report
    assert "Rad 6, kolumn vh1_personnummer: Vårdnadshavare 1:s personnummer saknas." in report
    assert "Rad 6, kolumn vh1_förnamn: Vårdnadshavare 1:s förnamn saknas." in report
    assert table_counts() == before


def test_a_dry_run_checks_and_writes_nothing(story: Any, tmp_path: Path) -> None:
    path = tmp_path / "elever.xlsx"
    path.write_bytes(xlsx_bytes([pupil_row(0), pupil_row(1)]))
    before = table_counts()

    report = _run(path, story.scheeleskolan.school_unit_code, "--dry-run")

    assert "Provkörning: inget sparades" in report
    assert "Nya elever: 2" in report
    assert table_counts() == before


def test_the_example_file_imports_and_a_second_run_adds_nothing(story: Any, tmp_path: Path) -> None:
    code = story.scheeleskolan.school_unit_code
    report = _run(EXAMPLES / "import-example.csv", code, "--create-classes")

    assert "Importerat:" in report
    assert "Nya elever: 8" in report
    # Two siblings share their guardians; one pupil has a single guardian.
    assert "Nya vårdnadshavare: 13" in report
    entry = AuditEntry.objects.get(action="import.register")
    assert entry.actor_label == "import_register import-example.csv"
    assert entry.actor_id is None
    assert f"Import-id i granskningsloggen: {entry.object_id}" in report
    after_first = table_counts()

    again = _run(EXAMPLES / "import-example.xlsx", code)

    assert "Elever som redan fanns: 8" in again
    assert "Nya elever: 0" in again
    counts = table_counts()
    for label in ("people.Person", "enrolment.Enrolment", "groups.GroupMembership"):
        assert counts[label] == after_first[label]
    assert counts["people.Responsible"] == after_first["people.Responsible"]


def test_an_unknown_school_unit_code_is_an_error(story: Any, tmp_path: Path) -> None:
    path = tmp_path / "elever.csv"
    path.write_bytes(csv_bytes([pupil_row(0)]))
    before = table_counts()

    with pytest.raises(CommandError, match="ingen skolenhet med koden 99999999"):
        _run(path, "99999999")
    assert not Person.objects.filter(civic_no=PUPILS[0]).exists()
    assert table_counts() == before


def test_existing_pupils_get_the_files_guardians_only_on_the_rows_named(
    story: Any, tmp_path: Path
) -> None:
    pupils = [
        f.PupilFactory(civic_no=PUPILS[i], given_name=f"Elev{i}", family_name="Lindqvist")
        for i in range(2)
    ]
    path = tmp_path / "elever.csv"
    path.write_bytes(csv_bytes([pupil_row(0), pupil_row(1)]))

    code = story.scheeleskolan.school_unit_code
    report = _run(path, code, "--guardians-for-rows", "3")

    assert "Rad 2: Elev0 Lindqvist – Mamma0 Lindqvist, Pappa0 Lindqvist" in report
    assert not Responsible.objects.filter(person=pupils[0]).exists()
    assert Responsible.objects.filter(person=pupils[1]).count() == 2
    with pytest.raises(CommandError, match="inga radnummer"):
        _run(path, code, "--guardians-for-rows", "två")


def test_a_nul_byte_or_an_over_long_name_is_refused_with_row_column_and_why(
    story: Any, tmp_path: Path
) -> None:
    path = tmp_path / "elever.csv"
    path.write_bytes(
        csv_bytes([pupil_row(0, förnamn="El\x00va"), pupil_row(1, efternamn="L" * 100_000)])
    )
    before = table_counts()

    out = io.StringIO()
    with pytest.raises(CommandError, match="2 fel; inget importerades"):
        code = story.scheeleskolan.school_unit_code
        call_command("import_register", str(path), "--school-unit", code, stdout=out)

    report = out.getvalue()
    assert (
        "Rad 2, kolumn förnamn: Värdet innehåller ett otillåtet tecken (U+0000, ett styrtecken) "
        "på plats 3." in report
    )
    assert "Rad 3, kolumn efternamn: Värdet är för långt: 100\u00a0000 tecken, högst 100." in report
    assert table_counts() == before
