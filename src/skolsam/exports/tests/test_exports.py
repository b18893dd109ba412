"""Test class list and pupil list exports: who may export, what is left out, and the log.

The register is the story's (skolsam.testing.story): Scheeleskolan's 7B has Alva, whose
guardian Karin has a mobile number and an e-mail address here, and Elsa, with skyddad
folkbokföring. Added for this module: Hanna, Alva's other guardian, who has skyddad
folkbokföring and works at Ullviskolan (so Köping's central administration sees her); a
pupil in 7B whose name someone typed as a spreadsheet formula; Anders the rektor named for
Elsa; and a pupil in 9A. Eva, the skoladministratör, exports; Anders exports Elsa too;
Birgitta, Köping's central administrator, exports; Lars, 7B's mentor, may not export at all.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, time
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from skolsam.audit.models import AuditEntry
from skolsam.core.choices import SecurityMarking
from skolsam.people.models import Person
from skolsam.testing import factories as f
from skolsam.testing.story import client_for, pupil_in

pytestmark = pytest.mark.django_db

PROTECTED = SecurityMarking.SKYDDAD_FOLKBOKFORING
FORMULA_NAME = '=HYPERLINK("http://example.com/x","klicka")'
AS_EXPORTED = "'" + FORMULA_NAME  # a leading = would start a formula


@pytest.fixture(scope="module")
def s(story: Any, django_db_blocker: Any) -> Any:
    """The story with Karin's contact details, Hanna, the formula pupil and a pupil in 9A."""
    with django_db_blocker.unblock():
        Person.objects.filter(pk=story.guardian_of_pupil_in_7b.pk).update(
            phone_numbers=[{"type": "Hem", "value": "+46701740605", "mobile": True}],
            emails=[{"type": "Privat", "value": "karin@example.com"}],
        )
        hanna = f.PersonFactory(
            given_name="Hanna",
            security_marking=PROTECTED,
            phone_numbers=[{"type": "Hem", "value": "070-174 06 99", "mobile": True}],
            emails=[{"type": "Privat", "value": "hanna@example.com"}],
        )
        f.ResponsibleFactory(person=story.pupil_in_7b, responsible=hanna)
        f.DutyFactory(person=hanna, duty_at=story.ullviskolan)
        story.people["protected_guardian_of_pupil_in_7b"] = hanna
        story.people["formula_pupil_in_7b"] = pupil_in(
            story.scheeleskolan,
            story.groups["7B"],
            given_name=FORMULA_NAME,
            family_name="@SUM(1+1)",
        )
        f.AuthorisationFactory(
            person=story.protected_pupil_in_7b, staff=story.rektor_at_scheeleskolan
        )
        class_9a = f.GroupFactory(display_name="9A", organisation=story.scheeleskolan)
        story.people["pupil_in_9a"] = pupil_in(
            story.scheeleskolan, class_9a, school_year=9, given_name="Ebba"
        )
    return story


def _class_list(person: Any, group: Any, fmt: str = "csv") -> Any:
    return client_for(person).get(reverse("export_class_list", args=[group.pk, fmt]))


def _csv_rows(response: Any) -> list[dict[str, str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))


def _names(rows: list[dict[str, str]]) -> set[str]:
    return {row["förnamn"] for row in rows}


def _slot(row: dict[str, str], given_name: str) -> str:
    """The one guardian column prefix (vh1, vh2, ...) that holds `given_name`."""
    [slot] = [
        k[: -len("_förnamn")] for k, v in row.items() if k.endswith("_förnamn") and v == given_name
    ]
    return slot


def _alva(rows: list[dict[str, str]]) -> dict[str, str]:
    [alva] = [r for r in rows if r["förnamn"] == "Alva"]
    return alva


def test_a_class_list_has_the_pupils_and_their_guardians_contact_details(s: Any) -> None:
    response = _class_list(s.school_admin_at_scheeleskolan, s.groups["7B"])

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Cache-Control"] == "no-store"
    assert 'filename="klasslista-7B-' in response["Content-Disposition"]
    alva = _alva(_csv_rows(response))
    civic_no = s.pupil_in_7b.civic_no
    assert alva["personnummer"] == f"{civic_no[:8]}-{civic_no[8:]}"
    assert (alva["skolform"], alva["årskurs"], alva["klass"]) == ("GR", "7", "7B")
    karin = _slot(alva, "Karin")
    assert alva[f"{karin}_epost"] == "karin@example.com"
    assert alva[f"{karin}_telefon"] == "'+46701740605"  # a leading + would start a formula
    assert (alva[f"{karin}_gatuadress"], alva[f"{karin}_postort"]) == ("Storgatan 1", "Köping")


def test_a_protected_pupil_is_left_out_unless_the_actor_is_named_for_them(s: Any) -> None:
    for_eva = _csv_rows(_class_list(s.school_admin_at_scheeleskolan, s.groups["7B"]))
    for_anders = _csv_rows(_class_list(s.rektor_at_scheeleskolan, s.groups["7B"]))

    assert _names(for_eva) == {"Alva", AS_EXPORTED}
    assert len(for_eva) == 2
    assert _names(for_anders) == {"Alva", AS_EXPORTED, "Elsa"}
    assert len(for_anders) == 3


def test_a_protected_guardian_is_masked_or_left_out(s: Any) -> None:
    # The school administrator does not see a protected guardian at all: the access layer
    # never shows one through a school-level role.
    alva = _alva(_csv_rows(_class_list(s.school_admin_at_scheeleskolan, s.groups["7B"])))
    assert "Hanna" not in alva.values()
    assert "Karin" in alva.values()
    # The central administrator sees that she exists, but not where she lives or her contacts.
    alva = _alva(_csv_rows(_class_list(s.central_admin_koping, s.groups["7B"])))
    hanna = _slot(alva, "Hanna")
    for column in ("telefon", "epost", "gatuadress", "postnummer", "postort"):
        assert alva[f"{hanna}_{column}"] == "Skyddad"
    assert "hanna@example.com" not in str(alva)
    assert "070-174 06 99" not in str(alva)


def test_spreadsheet_formulas_are_neutralised_in_csv_and_excel(s: Any) -> None:
    eva = s.school_admin_at_scheeleskolan
    rows = _csv_rows(_class_list(eva, s.groups["7B"]))
    pupil = next(r for r in rows if r["efternamn"].endswith("SUM(1+1)"))
    assert pupil["förnamn"] == AS_EXPORTED
    assert pupil["efternamn"] == "'@SUM(1+1)"
    for row in rows:
        assert not any(v.startswith(("=", "+", "-", "@")) for v in row.values() if v)

    response = _class_list(eva, s.groups["7B"], "xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    names = [c for c in cells if str(c.value).endswith('"klicka")')]
    assert [c.value for c in names] == [AS_EXPORTED]
    assert names[0].data_type == "s"
    assert not [c for c in cells if c.data_type == "f"]


def test_every_export_is_written_to_the_audit_log_with_its_persons(s: Any) -> None:
    eva = s.school_admin_at_scheeleskolan
    _class_list(eva, s.groups["7B"], "xlsx")

    entry = AuditEntry.objects.get(action="export")
    assert entry.actor is not None and entry.actor.person == eva
    assert entry.object_type == "Klasslista"
    assert entry.detail["rows"] == 2
    assert entry.detail["format"] == "xlsx"
    assert entry.detail["group"] == str(s.groups["7B"].pk)
    persons = set(entry.detail["persons"])
    named = (s.pupil_in_7b, s.formula_pupil_in_7b, s.guardian_of_pupil_in_7b)
    assert {str(p.pk) for p in named} <= persons
    assert str(s.protected_pupil_in_7b.pk) not in persons
    assert str(s.protected_guardian_of_pupil_in_7b.pk) not in persons


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_teacher_may_not_export_even_their_own_class(s: Any, fmt: str) -> None:
    client = client_for(s.mentor_of_7b)

    class_list = client.get(reverse("export_class_list", args=[s.groups["7B"].pk, fmt]))
    unit_list = client.get(reverse("export_school_unit_pupils", args=[s.scheeleskolan.pk, fmt]))

    assert (class_list.status_code, unit_list.status_code) == (404, 404)
    assert not AuditEntry.objects.filter(action="export").exists()


def test_a_school_units_pupils_come_by_school_year(s: Any) -> None:
    client = client_for(s.school_admin_at_scheeleskolan)
    url = reverse("export_school_unit_pupils", args=[s.scheeleskolan.pk, "xlsx"])

    workbook = load_workbook(io.BytesIO(client.get(url).content))

    assert workbook.sheetnames == ["GR åk 7", "GR åk 9"]
    year_7 = list(workbook["GR åk 7"].iter_rows(values_only=True))
    assert year_7[0][:7] == (
        "personnummer",
        "förnamn",
        "efternamn",
        "skolform",
        "årskurs",
        "klass",
        "startdatum",
    )
    # Alva, the formula pupil, Theo and Selma; never Elsa.
    assert {row[1] for row in year_7[1:]} == {"Alva", AS_EXPORTED, "Theo", "Selma"}
    assert len(year_7) == 5
    assert year_7[1][4] == 7
    assert year_7[1][6] == datetime.combine(f.TERM_START, time())

    only_9 = _csv_rows(client.get(url.replace(".xlsx", ".csv") + "?arskurs=9"))
    assert [(r["förnamn"], r["årskurs"], r["klass"]) for r in only_9] == [("Ebba", "9", "9A")]
    entry = AuditEntry.objects.filter(action="export").order_by("-id").first()
    assert entry is not None
    assert (entry.object_type, entry.detail["rows"], entry.detail["school_year"]) == (
        "Elevlista",
        1,
        9,
    )
    assert client.get(url + "?arskurs=elva").status_code == 400


def test_an_export_costs_the_same_number_of_queries_for_a_small_and_a_large_class(
    s: Any,
) -> None:
    client = client_for(s.school_admin_at_scheeleskolan)
    url = reverse("export_class_list", args=[s.groups["7B"].pk, "xlsx"])
    client.get(url)  # warm the session and the caches

    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for _ in range(10):
        pupil = pupil_in(s.scheeleskolan, s.groups["7B"])
        f.ResponsibleFactory(person=pupil, responsible=f.PersonFactory())
        f.ResponsibleFactory(person=pupil, responsible=f.PersonFactory())
    # The register changed, so the session's Actor is built once more (see "Per-request
    # cost" in docs/architecture.md); what is compared is the export itself.
    client.get(url)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200

    assert len(large.captured_queries) == len(small.captured_queries)


def test_a_class_list_can_be_exported_as_of_another_day(s: Any) -> None:
    client = client_for(s.school_admin_at_scheeleskolan)
    url = reverse("export_class_list", args=[s.groups["7B"].pk, "csv"])

    before_term = client.get(url + "?datum=2026-08-01")
    first_day = client.get(url + f"?datum={f.TERM_START.isoformat()}")

    assert _csv_rows(before_term) == []
    assert "Alva" in _names(_csv_rows(first_day))
    assert "2026-08-01" in before_term["Content-Disposition"]
    assert client.get(url + "?datum=1/8").status_code == 400


def test_the_class_and_school_unit_pages_link_to_the_exports_for_administrators(
    s: Any,
) -> None:
    class_page = reverse("group_detail", args=[s.groups["7B"].pk])
    unit_page = reverse("school_unit_detail", args=[s.scheeleskolan.pk])
    export = reverse("export_class_list", args=[s.groups["7B"].pk, "xlsx"])
    eva = client_for(s.school_admin_at_scheeleskolan)

    assert export in eva.get(class_page).content.decode()
    as_of = eva.get(class_page + "?datum=2026-09-01").content.decode()
    assert f"{export}?datum=2026-09-01" in as_of
    unit = eva.get(unit_page).content.decode()
    assert reverse("register_import", args=[s.scheeleskolan.pk]) in unit
    assert reverse("export_school_unit_pupils", args=[s.scheeleskolan.pk, "csv"]) in unit
    lars = client_for(s.mentor_of_7b)
    page = lars.get(class_page)
    assert page.status_code == 200
    assert export not in page.content.decode()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_values_no_spreadsheet_may_hold_export_as_placeholders_never_as_an_error(
    s: Any, fmt: str
) -> None:
    # Stored before today's checks, or through a path that does not check: control
    # characters in names, a direction override in a class name, a 100,000-character
    # street address. openpyxl refuses such text, which answered 500 for the whole export.
    # (PostgreSQL stores no NUL and no over-long name at all; these it does store.)
    alva = s.pupil_in_7b
    Person.objects.filter(pk=alva.pk).update(
        given_name="Al\x01va", family_name="Lind\x0bqvist\u202e"
    )
    Person.objects.filter(pk=s.guardian_of_pupil_in_7b.pk).update(
        addresses=[
            {
                "type": "Folkbokföring",
                "streetAddress": "K" * 100_000,
                "postalCode": "73130",
                "locality": "Köping",
            }
        ]
    )
    group = f.GroupFactory(display_name="7\x1bB\u202e", organisation=s.scheeleskolan)
    f.MembershipFactory(person=alva, group=group)
    eva = s.school_admin_at_scheeleskolan

    for response in (
        _class_list(eva, group, fmt),
        client_for(eva).get(reverse("export_school_unit_pupils", args=[s.scheeleskolan.pk, fmt])),
    ):
        assert response.status_code == 200
        if fmt == "csv":
            texts = [v for row in _csv_rows(response) for v in row.values()]
        else:
            workbook = load_workbook(io.BytesIO(response.content))
            texts = [
                str(c.value)
                for sheet in workbook.worksheets
                for row in sheet.iter_rows()
                for c in row
                if c.value is not None
            ]
        assert "Al\ufffdva" in texts
        assert "Lind\ufffdqvist\ufffd" in texts
        assert not any(ch in text for text in texts for ch in "\x01\x0b\x1b\u202e")
    mother_cells = [t for t in texts if t.startswith("KKK")]
    assert mother_cells and all(len(t) <= 32_767 for t in mother_cells)
