"""Test class list and pupil list exports: who may export, what is left out, and the log.

Köping runs Malmaskolan with class 7A: Alva, whose mother is an ordinary guardian and whose
father, a teacher at another of Köping's schools, has skyddad folkbokföring; a pupil whose name someone typed as a spreadsheet
formula; and a pupil with skyddad folkbokföring. Malmaskolan's school administrator
exports, the rektor named for the protected pupil exports, Köping's central
administrator exports, and the mentor of 7A may not export at all.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from skolsam.audit.models import AuditEntry
from skolsam.core.choices import DutyRole, SecurityMarking
from skolsam.people.models import Person
from skolsam.testing import factories as f
from skolsam.testing.auth import verified_client

pytestmark = pytest.mark.django_db

PROTECTED = SecurityMarking.SKYDDAD_FOLKBOKFORING


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class School:
    malmaskolan: Any
    class_7a: Any
    alva: Any
    mother: Any
    protected_father: Any
    formula_pupil: Any
    protected_pupil: Any
    administrator: Any
    authorised_rektor: Any
    central_administrator: Any
    mentor: Any


def _user(unit: Any, role: str) -> Any:
    user = f.UserFactory()
    f.DutyFactory(person=user.person, duty_at=unit, duty_role=role)
    return user


def _pupil(school: Any, group: Any, *, year: int = 7, **person: Any) -> Any:
    pupil = f.PupilFactory(**person)
    f.EnrolmentFactory(person=pupil, enroled_at=school, school_year=year)
    f.MembershipFactory(person=pupil, group=group)
    return pupil


@pytest.fixture
def school() -> School:
    koping = f.HuvudmanFactory(display_name="Köpings kommun")
    malmaskolan = f.SchoolUnitFactory(display_name="Malmaskolan", parent=koping)
    class_7a = f.GroupFactory(display_name="7A", organisation=malmaskolan)
    alva = _pupil(malmaskolan, class_7a, given_name="Alva", family_name="Lindqvist")
    mother = f.PersonFactory(
        given_name="Karin",
        family_name="Lindqvist",
        phone_numbers=[{"type": "Hem", "value": "+46701740605", "mobile": True}],
        emails=[{"type": "Privat", "value": "karin@example.com"}],
    )
    f.ResponsibleFactory(person=alva, responsible=mother)
    protected_father = f.PersonFactory(
        given_name="Olof",
        family_name="Lindqvist",
        security_marking=PROTECTED,
        phone_numbers=[{"type": "Hem", "value": "070-174 06 99", "mobile": True}],
        emails=[{"type": "Privat", "value": "olof@example.com"}],
    )
    f.ResponsibleFactory(person=alva, responsible=protected_father)
    # He works at another of Köping's schools, so Köping's central administration sees him.
    f.DutyFactory(person=protected_father, duty_at=f.SchoolUnitFactory(parent=koping))
    formula_pupil = _pupil(
        malmaskolan,
        class_7a,
        given_name='=HYPERLINK("http://example.com/x","klicka")',
        family_name="@SUM(1+1)",
    )
    protected_pupil = _pupil(
        malmaskolan,
        class_7a,
        given_name="Hemliga",
        family_name="Eleven",
        security_marking=PROTECTED,
    )
    _pupil(malmaskolan, f.GroupFactory(display_name="5B", organisation=malmaskolan), year=5)

    authorised_rektor = _user(malmaskolan, DutyRole.REKTOR)
    f.AuthorisationFactory(person=protected_pupil, staff=authorised_rektor.person)
    mentor = _user(malmaskolan, DutyRole.LARARE)
    f.AssignmentRoleFactory(duty=mentor.person.duties.get(), group=class_7a)
    return School(
        malmaskolan=malmaskolan,
        class_7a=class_7a,
        alva=alva,
        mother=mother,
        protected_father=protected_father,
        formula_pupil=formula_pupil,
        protected_pupil=protected_pupil,
        administrator=_user(malmaskolan, DutyRole.SKOLADMINISTRATOR),
        authorised_rektor=authorised_rektor,
        central_administrator=_user(koping, DutyRole.OVRIG_ARBETSLEDNING),
        mentor=mentor,
    )


def _class_list(user: Any, group: Any, fmt: str = "csv") -> Any:
    return verified_client(user).get(reverse("export_class_list", args=[group.pk, fmt]))


def _csv_rows(response: Any) -> list[dict[str, str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))


def _names(rows: list[dict[str, str]]) -> set[str]:
    return {row["förnamn"] for row in rows}


def test_a_class_list_has_the_pupils_and_their_guardians_contact_details(school: School) -> None:
    response = _class_list(school.administrator, school.class_7a)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Cache-Control"] == "no-store"
    assert 'filename="klasslista-7A-' in response["Content-Disposition"]
    rows = _csv_rows(response)
    alva = next(r for r in rows if r["förnamn"] == "Alva")
    assert alva["personnummer"] == f"{school.alva.civic_no[:8]}-{school.alva.civic_no[8:]}"
    assert (alva["skolform"], alva["årskurs"], alva["klass"]) == ("GR", "7", "7A")
    assert (alva["vh1_förnamn"], alva["vh1_epost"]) == ("Karin", "karin@example.com")
    assert alva["vh1_telefon"] == "'+46701740605"  # a leading + would start a formula
    assert (alva["vh1_gatuadress"], alva["vh1_postort"]) == ("Storgatan 1", "Köping")


def test_a_protected_pupil_is_left_out_unless_the_actor_is_named_for_them(school: School) -> None:
    for_the_administrator = _csv_rows(_class_list(school.administrator, school.class_7a))
    for_the_named_rektor = _csv_rows(_class_list(school.authorised_rektor, school.class_7a))

    assert "Hemliga" not in _names(for_the_administrator)
    assert len(for_the_administrator) == 2
    assert "Hemliga" in _names(for_the_named_rektor)
    assert len(for_the_named_rektor) == 3


def test_a_protected_guardian_is_masked_or_left_out(school: School) -> None:
    # The school administrator does not see a protected guardian at all: the access layer
    # never shows one through a school-level role.
    alva = next(
        r
        for r in _csv_rows(_class_list(school.administrator, school.class_7a))
        if r["förnamn"] == "Alva"
    )
    assert "Olof" not in alva.values()
    # The central administrator sees that he exists, but not where he lives or his contacts.
    alva = next(
        r
        for r in _csv_rows(_class_list(school.central_administrator, school.class_7a))
        if r["förnamn"] == "Alva"
    )
    father = "vh2" if alva["vh2_förnamn"] == "Olof" else "vh1"
    assert alva[f"{father}_förnamn"] == "Olof"
    for column in ("telefon", "epost", "gatuadress", "postnummer", "postort"):
        assert alva[f"{father}_{column}"] == "Skyddad"
    assert "olof@example.com" not in str(alva)


def test_spreadsheet_formulas_are_neutralised_in_csv_and_excel(school: School) -> None:
    rows = _csv_rows(_class_list(school.administrator, school.class_7a))
    pupil = next(r for r in rows if r["efternamn"].endswith("SUM(1+1)"))
    assert pupil["förnamn"] == '\'=HYPERLINK("http://example.com/x","klicka")'
    assert pupil["efternamn"] == "'@SUM(1+1)"
    for row in rows:
        assert not any(v.startswith(("=", "+", "-", "@")) for v in row.values() if v)

    response = _class_list(school.administrator, school.class_7a, "xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    names = [c for c in cells if str(c.value).endswith('"klicka")')]
    assert [c.value for c in names] == ['\'=HYPERLINK("http://example.com/x","klicka")']
    assert names[0].data_type == "s"
    assert not [c for c in cells if c.data_type == "f"]


def test_every_export_is_written_to_the_audit_log_with_its_persons(school: School) -> None:
    _class_list(school.administrator, school.class_7a, "xlsx")

    entry = AuditEntry.objects.get(action="export")
    assert entry.actor_id == school.administrator.pk
    assert entry.object_type == "Klasslista"
    assert entry.detail["rows"] == 2
    assert entry.detail["format"] == "xlsx"
    assert entry.detail["group"] == str(school.class_7a.pk)
    persons = set(entry.detail["persons"])
    assert {str(school.alva.pk), str(school.formula_pupil.pk), str(school.mother.pk)} <= persons
    assert str(school.protected_pupil.pk) not in persons
    assert str(school.protected_father.pk) not in persons


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_teacher_may_not_export_even_their_own_class(school: School, fmt: str) -> None:
    client = verified_client(school.mentor)

    class_list = client.get(reverse("export_class_list", args=[school.class_7a.pk, fmt]))
    unit_list = client.get(reverse("export_school_unit_pupils", args=[school.malmaskolan.pk, fmt]))

    assert (class_list.status_code, unit_list.status_code) == (404, 404)
    assert not AuditEntry.objects.filter(action="export").exists()


def test_a_school_units_pupils_come_by_school_year(school: School) -> None:
    client = verified_client(school.administrator)
    url = reverse("export_school_unit_pupils", args=[school.malmaskolan.pk, "xlsx"])

    workbook = load_workbook(io.BytesIO(client.get(url).content))

    assert workbook.sheetnames == ["GR åk 5", "GR åk 7"]
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
    assert len(year_7) == 3  # header, Alva and the formula pupil; never the protected pupil
    assert year_7[1][4] == 7
    assert year_7[1][6] == datetime.combine(f.TERM_START, time())

    only_5 = _csv_rows(client.get(url.replace(".xlsx", ".csv") + "?arskurs=5"))
    assert [(r["årskurs"], r["klass"]) for r in only_5] == [("5", "5B")]
    entry = AuditEntry.objects.filter(action="export").order_by("-id").first()
    assert entry is not None
    assert (entry.object_type, entry.detail["rows"], entry.detail["school_year"]) == (
        "Elevlista",
        1,
        5,
    )
    assert client.get(url + "?arskurs=elva").status_code == 400


def test_an_export_costs_the_same_number_of_queries_for_a_small_and_a_large_class(
    school: School,
) -> None:
    client = verified_client(school.administrator)
    url = reverse("export_class_list", args=[school.class_7a.pk, "xlsx"])
    client.get(url)  # warm the session and the caches

    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for _ in range(10):
        pupil = _pupil(school.malmaskolan, school.class_7a)
        f.ResponsibleFactory(person=pupil, responsible=f.PersonFactory())
        f.ResponsibleFactory(person=pupil, responsible=f.PersonFactory())
    # The register changed, so the session's Actor is built once more (see "Per-request
    # cost" in docs/architecture.md); what is compared is the export itself.
    client.get(url)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200

    assert len(large.captured_queries) == len(small.captured_queries)


def test_a_class_list_can_be_exported_as_of_another_day(school: School) -> None:
    client = verified_client(school.administrator)
    url = reverse("export_class_list", args=[school.class_7a.pk, "csv"])

    before_term = client.get(url + "?datum=2026-08-01")
    first_day = client.get(url + f"?datum={f.TERM_START.isoformat()}")

    assert _csv_rows(before_term) == []
    assert "Alva" in _names(_csv_rows(first_day))
    assert "2026-08-01" in before_term["Content-Disposition"]
    assert client.get(url + "?datum=1/8").status_code == 400


def test_the_class_and_school_unit_pages_link_to_the_exports_for_administrators(
    school: School,
) -> None:
    class_page = reverse("group_detail", args=[school.class_7a.pk])
    unit_page = reverse("school_unit_detail", args=[school.malmaskolan.pk])
    export = reverse("export_class_list", args=[school.class_7a.pk, "xlsx"])
    administrator = verified_client(school.administrator)

    assert export in administrator.get(class_page).content.decode()
    as_of = administrator.get(class_page + "?datum=2026-09-01").content.decode()
    assert f"{export}?datum=2026-09-01" in as_of
    unit = administrator.get(unit_page).content.decode()
    assert reverse("register_import", args=[school.malmaskolan.pk]) in unit
    assert reverse("export_school_unit_pupils", args=[school.malmaskolan.pk, "csv"]) in unit
    assert export not in verified_client(school.mentor).get(class_page).content.decode()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_values_no_spreadsheet_may_hold_export_as_placeholders_never_as_an_error(
    school: School, fmt: str
) -> None:
    # Stored before today's checks, or through a path that does not check: control
    # characters in names, a direction override in a class name, a 100,000-character
    # street address. openpyxl refuses such text, which answered 500 for the whole export.
    # (PostgreSQL stores no NUL and no over-long name at all; these it does store.)
    Person.objects.filter(pk=school.alva.pk).update(
        given_name="Al\x01va", family_name="Lind\x0bqvist\u202e"
    )
    school.mother.addresses = [
        {
            "type": "Folkbokföring",
            "streetAddress": "K" * 100_000,
            "postalCode": "73130",
            "locality": "Köping",
        }
    ]
    school.mother.save()
    group = f.GroupFactory(display_name="7\x1bB\u202e", organisation=school.malmaskolan)
    f.MembershipFactory(person=school.alva, group=group)

    for response in (
        _class_list(school.administrator, group, fmt),
        verified_client(school.administrator).get(
            reverse("export_school_unit_pupils", args=[school.malmaskolan.pk, fmt])
        ),
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
