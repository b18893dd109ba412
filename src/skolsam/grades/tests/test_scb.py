"""The SCB file of year 9 final grades, in SCB's layout, through HTTP and the service.

Anders (rektor of Scheeleskolan) and the huvudman's central administrator export; Maria
(a teacher) and another school's rektor do not. Alva, Hugo and Saga of 7B finished year 9
this spring; their lines are written out by hand below, field by field, from SCB's
datafilsbeskrivning (docs/scb-slutbetyg.md).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from skolsam.audit.models import AuditEntry, AuditEntryPerson
from skolsam.core.choices import DutyRole, SecurityMarking
from skolsam.core.dates import today
from skolsam.grades.models import GradeOrigin, GradingPeriodKind, Semester
from skolsam.grades.rules import DASH
from skolsam.grades.scb import FIELD_NAMES, ScbRefused, scb_file_validate, scb_final_grades_file
from skolsam.grades.services import grade_decide, grade_record_earlier, grading_period_open
from skolsam.grades.tests.conftest import syllabus
from skolsam.testing import factories as f
from skolsam.testing.story import login_with_two_factor

pytestmark = pytest.mark.django_db

# The compulsory subjects other than mathematics, which Maria grades in the period.
OTHERS = {
    "GRGRBIL01": "Bild",
    "GRGRENG01": "Engelska",
    "GRGRHKK01": "Hem- och konsumentkunskap",
    "GRGRIDR01": "Idrott och hälsa",
    "GRGRMUS01": "Musik",
    "GRGRBIO01": "Biologi",
    "GRGRFYS01": "Fysik",
    "GRGRKEM01": "Kemi",
    "GRGRGEO01": "Geografi",
    "GRGRHIS01": "Historia",
    "GRGRREL01": "Religionskunskap",
    "GRGRSAM01": "Samhällskunskap",
    "GRGRSLJ01": "Slöjd",
    "GRGRTEK01": "Teknik",
}


def _period(grading):
    return grading_period_open(
        actor=grading.actor(grading.rektor),
        organisation=grading.school,
        kind=GradingPeriodKind.FINAL,
        semester=Semester.VT,
        year=today().year,
    )


def _maths(grading, period, pupil, value, adapted=""):
    return grade_decide(
        actor=grading.actor(grading.teacher),
        kind="Satt",
        grade_value=value,
        student=pupil,
        syllabus=grading.syllabus,
        organisation=grading.school,
        period=period,
        adapted_study_plan=adapted,
    )


def _record(grading, pupil, code, name, value, *, year=None, final=True, language=""):
    subject = syllabus("GR", code, name)
    if language and subject.language_code != language:
        subject.language_code = language
        subject.save(update_fields=["language_code"])
    return grade_record_earlier(
        actor=grading.actor(grading.rektor),
        student=pupil,
        syllabus=subject,
        organisation=grading.school,
        grade_value=value,
        semester=Semester.VT,
        year=year or today().year,
        origin=GradeOrigin.EARLIER_SCHOOL,
        origin_school="Ullviskolan",
        final_grade=final,
    )


def _slutbetyg(grading, pupil, value, *, skip=(), **values):
    """Record the pupil's final grades in the compulsory subjects but mathematics."""
    for code, name in OTHERS.items():
        if code not in skip:
            _record(grading, pupil, code, name, values.get(code, value))


def _three_pupils(grading):
    """Alva, Hugo and Saga's slutbetyg, as in the hand-checked lines below."""
    alva, hugo, saga = grading.day.pupils
    period = _period(grading)
    year = today().year
    # Alva: B mostly, A in Bild; Hem- och konsumentkunskap ended in year 8 with a D; a
    # term grade F in English last autumn is no final grade; Spanish as språkval and
    # Finnish as modersmål (a national minority language: the code names it).
    _maths(grading, period, alva, "C")
    _slutbetyg(grading, alva, "B", skip=("GRGRHKK01",), GRGRBIL01="A")
    _record(grading, alva, "GRGRHKK01", "Hem- och konsumentkunskap", "D", year=year - 1)
    _record(grading, alva, "GRGRENG01", "Engelska", "F", year=year - 1, final=False)
    _record(grading, alva, "GRGRSVE01", "Svenska", "B")
    _record(grading, alva, "GRGRMSP01", "Moderna språk", "C", language="spa")
    _record(grading, alva, "GRGRMOE01", "Modersmål - finska", "A")
    # Hugo: E, the dash in mathematics (absence), svenska som andraspråk, no languages.
    _maths(grading, period, hugo, DASH)
    _slutbetyg(grading, hugo, "E")
    _record(grading, hugo, "GRGRSVA01", "Svenska som andraspråk", "E")
    # Saga: C; mathematics not read because of anpassad studiegång; Judiska studier, a
    # subject outside SCB's list, goes to OVR.
    _maths(grading, period, saga, DASH, adapted="Läser inte matematik (SL 3:12).")
    _slutbetyg(grading, saga, "C")
    _record(grading, saga, "GRGRSVE01", "Svenska", "C")
    _record(grading, saga, "GRGRJUD01", "Judiska studier", "A")
    return alva, hugo, saga


def _head(grading, pupil) -> str:
    # SCB's names are letters only: the story's family names (Elev00...) lose their digits.
    assert pupil.family_name.startswith("Elev")
    return (
        f"Skolsam;{today().isoformat()};0.1.0;{pupil.civic_no};"
        f"{grading.school.school_unit_code};7B;{pupil.given_name};Elev"
    )


def _persons(entry):
    return set(AuditEntryPerson.objects.filter(entry=entry).values_list("person_id", flat=True))


def _scb_url(grading, year=None):
    url = reverse("grades_reports:scb_download", args=[grading.school.pk])
    return f"{url}?year={year or today().year}"


# --- the file ----------------------------------------------------------------------------


def test_the_file_has_one_line_per_pupil_in_scbs_layout_checked_by_hand(grading):
    alva, hugo, saga = _three_pupils(grading)
    rektor = login_with_two_factor(grading.rektor)
    assert "Hämta SCB-fil" in rektor.get(reverse("grades_reports:index")).content.decode()
    response = rektor.get(_scb_url(grading))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    lines = response.content.decode("utf-8").split("\r\n")
    assert lines[-1] == ""  # every line ends with CRLF, the last one too
    by_civic = {line.split(";")[3]: line for line in lines[:-1]}
    assert sorted(by_civic) == sorted(p.civic_no for p in (alva, hugo, saga))
    # Bl En Hkk Idh Ma M1s;M1 M2s;M2 MLs;ML Mu Bi Fy Ke Ge Hi Re Sh Sl Sv Sva Tn Tk OVR
    assert by_civic[alva.civic_no] == _head(grading, alva) + (
        ";A;B;D;B;C;;2;SPA;C;FIN;A;B;B;B;B;B;B;B;B;B;B;2;2;B;2"
    )
    # The dash is code 9; Sv is 2 beside a grade in Sva; no language, so 2 and no code.
    assert by_civic[hugo.civic_no] == _head(grading, hugo) + (
        ";E;E;E;E;9;;2;;2;;2;E;E;E;E;E;E;E;E;E;2;E;2;E;2"
    )
    # Not read because of anpassad studiegång: code 3; Judiska studier in OVR.
    assert by_civic[saga.civic_no] == _head(grading, saga) + (
        ";C;C;C;C;3;;2;;2;;2;C;C;C;C;C;C;C;C;C;C;2;2;C;A"
    )
    assert len(FIELD_NAMES) == 33 and all(len(x.split(";")) == 33 for x in by_civic.values())
    code = grading.school.school_unit_code
    assert scb_file_validate(response.content, unit_code=code) == 3
    entry = AuditEntry.objects.get(action="grades.scb_export")
    assert _persons(entry) == {alva.pk, hugo.pk, saga.pk}


def test_a_missing_final_grade_refuses_the_file_and_names_the_pupil_and_subject(grading):
    alva, hugo, _saga = grading.day.pupils
    period = _period(grading)
    _maths(grading, period, alva, "C")
    _slutbetyg(grading, alva, "B")
    _record(grading, alva, "GRGRSVE01", "Svenska", "B")
    # Hugo has no grade in Bild, nor in svenska or svenska som andraspråk.
    _maths(grading, period, hugo, "E")
    _slutbetyg(grading, hugo, "E", skip=("GRGRBIL01",))
    rektor = login_with_two_factor(grading.rektor)
    page = rektor.get(_scb_url(grading), follow=True).content.decode()
    assert "Slutbetyg saknas för: Hugo Elev01 (Bl, Sv eller Sva)" in page
    assert "Alva Elev00" not in page
    assert not AuditEntry.objects.filter(action="grades.scb_export").exists()


def test_two_grades_for_one_field_refuse_the_file(grading):
    alva = grading.day.pupils[0]
    period = _period(grading)
    _maths(grading, period, alva, "C")
    _slutbetyg(grading, alva, "B")
    _record(grading, alva, "GRGRSVE01", "Svenska", "B")
    _record(grading, alva, "GRGRMOD01", "Modersmål", "A", language="ara")
    _record(grading, alva, "GRGRMOE01", "Modersmål - finska", "B")
    with pytest.raises(ScbRefused, match=r"flera: Alva Elev00 \(ML \(betyg\)\)"):
        scb_final_grades_file(
            actor=grading.actor(grading.rektor), unit=grading.school, year=today().year
        )


def test_a_teacher_and_another_schools_rektor_get_404(grading):
    _three_pupils(grading)
    teacher = login_with_two_factor(grading.teacher)
    assert teacher.get(_scb_url(grading)).status_code == 404
    other = f.SchoolUnitFactory(display_name="Annanskolan")
    other_rektor = f.DutyFactory(duty_at=other, duty_role=DutyRole.REKTOR).person
    client = login_with_two_factor(other_rektor)
    assert client.get(_scb_url(grading)).status_code == 404
    assert not AuditEntry.objects.filter(action="grades.scb_export").exists()


def test_the_huvudmans_central_administrator_exports(grading):
    _three_pupils(grading)
    central = f.DutyFactory(
        duty_at=grading.school.huvudman, duty_role=DutyRole.SKOLADMINISTRATOR
    ).person
    response = login_with_two_factor(central).get(_scb_url(grading))
    assert response.status_code == 200
    assert len(response.content.decode().split("\r\n")) == 4


def test_a_protected_pupil_refuses_the_export_unless_the_exporter_is_named_for_her(grading):
    _alva, _hugo, saga = _three_pupils(grading)
    saga.security_marking = SecurityMarking.SKYDDAD_FOLKBOKFORING
    saga.save(update_fields=["security_marking"])
    f.AuthorisationFactory(person=saga, staff=grading.teacher)
    rektor = login_with_two_factor(grading.rektor)
    page = rektor.get(_scb_url(grading), follow=True).content.decode()
    assert "En elev med skyddad identitet går på skolenheten" in page
    assert saga.given_name not in page and saga.civic_no not in page
    assert not AuditEntry.objects.filter(action="grades.scb_export").exists()
    # Named for her, the rektor makes the file, and she is in it: SCB needs every pupil.
    f.AuthorisationFactory(person=saga, staff=grading.rektor)
    made = scb_final_grades_file(
        actor=grading.actor(grading.rektor), unit=grading.school, year=today().year
    )
    assert f"{saga.civic_no};{grading.school.school_unit_code};7B;Saga" in made.content.decode()
    assert saga.pk in made.person_ids


def test_the_download_costs_the_same_queries_for_one_pupil_or_three(grading):
    alva, hugo, saga = grading.day.pupils
    period = _period(grading)
    _maths(grading, period, alva, "C")
    _slutbetyg(grading, alva, "B")
    _record(grading, alva, "GRGRSVE01", "Svenska", "B")
    rektor = login_with_two_factor(grading.rektor)
    rektor.get(_scb_url(grading))  # the first request builds the actor's cached grants
    with CaptureQueriesContext(connection) as one:
        assert rektor.get(_scb_url(grading)).status_code == 200
    for pupil in (hugo, saga):
        _maths(grading, period, pupil, "A")
        _slutbetyg(grading, pupil, "A")
        _record(grading, pupil, "GRGRSVE01", "Svenska", "A")
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


# --- the validator -----------------------------------------------------------------------

# A valid line, by hand: a pupil with C everywhere, svenska, Spanish as språkval.
VALID = (
    "Skolsam;2026-06-10;0.1.0;201001012382;12345678;9A;Ann-Sofie;Öberg;"
    "C;C;C;C;C;;2;SPA;C;;2;C;C;C;C;C;C;C;C;C;C;2;2;C;2"
)


def _with(field: str, value: str) -> bytes:
    cells = VALID.split(";")
    cells[FIELD_NAMES.index(field)] = value
    return (";".join(cells) + "\r\n").encode("utf-8")


def test_the_validator_accepts_a_valid_line_and_a_tf_number():
    assert scb_file_validate((VALID + "\r\n").encode(), unit_code="12345678") == 1
    assert scb_file_validate(_with("PersonNr", "20100101TF12"), unit_code="12345678") == 1
    assert scb_file_validate(b"", unit_code="12345678") == 0


@pytest.mark.parametrize(
    ("content", "where"),
    [
        ((VALID + ";C\r\n").encode(), "Rad 1: 34 fält"),
        (VALID.encode(), "radslut"),
        ((VALID + "\r\n").encode("utf-16"), "inte utf-8"),
        (_with("Datum", "2026-13-01"), "fält Datum"),
        (_with("Datum", "10/6 2026"), "fält Datum"),
        (_with("PersonNr", "20100101-238"), "fält PersonNr"),
        (_with("PersonNr", "20100101AB12"), "fält PersonNr"),
        (_with("Skolenhetskod", "87654321"), "fält Skolenhetskod"),
        (_with("Fornamn", "Ann3"), "fält Fornamn"),
        (_with("Efternamn", ""), "fält Efternamn"),
        (_with("Klass", "9" * 26), "fält Klass"),
        (_with("Ma", "G"), "fält Ma"),
        (_with("Ma", ""), "fält Ma"),
        # 2 is for a subject that is not compulsory only.
        (_with("Ma", "2"), "fält Ma"),
        # Teckenspråk för hörande takes no 3.
        (_with("Tn", "3"), "fält Tn"),
        (_with("M2 (språk)", "spa"), "fält M2 (språk)"),
        # A grade in a language needs its language code; 2 has none.
        (_with("M2 (språk)", ""), "fält M2 (språk): språkkod saknas"),
        (_with("M1 (språk)", "ENG"), "fält M1 (språk): språkkod utan betyg"),
        # Neither svenska nor svenska som andraspråk.
        (_with("Sv", "2"), "fält Sv"),
        ((VALID + "\r\n" + VALID + "\r\n").encode(), "Rad 2, fält PersonNr"),
    ],
)
def test_the_validator_names_the_line_and_field(content, where):
    with pytest.raises(ScbRefused) as refused:
        scb_file_validate(content, unit_code="12345678")
    assert where in str(refused.value)
