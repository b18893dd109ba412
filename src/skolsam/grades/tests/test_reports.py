"""The SCB file of year 9 final grades and the import of earlier grades, through HTTP
and the services: Anders (rektor of Scheeleskolan) exports and imports; the central
administrator at the huvudman exports; Maria (a teacher) does neither."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import Workbook

from skolsam.audit.models import AuditEntry, AuditEntryPerson
from skolsam.core.choices import DutyRole, SecurityMarking
from skolsam.core.dates import today
from skolsam.grades.models import Grade, GradeOrigin, GradingPeriodKind, Semester
from skolsam.grades.rules import DASH
from skolsam.grades.scb import ScbRefused, scb_file_validate, scb_final_grades_file
from skolsam.grades.services import grade_decide, grading_period_open
from skolsam.grades.services.history_import import history_import_check, history_import_run
from skolsam.grades.tests.conftest import syllabus
from skolsam.testing import factories as f
from skolsam.testing.story import login_with_two_factor

pytestmark = pytest.mark.django_db


def _final_grades(grading, values=("C", "A", DASH)):
    """Open the spring's final-grade period and set each pupil's mathematics grade."""
    period = grading_period_open(
        actor=grading.actor(grading.rektor),
        organisation=grading.school,
        kind=GradingPeriodKind.FINAL,
        semester=Semester.VT,
        year=today().year,
    )
    for pupil, value in zip(grading.day.pupils, values, strict=False):
        grade_decide(
            actor=grading.actor(grading.teacher),
            kind="Satt",
            grade_value=value,
            student=pupil,
            syllabus=grading.syllabus,
            organisation=grading.school,
            period=period,
        )
    return period


def _persons(entry):
    return set(AuditEntryPerson.objects.filter(entry=entry).values_list("person_id", flat=True))


def _scb_url(grading, year=None):
    url = reverse("grades_reports:scb_download", args=[grading.school.pk])
    return f"{url}?year={year or today().year}"


# --- SCB -----------------------------------------------------------------------------


def test_the_rektor_downloads_a_valid_scb_file_audited_under_its_pupils(grading):
    _final_grades(grading)
    rektor = login_with_two_factor(grading.rektor)
    assert "Hämta SCB-fil" in rektor.get(reverse("grades_reports:index")).content.decode()
    response = rektor.get(_scb_url(grading))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    lines = response.content.decode("utf-8").split("\r\n")[:-1]
    code, year = grading.school.school_unit_code, str(today().year)
    civics = sorted(p.civic_no for p in grading.day.pupils)
    assert len(lines) == 3
    by_civic = {line.split(";")[2]: line for line in lines}
    assert sorted(by_civic) == civics
    alva, saga = grading.day.pupils[0], grading.day.pupils[2]
    assert by_civic[alva.civic_no] == f"{code};{year};{alva.civic_no};MA;;C;"
    # The dash is no grade: SCB's reason code 9, betygsunderlag saknas.
    assert by_civic[saga.civic_no] == f"{code};{year};{saga.civic_no};MA;;;9"
    assert scb_file_validate(response.content, unit_code=code, year=today().year) == 3
    entry = AuditEntry.objects.get(action="grades.scb_export")
    assert _persons(entry) == {p.pk for p in grading.day.pupils}


def test_a_teacher_and_another_schools_rektor_get_404(grading):
    _final_grades(grading)
    teacher = login_with_two_factor(grading.teacher)
    assert teacher.get(_scb_url(grading)).status_code == 404
    other = f.SchoolUnitFactory(display_name="Annanskolan")
    other_rektor = f.DutyFactory(duty_at=other, duty_role=DutyRole.REKTOR).person
    client = login_with_two_factor(other_rektor)
    assert client.get(_scb_url(grading)).status_code == 404
    assert not AuditEntry.objects.filter(action="grades.scb_export").exists()


def test_the_huvudmans_central_administrator_exports(grading):
    _final_grades(grading)
    central = f.DutyFactory(
        duty_at=grading.school.huvudman, duty_role=DutyRole.SKOLADMINISTRATOR
    ).person
    response = login_with_two_factor(central).get(_scb_url(grading))
    assert response.status_code == 200
    assert len(response.content.decode().split("\r\n")) == 4


def test_a_protected_pupil_refuses_the_export_unless_the_exporter_is_named_for_her(grading):
    saga = grading.day.pupils[2]
    saga.security_marking = SecurityMarking.SKYDDAD_FOLKBOKFORING
    saga.save(update_fields=["security_marking"])
    f.AuthorisationFactory(person=saga, staff=grading.teacher)
    _final_grades(grading)
    rektor = login_with_two_factor(grading.rektor)
    response = rektor.get(_scb_url(grading), follow=True)
    page = response.content.decode()
    assert "En elev med skyddad identitet går på skolenheten" in page
    assert saga.given_name not in page and saga.civic_no not in page
    assert not AuditEntry.objects.filter(action="grades.scb_export").exists()
    # Named for her, the rektor makes the file, and she is in it: SCB needs every pupil.
    f.AuthorisationFactory(person=saga, staff=grading.rektor)
    made = scb_final_grades_file(
        actor=grading.actor(grading.rektor), unit=grading.school, year=today().year
    )
    assert saga.civic_no in made.content.decode()
    assert saga.pk in made.person_ids


@pytest.mark.parametrize(
    ("content", "where"),
    [
        (b"12345678;2026;201001012384;MA;;C\r\n", "6 f\u00e4lt"),
        (b"12345678;2026;201001012384;MA;;G;\r\n", "f\u00e4lt betyg"),
        (b"12345678;2026;20100101-2384;MA;;C;\r\n", "f\u00e4lt personnummer"),
        (b"12345678;2026;201001012384;M1;;C;\r\n", "f\u00e4lt sprakkod"),
        (b"12345678;2026;201001012384;MA;;C;9\r\n", "antingen betyg eller orsakskod"),
        (b"12345678;2026;201001012384;MA;;C;", "radslut"),
        (
            b"12345678;2026;201001012384;MA;;C;\r\n12345678;2026;201001012384;MA;;B;\r\n",
            "Rad 2",
        ),
    ],
)
def test_the_validator_names_the_row_and_field(content, where):
    with pytest.raises(ScbRefused) as refused:
        scb_file_validate(content, unit_code="12345678", year=2026)
    assert where in str(refused.value)


def test_the_validator_accepts_a_language_row():
    content = b"12345678;2026;201001012384;M1;spa;B;\r\n12345678;2026;201001012384;SV;;;3\r\n"
    assert scb_file_validate(content, unit_code="12345678", year=2026) == 2


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


def test_the_scb_download_costs_the_same_queries_for_one_pupil_or_three(grading):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    period = _final_grades(grading, values=("C",))
    rektor = login_with_two_factor(grading.rektor)
    rektor.get(_scb_url(grading))  # the first request builds the actor's cached grants
    with CaptureQueriesContext(connection) as one:
        assert rektor.get(_scb_url(grading)).status_code == 200
    for pupil, value in zip(grading.day.pupils[1:], ("A", "B"), strict=True):
        grade_decide(
            actor=grading.actor(grading.teacher),
            kind="Satt",
            grade_value=value,
            student=pupil,
            syllabus=grading.syllabus,
            organisation=grading.school,
            period=period,
        )
    rektor.get(_scb_url(grading))
    with CaptureQueriesContext(connection) as three:
        response = rektor.get(_scb_url(grading))
    assert response.content.count(b"\r\n") == 3
    assert len(three.captured_queries) == len(one.captured_queries)


def test_a_bad_year_or_a_unit_without_code_is_answered_clearly(grading):
    rektor = login_with_two_factor(grading.rektor)
    url = reverse("grades_reports:scb_download", args=[grading.school.pk])
    page = rektor.get(f"{url}?year=20x6", follow=True).content.decode()
    assert "Ange året som ett årtal" in page
    grading.school.school_unit_code = "123"
    grading.school.save(update_fields=["school_unit_code"])
    with pytest.raises(ScbRefused, match="skolenhetskod med 8 siffror"):
        scb_final_grades_file(
            actor=grading.actor(grading.rektor), unit=grading.school, year=today().year
        )
