"""Test the import pages: upload and check, confirm, result, and who may use them."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from skolsam.audit.models import AuditEntry
from skolsam.core.choices import SecurityMarking
from skolsam.enrolment.models import Enrolment
from skolsam.groups.models import Group, GroupMembership
from skolsam.imports.models import RegisterImport
from skolsam.imports.services import NEUTRAL_REFUSAL
from skolsam.imports.tests.conftest import (
    ADULTS,
    HEADER,
    PUPILS,
    START,
    csv_bytes,
    dashed,
    pupil_row,
    table_counts,
    xlsx_bytes,
)
from skolsam.people.models import Person, Responsible
from skolsam.testing import factories as f
from skolsam.testing.auth import without_csrf_tokens
from skolsam.testing.story import client_for

pytestmark = pytest.mark.django_db


def _upload(client: Any, unit: Any, data: bytes, name: str = "elever.csv", **extra: Any) -> Any:
    return client.post(
        reverse("register_import", args=[unit.pk]),
        {"file": SimpleUploadedFile(name, data), **extra},
    )


def _confirm(client: Any, unit: Any, token: str) -> Any:
    return client.post(reverse("register_import_confirm", args=[unit.pk]), {"token": token})


def _import(client: Any, unit: Any, data: bytes, name: str = "elever.csv", **extra: Any) -> Any:
    checked = _upload(client, unit, data, name, **extra)
    assert checked.status_code == 200
    staged = checked.context["staged"]
    assert staged is not None, [str(i) for i in checked.context["plan"].errors]
    return _confirm(client, unit, staged.token)


def _errors(response: Any) -> set[tuple[int | None, str]]:
    return {(i.row, i.column) for i in response.context["plan"].errors}


def test_a_file_with_errors_is_reported_row_by_row_and_changes_nothing(story: Any) -> None:
    rows = [
        pupil_row(0),
        pupil_row(1, personnummer="20080101-1234", klass="9Z"),  # bad check digit, no 9Z
        pupil_row(2, klass="9Q"),  # no such class at Scheeleskolan
        pupil_row(3, skolform="GY"),  # not offered by Scheeleskolan
        pupil_row(4, personnummer=dashed(PUPILS[0]), startdatum="i höst"),  # row 2 again
        pupil_row(5, startdatum="17/8/2026"),  # not a date we read
        pupil_row(6, vh1_epost="inte en adress"),
    ]
    client = client_for(story.school_admin_at_scheeleskolan)
    before = table_counts()

    response = _upload(client, story.scheeleskolan, csv_bytes(rows))

    assert response.status_code == 200
    assert _errors(response) == {
        (3, "personnummer"),
        (3, "klass"),
        (4, "klass"),
        (5, "skolform"),
        (6, "personnummer"),
        (6, "startdatum"),
        (7, "startdatum"),
        (8, "vh1_epost"),
    }
    page = response.content.decode()
    assert "Kontrollsiffran stämmer inte." in page
    assert "Klassen 9Q finns inte vid Scheeleskolan" in page
    assert "erbjuder inte skolformen GY" in page
    assert "Eleven finns redan på rad 2" in page
    assert "Datumet ”17/8/2026” går inte att läsa" in page
    assert response.context["staged"] is None
    assert "Importera</button>" not in page
    assert table_counts() == before


def test_a_missing_column_is_named_and_nothing_is_read(story: Any) -> None:
    header = [h for h in HEADER if h != "efternamn"]
    client = client_for(story.school_admin_at_scheeleskolan)
    before = table_counts()

    response = _upload(client, story.scheeleskolan, csv_bytes([pupil_row(0)], header=header))

    assert _errors(response) == {(1, "efternamn")}
    assert "Kolumnen ”efternamn” saknas." in response.content.decode()
    assert table_counts() == before


def test_a_correct_file_creates_pupils_guardians_enrolments_classes_and_audit(
    story: Any,
) -> None:
    client = client_for(story.school_admin_at_scheeleskolan)
    rows = [pupil_row(0), pupil_row(1, klass="7B", årskurs="7"), pupil_row(2, klass="")]

    response = _import(client, story.scheeleskolan, csv_bytes(rows))

    done = RegisterImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "register_import_result", args=[story.scheeleskolan.pk, done.pk]
    )
    pupil = Person.objects.get(civic_no=PUPILS[0])
    assert (pupil.given_name, pupil.family_name) == ("Elev0", "Lindqvist")
    assert pupil.birth_date is not None and pupil.birth_date.year == 2008
    enrolment = Enrolment.objects.get(person=pupil)
    assert (enrolment.enroled_at, enrolment.school_type, enrolment.school_year) == (
        story.scheeleskolan,
        "GR",
        7,
    )
    assert enrolment.start_date == START
    assert GroupMembership.objects.get(person=pupil).group == story.groups["7A"]
    assert GroupMembership.objects.get(person__civic_no=PUPILS[1]).group == story.groups["7B"]
    assert not GroupMembership.objects.filter(person__civic_no=PUPILS[2]).exists()
    mother = Person.objects.get(civic_no=ADULTS[0])
    assert mother.phone_numbers == [{"type": "Hem", "value": "070-174 06 05", "mobile": True}]
    assert mother.emails == [{"type": "Privat", "value": "mamma0@example.com"}]
    relation = Responsible.objects.get(person=pupil, responsible=mother)
    assert (relation.relation_type, relation.start_date) == ("Vårdnadshavare", pupil.birth_date)
    assert Person.objects.filter(civic_no__in=PUPILS[:3] + ADULTS[:6]).count() == 9
    assert done.status == RegisterImport.Status.COMMITTED
    assert done.data == {}  # no second copy of the rows once they are in the register
    assert done.result["persons_created"] == 9

    entry = AuditEntry.objects.get(action="import.register")
    assert entry.actor is not None and entry.actor.person == story.school_admin_at_scheeleskolan
    assert entry.object_id == str(done.pk)
    assert entry.detail["file_name"] == "elever.csv"
    assert entry.detail["school_unit"] == str(story.scheeleskolan.pk)
    assert (entry.detail["rows"], entry.detail["persons_created"]) == (3, 9)
    assert entry.detail["persons_updated"] == 0
    assert str(pupil.pk) in entry.detail["created_persons"]
    # Which import created this pupil? The pupil's own entries answer it.
    created = AuditEntry.objects.get(action="person.create", person_id=pupil.pk)
    assert created.detail["import"] == str(done.pk)
    assert created.changes["civic_no"] == [None, PUPILS[0]]
    assert set(AuditEntry.objects.filter(person_id=pupil.pk).values_list("action", flat=True)) == {
        "person.create",
        "enrolment.create",
        "membership.add",
        "responsible.add",
    }

    result = client.get(response["Location"])
    assert result.status_code == 200
    assert "Importen är klar" in result.content.decode()


def test_importing_the_same_file_again_creates_no_duplicates(story: Any) -> None:
    client = client_for(story.school_admin_at_scheeleskolan)
    data = csv_bytes([pupil_row(0), pupil_row(1)])
    _import(client, story.scheeleskolan, data)
    after_first = table_counts()

    checked = _upload(client, story.scheeleskolan, data)
    summary = checked.context["plan"].summary()
    assert (summary["pupils_existing"], summary["guardians_existing"]) == (2, 4)
    assert summary["persons_created"] == summary["enrolments_created"] == 0
    assert summary["memberships_created"] == summary["relations_created"] == 0
    assert _confirm(client, story.scheeleskolan, checked.context["staged"].token).status_code == 302

    counts = table_counts()
    assert counts["people.Person"] == after_first["people.Person"]
    assert counts["enrolment.Enrolment"] == after_first["enrolment.Enrolment"]
    assert counts["groups.GroupMembership"] == after_first["groups.GroupMembership"]
    assert counts["people.Responsible"] == after_first["people.Responsible"]


def test_an_existing_pupil_keeps_their_register_data_and_gets_what_is_missing(
    story: Any,
) -> None:
    pupil: Any = f.PupilFactory(
        civic_no=PUPILS[0], given_name="Elev0", family_name="Lindqvist", emails=[]
    )
    f.EnrolmentFactory(person=pupil, enroled_at=story.scheeleskolan, start_date=START)
    client = client_for(story.school_admin_at_scheeleskolan)

    checked = _upload(client, story.scheeleskolan, csv_bytes([pupil_row(0)]))
    _confirm(client, story.scheeleskolan, checked.context["staged"].token)

    pupil.refresh_from_db()
    assert pupil.emails == []
    assert Enrolment.objects.filter(person=pupil).count() == 1
    assert GroupMembership.objects.get(person=pupil).group == story.groups["7A"]
    entry = AuditEntry.objects.get(action="import.register")
    assert entry.detail["updated_persons"] == [str(pupil.pk)]
    assert entry.detail["persons_updated"] == 1


def test_a_civic_number_whose_person_has_another_name_stops_the_import(story: Any) -> None:
    # A mistyped number: the register has Vilma Berg under it, and the file's guardian
    # number belongs to someone else too. Today's register must stay as it is.
    pupil: Any = f.PupilFactory(civic_no=PUPILS[0], given_name="Vilma", family_name="Berg")
    f.EnrolmentFactory(person=pupil, enroled_at=story.scheeleskolan, start_date=START)
    own_guardian = f.PersonFactory(given_name="Greta", family_name="Berg")
    f.ResponsibleFactory(person=pupil, responsible=own_guardian)
    other_child = f.PupilFactory()
    f.EnrolmentFactory(person=other_child, enroled_at=story.scheeleskolan, start_date=START)
    stranger = f.PersonFactory(civic_no=ADULTS[2], given_name="Olle", family_name="Holm")
    f.ResponsibleFactory(person=other_child, responsible=stranger)
    client = client_for(story.school_admin_at_scheeleskolan)
    before = table_counts()

    response = _upload(client, story.scheeleskolan, csv_bytes([pupil_row(0), pupil_row(1)]))

    assert response.status_code == 200
    assert response.context["staged"] is None
    assert _errors(response) == {(2, "personnummer"), (3, "vh1_personnummer")}
    for issue in response.context["plan"].errors:
        assert "annat namn" in issue.message
    page = response.content.decode()
    assert "Berg" not in page and "Holm" not in page  # the register's names are not quoted
    assert table_counts() == before
    assert list(Responsible.objects.filter(person=pupil).values_list("responsible", flat=True)) == [
        own_guardian.pk
    ]


def test_an_existing_pupils_guardians_are_added_only_on_the_rows_the_administrator_ticks(
    story: Any,
) -> None:
    first: Any = f.PupilFactory(civic_no=PUPILS[0], given_name="Elev0", family_name="Lindqvist")
    second: Any = f.PupilFactory(civic_no=PUPILS[1], given_name="Elev1", family_name="Lindqvist")
    own_guardian = f.PersonFactory()
    f.ResponsibleFactory(person=first, responsible=own_guardian)
    for pupil in (first, second):
        f.EnrolmentFactory(person=pupil, enroled_at=story.scheeleskolan, start_date=START)
    client = client_for(story.school_admin_at_scheeleskolan)

    checked = _upload(client, story.scheeleskolan, csv_bytes([pupil_row(0), pupil_row(1)]))

    plan = checked.context["plan"]
    assert plan.ok
    assert [(c.row, c.guardians) for c in plan.guardian_choices] == [
        (2, ("Mamma0 Lindqvist", "Pappa0 Lindqvist")),
        (3, ("Mamma1 Lindqvist", "Pappa1 Lindqvist")),
    ]
    page = checked.content.decode()
    assert "Lägg till vårdnadshavare från filen för befintlig elev" in page
    assert 'name="guardian_rows" value="2"' in page
    assert "checked" not in page  # off unless the administrator ticks it

    response = client.post(
        reverse("register_import_confirm", args=[story.scheeleskolan.pk]),
        {"token": checked.context["staged"].token, "guardian_rows": ["3"]},
    )

    assert response.status_code == 302
    # Row 2 unticked: the first pupil keeps exactly the guardian she had; the file's
    # guardians of that row are not even created.
    assert list(Responsible.objects.filter(person=first).values_list("responsible", flat=True)) == [
        own_guardian.pk
    ]
    assert not Person.objects.filter(civic_no__in=ADULTS[0:2]).exists()
    # Row 3 ticked: the second pupil gets both.
    added = Responsible.objects.filter(person=second)
    assert sorted(str(c) for c in added.values_list("responsible__civic_no", flat=True)) == sorted(
        ADULTS[2:4]
    )
    entries = AuditEntry.objects.filter(action="responsible.add", person_id=second.pk)
    assert entries.count() == 2
    assert all(e.detail["row"] == 3 and e.detail["chosen"] for e in entries)
    summary = AuditEntry.objects.get(action="import.register").detail
    assert (summary["guardian_rows_added"], summary["guardian_rows_left_out"]) == ([3], [2])


@pytest.mark.parametrize(
    ("name", "build"),
    [
        ("elever.xlsx", lambda rows: xlsx_bytes(rows)),
        ("elever.csv", lambda rows: csv_bytes(rows, delimiter=",", encoding="utf-8")),
        ("elever.csv", lambda rows: csv_bytes(rows, delimiter=";", encoding="utf-8-sig")),
        ("elever.csv", lambda rows: csv_bytes(rows, delimiter=";", encoding="cp1252")),
    ],
    ids=["xlsx", "comma-utf8", "semicolon-bom", "semicolon-cp1252"],
)
def test_excel_and_every_csv_flavour_import_the_same(story: Any, name: str, build: Any) -> None:
    rows = [
        pupil_row(0, förnamn="Åsa", efternamn="Öberg", vh1_efternamn="Öberg", vh2_efternamn="Öberg")
    ]
    client = client_for(story.school_admin_at_scheeleskolan)

    response = _import(client, story.scheeleskolan, build(rows), name)

    assert response.status_code == 302
    pupil = Person.objects.get(civic_no=PUPILS[0])
    assert (pupil.given_name, pupil.family_name) == ("Åsa", "Öberg")
    assert pupil.search_name == " asa oberg"  # found by "asa" like anyone registered by hand
    assert GroupMembership.objects.get(person=pupil).group == story.groups["7A"]


def test_english_headers_in_any_case_are_accepted(story: Any) -> None:
    header = ["Civic_No", "First Name", "LAST_NAME", "school_type", "Grade", "Class", "Start_Date"]
    row = dict(
        zip(
            header,
            [dashed(PUPILS[0]), "Liam", "Ek", "gr", "7", "7a", START.isoformat()],
            strict=True,
        )
    )

    _import(
        client_for(story.school_admin_at_scheeleskolan),
        story.scheeleskolan,
        csv_bytes([row], header=header),
    )

    pupil = Person.objects.get(civic_no=PUPILS[0])
    assert GroupMembership.objects.get(person=pupil).group == story.groups["7A"]


def test_classes_named_in_the_file_are_created_only_when_asked(story: Any) -> None:
    client = client_for(story.school_admin_at_scheeleskolan)
    data = csv_bytes([pupil_row(0, klass="7C"), pupil_row(1, klass="7c")])

    refused = _upload(client, story.scheeleskolan, data)
    assert _errors(refused) == {(2, "klass"), (3, "klass")}

    _import(client, story.scheeleskolan, data, create_classes="on")
    created = Group.objects.get(organisation=story.scheeleskolan, display_name="7C")
    assert (created.group_type, created.school_type, created.start_date) == ("Klass", "GR", START)
    assert GroupMembership.objects.filter(group=created).count() == 2
    assert AuditEntry.objects.filter(action="group.create", object_id=str(created.pk)).exists()


def test_a_pupil_already_in_another_class_is_refused(story: Any) -> None:
    pupil = f.PupilFactory(civic_no=PUPILS[0], given_name="Elev0", family_name="Lindqvist")
    f.EnrolmentFactory(person=pupil, enroled_at=story.scheeleskolan, start_date=START)
    f.MembershipFactory(person=pupil, group=story.groups["7B"], start_date=START)
    client = client_for(story.school_admin_at_scheeleskolan)
    before = table_counts()

    response = _upload(client, story.scheeleskolan, csv_bytes([pupil_row(0, klass="7A")]))

    assert _errors(response) == {(2, "klass")}
    assert "går redan i klass 7B" in response.content.decode()
    assert table_counts() == before


def _out_of_reach(story: Any) -> dict[str, Any]:
    """Persons Eva may not touch, by why; "unknown" is in no register.

    Elsa, in 7B, has skyddad folkbokföring; Dold, sekretessmarkerad, goes to Ullviskolan;
    Maja goes to school in Arboga.
    """
    protected_elsewhere = f.PupilFactory(
        civic_no=PUPILS[2], given_name="Dold", security_marking=SecurityMarking.SEKRETESSMARKERING
    )
    f.EnrolmentFactory(person=protected_elsewhere, enroled_at=story.ullviskolan)
    return {
        "unknown": None,
        "protected at the school": story.protected_pupil_in_7b,
        "protected at another school": protected_elsewhere,
        "another huvudman's pupil": story.pupil_in_arboga,
    }


def _number_of(persons: dict[str, Any], who: str) -> str:
    person = persons[who]
    return dashed(PUPILS[0] if person is None else person.civic_no)


def _report(response: Any) -> bytes:
    """The page without its random tokens, so two checks of equal files compare equal."""
    html = without_csrf_tokens(response.content)
    return re.sub(rb'name="token" value="[^"]*"', b'name="token" value=""', html)


@pytest.mark.parametrize("klass", ["7A", "9Z"], ids=["clean-row", "row-with-another-error"])
def test_checking_a_file_never_tells_whether_a_number_is_in_the_register(
    story: Any, klass: str
) -> None:
    # The oracle: a school administrator checks a file with someone's number. Checking
    # writes nothing, so it was a free probe; the report must read the same for a number
    # nobody has, a protected pupil here or elsewhere, and another huvudman's pupil.
    persons = _out_of_reach(story)
    client = client_for(story.school_admin_at_scheeleskolan)
    before = table_counts()

    reports = {}
    for who in persons:
        row = pupil_row(0, personnummer=_number_of(persons, who), klass=klass)
        response = _upload(client, story.scheeleskolan, csv_bytes([row]))
        assert response.status_code == 200
        plan = response.context["plan"]
        reports[who] = (
            [(i.row, i.column, i.message) for i in plan.issues],
            plan.summary(),
            _report(response),
        )

    assert len({repr(r) for r in reports.values()}) == 1, reports.keys()
    for secret in ("Elsa", "Dold", "Maja", "Ullviskolan", "Gäddgårdsskolan", "kyddad"):
        assert secret.encode() not in reports["protected at the school"][2]
    before.pop("imports.RegisterImport")
    after = table_counts()
    after.pop("imports.RegisterImport")
    assert after == before


def test_confirming_refuses_every_person_out_of_reach_with_the_same_words_and_logs_it(
    story: Any,
) -> None:
    persons = _out_of_reach(story)
    # A guardian nobody at Scheeleskolan sees.
    stranger: Any = f.PersonFactory(civic_no=ADULTS[8], given_name="Främling")
    client = client_for(story.school_admin_at_scheeleskolan)
    rows = [pupil_row(i, personnummer=_number_of(persons, who)) for i, who in enumerate(persons)]
    rows.append(pupil_row(4, vh1_personnummer=dashed(ADULTS[8])))
    checked = _upload(client, story.scheeleskolan, csv_bytes(rows))
    assert checked.context["plan"].ok
    before = table_counts()

    response = _confirm(client, story.scheeleskolan, checked.context["staged"].token)

    assert response.status_code == 409
    plan = response.context["plan"]
    assert [(i.row, i.column) for i in plan.errors] == [
        (3, "personnummer"),
        (4, "personnummer"),
        (5, "personnummer"),
        (6, "vh1_personnummer"),
    ]
    assert {i.message for i in plan.errors} == {NEUTRAL_REFUSAL}
    page = response.content.decode()
    for secret in (
        "Elsa",
        "Dold",
        "Maja",
        "Främling",
        "Ullviskolan",
        "Gäddgårdsskolan",
        "kyddad",
    ):
        assert secret not in page
    refused = AuditEntry.objects.filter(action="import.refused")
    assert {e.person_id for e in refused} == {
        *(p.pk for p in persons.values() if p is not None),
        stranger.pk,
    }
    after = table_counts()
    assert after.pop("audit.AuditEntry") == before.pop("audit.AuditEntry") + 4
    assert after == before  # all or nothing: the unknown number's pupil is not created


def test_confirming_checks_the_register_again(story: Any) -> None:
    client = client_for(story.school_admin_at_scheeleskolan)
    checked = _upload(client, story.scheeleskolan, csv_bytes([pupil_row(0), pupil_row(1)]))
    token = checked.context["staged"].token
    # Meanwhile someone ends class 7A before the pupils would have started in it.
    Group.objects.filter(pk=story.groups["7A"].pk).update(end_date=START - timedelta(days=1))
    before = table_counts()

    response = _confirm(client, story.scheeleskolan, token)

    assert response.status_code == 409
    assert _errors(response) == {(2, "klass"), (3, "klass")}
    assert "Klassen 7A finns vid enheten men gäller inte" in response.content.decode()
    assert table_counts() == before


def test_a_token_works_once_and_only_for_the_user_who_uploaded(story: Any) -> None:
    client = client_for(story.school_admin_at_scheeleskolan)
    checked = _upload(client, story.scheeleskolan, csv_bytes([pupil_row(0)]))
    token = checked.context["staged"].token
    # Anders, the rektor, manages the school too, but did not upload the file.
    anders = client_for(story.rektor_at_scheeleskolan)

    assert _confirm(anders, story.scheeleskolan, token).status_code == 409
    assert not Person.objects.filter(civic_no=PUPILS[0]).exists()
    assert _confirm(client, story.scheeleskolan, token).status_code == 302
    assert _confirm(client, story.scheeleskolan, token).status_code == 409
    assert Enrolment.objects.filter(person__civic_no=PUPILS[0]).count() == 1


def test_an_expired_upload_cannot_be_confirmed(story: Any) -> None:
    client = client_for(story.school_admin_at_scheeleskolan)
    checked = _upload(client, story.scheeleskolan, csv_bytes([pupil_row(0)]))
    staged = checked.context["staged"]
    RegisterImport.objects.filter(pk=staged.pk).update(
        expires=staged.created - timedelta(seconds=1)
    )

    assert _confirm(client, story.scheeleskolan, staged.token).status_code == 409
    assert not Person.objects.filter(civic_no=PUPILS[0]).exists()
    # The next upload sweeps the expired rows away.
    _upload(client, story.scheeleskolan, csv_bytes([pupil_row(1)]))
    assert not RegisterImport.objects.filter(pk=staged.pk).exists()


@pytest.mark.parametrize("who", ["teacher_of_7b", "central_admin_arboga"])
def test_only_the_units_administrators_may_import(story: Any, who: str) -> None:
    # Maria teaches at Scheeleskolan; Per administers Arboga's schools.
    client = client_for(getattr(story, who))
    unit = story.scheeleskolan
    before = table_counts()

    assert client.get(reverse("register_import", args=[unit.pk])).status_code == 404
    assert _upload(client, unit, csv_bytes([pupil_row(0)])).status_code == 404
    assert _confirm(client, unit, "x" * 43).status_code == 404
    assert table_counts() == before


def test_the_upload_page_lists_the_columns_and_htmx_gets_the_report_only(story: Any) -> None:
    client = client_for(story.school_admin_at_scheeleskolan)
    page = client.get(reverse("register_import", args=[story.scheeleskolan.pk]))
    assert page.status_code == 200
    assert "vh1_personnummer" in page.content.decode()

    partial = client.post(
        reverse("register_import", args=[story.scheeleskolan.pk]),
        {"file": SimpleUploadedFile("elever.csv", csv_bytes([pupil_row(0)]))},
        HTTP_HX_REQUEST="true",
    )
    body = partial.content.decode()
    assert "<html" not in body
    assert "Inga fel hittades." in body
    assert 'name="token"' in body


def test_a_file_that_is_not_a_spreadsheet_gets_a_clear_error(story: Any) -> None:
    client = client_for(story.school_admin_at_scheeleskolan)
    old_excel = b"\xd0\xcf\x11\xe0" + b"\0" * 100

    response = _upload(client, story.scheeleskolan, old_excel, "elever.xls")

    assert "Välj en CSV-fil (.csv) eller en Excel-fil (.xlsx)." in response.content.decode()
    response = _upload(client, story.scheeleskolan, old_excel, "elever.csv")
    assert "Det gamla Excel-formatet .xls" in response.content.decode()


def test_a_civic_number_that_excel_stored_as_a_number_gets_its_zero_back(story: Any) -> None:
    short = int(PUPILS[0][2:])  # 08MMDDNNNC typed into Excel becomes 8MMDDNNNC
    data = xlsx_bytes([pupil_row(0, personnummer=short)])  # type: ignore[arg-type]

    checked = _upload(
        client_for(story.school_admin_at_scheeleskolan), story.scheeleskolan, data, "e.xlsx"
    )

    warnings = checked.context["plan"].warnings
    assert [(w.row, w.column) for w in warnings] == [(2, "personnummer")]
    assert "inledande nolla" in warnings[0].message
    assert checked.context["plan"].new_persons.keys() >= {PUPILS[0]}


def test_checking_a_file_costs_the_same_queries_for_few_and_many_rows(story: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(story.school_admin_at_scheeleskolan)
    url = reverse("register_import", args=[story.scheeleskolan.pk])
    client.get(url)

    def queries(rows: int) -> int:
        data = csv_bytes([pupil_row(i) for i in range(rows)])
        with CaptureQueriesContext(connection) as captured:
            response = client.post(url, {"file": SimpleUploadedFile("e.csv", data)})
        assert response.context["staged"] is not None
        return len(captured.captured_queries)

    assert queries(2) == queries(12)
