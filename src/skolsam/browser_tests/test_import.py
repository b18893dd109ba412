"""An administrator imports pupils from a file: first one with errors, then a correct one.

Eva, the story's school administrator (`build_story`), imports three pupils into
Scheeleskolan's 7B.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from skolsam.browser_tests.checks import check_page, expect, htmx_swap
from skolsam.core.dates import today
from skolsam.groups.models import GroupMembership
from skolsam.people.models import Person, Responsible
from skolsam.testing import factories as f
from skolsam.testing.story import IMPORT_ADULTS, IMPORT_CHILDREN, build_story, dashed

if TYPE_CHECKING:
    from playwright.sync_api import FilePayload, Page

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
]
FILE_LABEL = re.compile(r"^Fil:?$")
NAMES = [("Astrid", "Blom"), ("Isak", "Falk"), ("Wilma", "Hed")]


def pupil_row(i: int, **changes: str) -> dict[str, str]:
    """Return the i-th pupil of the file: a seventh-grader in 7B with one guardian."""
    given, family = NAMES[i]
    row = {
        "personnummer": dashed(IMPORT_CHILDREN[i]),
        "förnamn": given,
        "efternamn": family,
        "skolform": "GR",
        "årskurs": "7",
        "klass": "7B",
        "startdatum": (today() - timedelta(days=7)).isoformat(),
        "vh1_personnummer": dashed(IMPORT_ADULTS[i]),
        "vh1_förnamn": "Förälder",
        "vh1_efternamn": family,
        "vh1_telefon": f"070-174 06 {10 + i}",
        "vh1_epost": f"foralder.{family.lower()}@example.com",
    }
    row.update(changes)
    return row


def csv_file(name: str, rows: list[dict[str, str]]) -> FilePayload:
    """Write rows as Swedish Excel saves CSV (semicolons, UTF-8 with BOM), for upload."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow([row.get(h, "") for h in HEADER])
    return {"name": name, "mimeType": "text/csv", "buffer": out.getvalue().encode("utf-8-sig")}


def test_an_administrator_fixes_a_file_the_check_refused_and_imports_it(
    page: Page, log_in: Any
) -> None:
    story = build_story()
    log_in(f.UserFactory(person=story.school_admin_at_scheeleskolan, password=None))
    page.goto(f"/enheter/{story.scheeleskolan.pk}/")
    page.get_by_role("link", name="Importera elever från fil").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Importera elever")
    check_page(page, "import")
    persons_before = Person.objects.count()

    wrong = [
        pupil_row(0),
        pupil_row(1, personnummer="20080101-1234"),  # wrong check digit
        pupil_row(2, klass="7Q", efternamn=""),  # no such class, no family name
    ]
    page.get_by_label(FILE_LABEL).set_input_files(csv_file("elever.csv", wrong))
    check = page.get_by_role("button", name="Kontrollera filen")
    htmx_swap(page, check.click)

    report = page.locator("#import-report")
    expect(report.get_by_role("alert")).to_contain_text("3 fel hittades. Inget har sparats.")
    errors = report.get_by_role("table", name="Fel")
    expect(errors.locator("tbody tr")).to_have_count(3)
    expect(errors.locator("tbody tr").nth(0)).to_contain_text("personnummer")
    expect(report.get_by_role("button", name="Importera")).to_have_count(0)
    check_page(page, "import-report")
    assert Person.objects.count() == persons_before

    right = [pupil_row(0), pupil_row(1), pupil_row(2)]
    page.get_by_label(FILE_LABEL).set_input_files(csv_file("elever-rattad.csv", right))
    htmx_swap(page, check.click)
    expect(report).to_contain_text("Inga fel hittades.")
    check_page(page, "import-report-ok")
    report.get_by_role("button", name="Importera").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Importen är klar")
    check_page(page, "import-result")
    imported = Person.objects.filter(civic_no__in=IMPORT_CHILDREN[:3])
    assert sorted(imported.values_list("given_name", flat=True)) == ["Astrid", "Isak", "Wilma"]
    assert (
        GroupMembership.objects.filter(person__in=imported, group=story.groups["7B"]).count() == 3
    )
    assert Responsible.objects.filter(person__in=imported).count() == 3
