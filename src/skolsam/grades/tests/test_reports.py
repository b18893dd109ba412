"""The import of earlier grades, through HTTP and the services: Anders (rektor of
Scheeleskolan) imports; Maria (a teacher) does not. The SCB file is in test_scb.py."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import Workbook

from skolsam.audit.models import AuditEntry, AuditEntryPerson
from skolsam.core.choices import SecurityMarking
from skolsam.grades.models import Grade, GradeOrigin
from skolsam.grades.rules import DASH
from skolsam.grades.services.history_import import history_import_check, history_import_run
from skolsam.grades.tests.conftest import syllabus
from skolsam.testing import factories as f
from skolsam.testing.story import login_with_two_factor

pytestmark = pytest.mark.django_db


def _persons(entry):
    return set(AuditEntryPerson.objects.filter(entry=entry).values_list("person_id", flat=True))


# --- importing earlier grades ---------------------------------------------------------

HEADER = "personnummer;kod;betyg;termin;år;skola;slutbetyg\r\n"


def _csv(*rows: str) -> bytes:
    return (HEADER + "".join(r + "\r\n" for r in rows)).encode("utf-8")


def _xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["personnummer", "kod", "betyg", "termin", "år", "skola", "slutbetyg"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _upload(client, grading, data, name="betyg.csv"):
    return client.post(
        reverse("grades_reports:history_upload", args=[grading.school.pk]),
        {"file": _file(data, name), "origin": GradeOrigin.EARLIER_SCHOOL},
    )


def _file(data, name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def test_the_rektor_checks_then_imports_a_csv(grading):
    alva, hugo = grading.day.pupils[:2]
    syllabus("GR", "GRGRENG01", "Engelska")
    data = _csv(
        f"{alva.civic_no};GRGRMAT01;B;VT;2025;Vasaskolan;Nej",
        f"{hugo.civic_no[2:8]}-{hugo.civic_no[8:]};grgreng01;-;HT;2024;Vasaskolan;Ja",
    )
    rektor = login_with_two_factor(grading.rektor)
    form = rektor.get(reverse("grades_reports:history_upload", args=[grading.school.pk]))
    assert "Kontrollera filen" in form.content.decode()
    page = _upload(rektor, grading, data).content.decode()
    assert "har 2 betyg utan fel" in page
    assert not Grade.objects.exists()  # the check saves nothing
    digest = page.split('name="sha256" value="')[1].split('"')[0]
    response = rektor.post(
        reverse("grades_reports:history_confirm", args=[grading.school.pk]), {"sha256": digest}
    )
    assert response.status_code == 302
    grades = {g.student_id: g for g in Grade.objects.all()}
    assert (
        grades[alva.pk].grade_value == "B" and grades[alva.pk].origin == GradeOrigin.EARLIER_SCHOOL
    )
    assert grades[alva.pk].origin_school == "Vasaskolan" and not grades[alva.pk].final_grade
    assert grades[hugo.pk].grade_value == DASH and grades[hugo.pk].final_grade
    entry = AuditEntry.objects.get(action="grades.history_import")
    assert _persons(entry) == {alva.pk, hugo.pk}
    assert AuditEntry.objects.filter(action="grades.decide").count() == 2


def test_an_xlsx_is_checked_and_imported_through_the_page(grading):
    alva = grading.day.pupils[0]
    data = _xlsx([[alva.civic_no, "GRGRMAT01", "A", "VT", 2025, "Vasaskolan", "Ja"]])
    rektor = login_with_two_factor(grading.rektor)
    page = rektor.post(
        reverse("grades_reports:history_upload", args=[grading.school.pk]),
        {"file": _file(data, "betyg.xlsx"), "origin": GradeOrigin.EARLIER_SCHOOL_FORM},
    ).content.decode()
    assert "har 1 betyg utan fel" in page
    digest = page.split('name="sha256" value="')[1].split('"')[0]
    rektor.post(
        reverse("grades_reports:history_confirm", args=[grading.school.pk]), {"sha256": digest}
    )
    grade = Grade.objects.get()
    assert (grade.grade_value, grade.year, grade.origin) == (
        "A",
        2025,
        GradeOrigin.EARLIER_SCHOOL_FORM,
    )
    assert grade.final_grade


def test_one_bad_row_saves_nothing_and_every_error_names_row_and_column(grading):
    alva, hugo, saga = grading.day.pupils
    stranger = f.PupilFactory()  # exists, but not at this school
    data = _csv(
        f"{alva.civic_no};GRGRMAT01;B;VT;2025;Vasaskolan;Nej",
        f"{hugo.civic_no};GRGRMAT01;G;VT;2025;Vasaskolan;Nej",
        f"{saga.civic_no};GRGRMAT01;B;XX;1900;Vasa\x07skolan;kanske",
        f"{stranger.civic_no};GRGRMAT01;B;VT;2025;Vasaskolan;Nej",
        "201001019999;GRGRMAT01;B;VT;2025;Vasaskolan;Nej",
        f"{alva.civic_no};NOSUCH01;B;VT;2025;{'x' * 5000};Nej",
    )
    rektor = login_with_two_factor(grading.rektor)
    page = _upload(rektor, grading, data).content.decode()
    assert "Inget har sparats" in page
    assert "Rad 3, kolumn betyg" in page
    assert "Rad 4, kolumn skola" in page and "U+0007" in page
    assert "Rad 7, kolumn skola" in page
    # A pupil elsewhere and a number nobody has get the same answer.
    unknown = "kolumn personnummer: Ingen elev med det personnumret"
    assert f"Rad 5, {unknown}" in page
    assert "Rad 6, kolumn personnummer" in page
    assert 'name="sha256"' not in page
    with pytest.raises(Exception, match="Rad 3"):
        history_import_run(
            actor=grading.actor(grading.rektor),
            organisation=grading.school,
            data=data,
            file_name="betyg.csv",
            origin=GradeOrigin.EARLIER_SCHOOL,
        )
    assert not Grade.objects.exists()
    assert not AuditEntry.objects.filter(action="grades.history_import").exists()


def test_a_row_checks_year_semester_and_final(grading):
    alva = grading.day.pupils[0]
    data = _csv(f"{alva.civic_no};GRGRMAT01;B;XX;1900;Vasaskolan;kanske")
    plan = history_import_check(
        actor=grading.actor(grading.rektor),
        organisation=grading.school,
        data=data,
        file_name="a.csv",
    )
    columns = {e.column for e in plan.errors}
    assert columns == {"termin", "år", "slutbetyg"}
    assert all(e.row == 2 for e in plan.errors)


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"PK\x03\x04not a workbook", "betyg.xlsx", "kunde inte läsas som Excel"),
        (b"", "betyg.csv", "tom"),
        (b"namn;betyg\r\nAlva;A\r\n", "betyg.csv", "Kolumner saknas"),
        (b'personnummer;kod\r\n"oops', "betyg.csv", "Kolumner saknas"),
        (b"%PDF-1.4", "betyg.pdf", "Välj en CSV-fil"),
    ],
)
def test_a_malformed_file_is_refused_clearly(grading, data, name, message):
    rektor = login_with_two_factor(grading.rektor)
    response = _upload(rektor, grading, data, name)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Grade.objects.exists()


def test_a_protected_pupil_answers_like_an_unknown_one_unless_named(grading):
    saga = grading.day.pupils[2]
    saga.security_marking = SecurityMarking.SKYDDAD_FOLKBOKFORING
    saga.save(update_fields=["security_marking"])
    data = _csv(f"{saga.civic_no};GRGRMAT01;B;VT;2025;Vasaskolan;Nej")
    actor = grading.actor(grading.rektor)
    plan = history_import_check(
        actor=actor, organisation=grading.school, data=data, file_name="a.csv"
    )
    assert [e.column for e in plan.errors] == ["personnummer"]
    assert "Ingen elev med det personnumret" in plan.errors[0].message
    f.AuthorisationFactory(person=saga, staff=grading.rektor)
    plan = history_import_check(
        actor=grading.actor(grading.rektor),
        organisation=grading.school,
        data=data,
        file_name="a.csv",
    )
    assert plan.ok


def test_a_teacher_cannot_open_the_import(grading):
    teacher = login_with_two_factor(grading.teacher)
    url = reverse("grades_reports:history_upload", args=[grading.school.pk])
    assert teacher.get(url).status_code == 404
    assert teacher.get(reverse("grades_reports:index")).status_code == 404


def test_a_confirmation_without_a_checked_file_saves_nothing(grading):
    rektor = login_with_two_factor(grading.rektor)
    response = rektor.post(
        reverse("grades_reports:history_confirm", args=[grading.school.pk]), {"sha256": "x"}
    )
    assert response.status_code == 302
    assert not Grade.objects.exists()


def test_a_grade_already_recorded_or_twice_in_the_file_is_refused(grading):
    alva = grading.day.pupils[0]
    row = f"{alva.civic_no};GRGRMAT01;B;VT;2025;Vasaskolan;Nej"
    actor = grading.actor(grading.rektor)
    twice = history_import_check(
        actor=actor, organisation=grading.school, data=_csv(row, row), file_name="a.csv"
    )
    assert [str(e) for e in twice.errors] == [
        "Rad 3, kolumn kod: Samma elev, ämne och termin som rad 2."
    ]
    history_import_run(
        actor=actor,
        organisation=grading.school,
        data=_csv(row),
        file_name="a.csv",
        origin=GradeOrigin.EARLIER_SCHOOL,
    )
    again = history_import_check(
        actor=actor, organisation=grading.school, data=_csv(row), file_name="a.csv"
    )
    assert [e.column for e in again.errors] == ["kod"]
    assert Grade.objects.count() == 1
