"""The upper-secondary summary: examensbevis or studiebevis, with the jämförelsetal.

The grading chapter's 7B read as upper-secondary pupils for this module: Alva and Saga
on the Naturvetenskapsprogrammet (NA, högskoleförberedande), Hugo on an
introduktionsprogram (IMV). The activity Maria teaches is the gymnasiearbete (GYARNA),
graded in the open period; the other courses are recorded from an earlier school by the
rektor, Anders. Each PDF is read back with pypdf.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from skolsam.accounts.actor import actor_for_person
from skolsam.audit.models import AuditEntry
from skolsam.core.choices import DutyRole, ProgrammeType, SecurityMarking
from skolsam.core.dates import today
from skolsam.core.errors import DomainError
from skolsam.curriculum.models import Programme, Syllabus
from skolsam.enrolment.models import Enrolment
from skolsam.grades.models import (
    CertificateRun,
    DocumentKind,
    GradeDocument,
    GradeOrigin,
    RunStatus,
    StudyPlanContentType,
)
from skolsam.grades.selectors_summary import grade_summary_for
from skolsam.grades.services import (
    PlannedCourse,
    grade_decide,
    grade_record_earlier,
    grading_period_close,
    study_plan_set,
)
from skolsam.grades.services.documents import (
    certificate_issue,
    certificate_run_start,
    certificate_run_work,
)
from skolsam.grades.tests.conftest import licence
from skolsam.grades.tests.test_documents import _claims_pdf_a, _text
from skolsam.testing import factories as f
from skolsam.testing.story import login_with_two_factor

pytestmark = pytest.mark.django_db


def course(code: str, name: str, points: int = 100, subject: str = "") -> Syllabus:
    found, _ = Syllabus.objects.update_or_create(
        school_type="GY",
        subject_code=subject or code[:3],
        course_code=code,
        defaults={"subject_name": name, "course_name": name, "points": points},
    )
    return found


def programme(code: str, name: str, kind: str) -> Programme:
    return Programme.objects.create(name=name, type=kind, school_type="GY", code=code)


@pytest.fixture
def upper(grading):
    """Make the chapter's pupils upper-secondary pupils with the gymnasiearbete graded."""
    na = programme("NA", "Naturvetenskapsprogrammet", ProgrammeType.HOGSKOLEFORBEREDANDE)
    im = programme(
        "IMV", "Introduktionsprogram, yrkesintroduktion", ProgrammeType.INTRODUKTIONSPROGRAM
    )
    alva, hugo, saga = grading.day.pupils
    Enrolment.objects.filter(person__in=[alva, saga]).update(
        school_type="GY", school_year=3, programme=na
    )
    Enrolment.objects.filter(person=hugo).update(school_type="GY", school_year=1, programme=im)
    gyar = course("GYARNA", "Gymnasiearbete", subject="GYAR")
    grading.day.activity.syllabus = gyar
    grading.day.activity.save(update_fields=["syllabus"])
    licence(grading, grading.teacher, {"school_type": "GY", "subject_code": "GYAR"})
    grading.gyar = gyar
    grading.na = na
    return grading


def record(grading, pupil, code: str, name: str, value: str, points: int = 100) -> None:
    grade_record_earlier(
        actor=grading.actor(grading.rektor),
        student=pupil,
        syllabus=course(code, name, points),
        organisation=grading.school,
        grade_value=value,
        semester="VT",
        year=today().year - 1,
        origin=GradeOrigin.EARLIER_SCHOOL,
        origin_school="Ullvigymnasiet",
    )


def project(grading, pupil, value: str = "E") -> None:
    grade_decide(
        actor=grading.actor(grading.teacher),
        kind="Satt",
        grade_value=value,
        student=pupil,
        syllabus=grading.gyar,
        organisation=grading.school,
        period=grading.period,
        diploma_project={
            "title": "Vattenkvalitet i Köpingsån",
            "description": "Provtagning och analys av vattnet under ett läsår.",
        },
    )


def alva_complete(grading) -> None:
    """Alva: 2 500 points, F on one course of 100.

    Σ(value × points) without the gymnasiearbete, by hand: Sv 1 A, Sv 2 B, Sv 3 C, En 5 A,
    En 6 B, Ma 1c C = 20 + 17.5 + 15 + 20 + 17.5 + 15 = 105, × 100 = 10 500; eighteen
    courses: 6 A, 6 C, 5 E, 1 F = 120 + 90 + 50 + 0 = 260, × 100 = 26 000. 36 500 / 2 400
    = 15.2083… → 15.21.
    """
    alva = grading.day.pupils[0]
    for code, name, value in (
        ("SVESVE01", "Svenska 1", "A"),
        ("SVESVE02", "Svenska 2", "B"),
        ("SVESVE03", "Svenska 3", "C"),
        ("ENGENG05", "Engelska 5", "A"),
        ("ENGENG06", "Engelska 6", "B"),
        ("MATMAT01c", "Matematik 1c", "C"),
    ):
        record(grading, alva, code, name, value)
    for i, value in enumerate("AAAAAACCCCCCEEEEEF"):
        record(grading, alva, f"NAKTST{i:02d}", f"Naturkurs {i + 1}", value)
    project(grading, alva)


def test_a_complete_na_pupil_gets_an_examensbevis_with_the_jamforelsetal(upper):
    alva = upper.day.pupils[0]
    alva_complete(upper)
    rektor = upper.actor(upper.rektor)
    document = certificate_issue(
        actor=rektor, student=alva, organisation=upper.school, kind=DocumentKind.SAMMANSTALLNING
    )
    assert document.comparison_value == Decimal("15.21")
    assert document.examen == "Högskoleförberedande examen"
    assert document.merit_value is None
    pdf = bytes(document.pdf)
    assert _claims_pdf_a(pdf) == ("3", "B")
    text = _text(pdf)
    assert "Examensbevis" in text and "Studiebevis" not in text
    assert "Högskoleförberedande examen" in text
    assert alva.full_name in text and alva.civic_no in text
    assert "Naturvetenskapsprogrammet (NA)" in text
    assert "Jämförelsetal: 15,21" in text
    assert "Summa poäng: 2500" in text
    assert "Ej godkända poäng (F eller streck): 100 av högst 250" in text
    assert "Gymnasiearbete" in text and "Svenska 3" in text and "SVESVE03" in text
    entry = AuditEntry.objects.get(action="grades.certificate_issue", person_id=alva.pk)
    assert entry.detail["comparison_value"] == "15.21"
    assert entry.detail["examen"] == "Högskoleförberedande examen"


def test_without_a_passed_gymnasiearbete_the_pupil_gets_a_studiebevis_saying_why(upper):
    saga = upper.day.pupils[2]
    # The gymnasiearbete failed, Engelska 5 C: the jämförelsetal is 15.00, two decimals.
    project(upper, saga, "F")
    record(upper, saga, "ENGENG05", "Engelska 5", "C")
    document = certificate_issue(
        actor=upper.actor(upper.rektor),
        student=saga,
        organisation=upper.school,
        kind=DocumentKind.SAMMANSTALLNING,
    )
    assert document.examen == "Studiebevis"
    text = _text(bytes(document.pdf))
    assert "Studiebevis" in text and "Examensbevis" not in text
    assert "Jämförelsetal: 15,00" in text
    assert "Godkänt gymnasiearbete saknas." in text
    assert "Godkänt betyg saknas i Svenska 1, 2 och 3" in text
    # F on the gymnasiearbete's 100 points: shown against the 250 that may fail.
    assert "Ej godkända poäng (F eller streck): 100 av högst 250" in text


def test_an_introduction_programme_pupil_gets_a_studiebevis(upper):
    hugo = upper.day.pupils[1]
    # Sv 1 E, Ma 1a F, En 5 C: (10 + 0 + 15) × 100 / 300 = 8.333… → 8.33.
    record(upper, hugo, "SVESVE01", "Svenska 1", "E")
    record(upper, hugo, "MATMAT01a", "Matematik 1a", "F")
    record(upper, hugo, "ENGENG05", "Engelska 5", "C")
    document = certificate_issue(
        actor=upper.actor(upper.rektor),
        student=hugo,
        organisation=upper.school,
        kind=DocumentKind.SAMMANSTALLNING,
    )
    assert (document.examen, document.comparison_value) == ("Studiebevis", Decimal("8.33"))
    text = _text(bytes(document.pdf))
    assert "Studiebevis" in text and "Jämförelsetal: 8,33" in text
    assert "Programmet leder inte till någon gymnasieexamen." in text


def test_the_study_plan_names_the_programme_and_the_programgemensamma_courses(upper):
    alva = upper.day.pupils[0]
    ba = programme("BA", "Bygg- och anläggningsprogrammet", ProgrammeType.YRKESPROGRAM)
    record(upper, alva, "BYGBYG01", "Bygg och anläggning 1", "C", points=200)
    record(upper, alva, "MATMAT05", "Matematik 5", "F")
    study_plan_set(
        actor=upper.actor(upper.rektor),
        student=alva,
        organisation=upper.school,
        programme=ba,
        start_date=date(today().year - 2, 8, 20),
        courses=[
            PlannedCourse(
                syllabus=Syllabus.objects.get(course_code="BYGBYG01"),
                content_type=StudyPlanContentType.PROGRAMGEMENSAMMA,
            ),
            PlannedCourse(
                syllabus=Syllabus.objects.get(course_code="MATMAT05"),
                content_type=StudyPlanContentType.UTOKADE,
            ),
        ],
    )
    found = grade_summary_for(
        actor=upper.actor(upper.rektor), student=alva, organisation=upper.school
    )
    assert found.programme == ba
    assert found.outcome.examen_name == "Yrkesexamen"
    assert found.outcome.programme_common_passed_points == 200
    # The utökat course's F is outside the examen and the jämförelsetal: only BYG01 (C).
    assert found.outcome.failed_points == 0
    assert found.comparison_value == Decimal("15.00")
    assert any("programgemensamma ämnen" in m for m in found.outcome.missing)


def test_an_ended_enrolment_still_names_the_programme_and_no_programme_is_said(upper):
    alva, hugo, _saga = upper.day.pupils
    # Alva's grade was recorded two months ago; her enrolment ended yesterday.
    earlier = today() - timedelta(days=60)
    grade_record_earlier(
        actor=actor_for_person(upper.rektor.pk, on=earlier),
        student=alva,
        syllabus=course("ENGENG05", "Engelska 5"),
        organisation=upper.school,
        grade_value="B",
        semester="VT",
        year=earlier.year,
        origin=GradeOrigin.EARLIER_SCHOOL,
        origin_school="Ullvigymnasiet",
    )
    Enrolment.objects.filter(person__in=[alva, hugo]).update(end_date=today() - timedelta(1))
    rektor = upper.actor(upper.rektor)
    found = grade_summary_for(actor=rektor, student=alva, organisation=upper.school)
    assert found.programme == upper.na
    assert found.outcome.examen_name == "Högskoleförberedande examen"
    # Hugo's only grade is from today, after his enrolment ended: no programme is known.
    record(upper, hugo, "SVESVE01", "Svenska 1", "E")
    found = grade_summary_for(actor=rektor, student=hugo, organisation=upper.school)
    assert found.programme is None
    assert found.outcome.missing == (
        "Eleven har inget program i studieplanen eller i inskrivningen.",
    )


def test_a_whole_unit_s_summaries_are_made_by_the_run(upper, django_capture_on_commit_callbacks):
    alva, _hugo, saga = upper.day.pupils
    alva_complete(upper)
    project(upper, saga, "E")
    grading_period_close(actor=upper.actor(upper.rektor), period=upper.period)
    upper.period.refresh_from_db()
    rektor = login_with_two_factor(upper.rektor)
    page = reverse("grades_documents:period", args=[upper.period.pk])
    assert '<option value="Sammanställning">' in rektor.get(page).content.decode()
    with django_capture_on_commit_callbacks(execute=False):
        rektor.post(
            reverse("grades_documents:run_start", args=[upper.period.pk]),
            {"kind": "Sammanställning"},
        )
    run = CertificateRun.objects.get()
    assert (run.kind, run.total) == (DocumentKind.SAMMANSTALLNING, 2)
    done = certificate_run_work(run_id=run.pk)
    assert (done.status, done.done) == (RunStatus.DONE, 2)
    documents = {d.student_id: d for d in GradeDocument.objects.filter(run=run)}
    assert documents[alva.pk].examen == "Högskoleförberedande examen"
    assert documents[saga.pk].examen == "Studiebevis"
    assert all(d.grading_period_id is None for d in documents.values())
    assert all(_claims_pdf_a(bytes(d.pdf)) == ("3", "B") for d in documents.values())
    progress = rektor.get(
        reverse("grades_documents:run_progress", args=[upper.period.pk, run.pk])
    ).content.decode()
    assert "2 av 2 klara" in progress
    assert "Högskoleförberedande examen · jämförelsetal 15,21" in progress


def test_only_the_unit_s_rektor_issues_a_summary(upper):
    alva = upper.day.pupils[0]
    project(upper, alva)
    with pytest.raises(DomainError, match="Bara skolenhetens rektor"):
        certificate_issue(
            actor=upper.actor(upper.teacher),
            student=alva,
            organisation=upper.school,
            kind=DocumentKind.SAMMANSTALLNING,
        )
    assert not GradeDocument.objects.exists()


# --- the rektor's page, through HTTP ------------------------------------------------------


def _url(name, upper, pupil):
    return reverse(f"grades_documents:{name}", args=[upper.period.pk, pupil.pk])


def test_the_rektor_sees_failed_points_against_the_requirement_and_issues(upper):
    alva = upper.day.pupils[0]
    alva_complete(upper)
    rektor = login_with_two_factor(upper.rektor)
    period_page = rektor.get(reverse("grades_documents:period", args=[upper.period.pk]))
    assert _url("summary", upper, alva) in period_page.content.decode()
    page = rektor.get(_url("summary", upper, alva)).content.decode()
    assert "Ej godkända poäng (F eller streck): 100 av högst 250." in page
    assert "Godkända poäng: 2400; examen kräver minst 2250 av 2500." in page
    assert "Jämförelsetal: 15,21." in page
    assert "Utfärda examensbevis" in page
    assert AuditEntry.objects.filter(action="grades.summary_view", person_id=alva.pk).exists()
    response = rektor.post(_url("summary_issue", upper, alva), follow=True)
    assert "Examensbeviset är utfärdat och sparat som PDF/A." in response.content.decode()
    document = GradeDocument.objects.get(student=alva, kind=DocumentKind.SAMMANSTALLNING)
    pdf_url = reverse("grades_documents:document_pdf", args=[upper.period.pk, document.pk])
    assert pdf_url in response.content.decode()
    download = rektor.get(pdf_url)
    assert download.content.startswith(b"%PDF")
    assert download["Content-Disposition"] == (
        f'attachment; filename="hogskoleforberedande-examen-{document.pk}.pdf"'
    )


def test_the_summary_page_answers_404_to_all_but_the_unit_s_rektor(upper):
    alva = upper.day.pupils[0]
    project(upper, alva)
    other = f.SchoolUnitFactory(display_name="Ullvigymnasiet")
    other_rektor = f.DutyFactory(
        duty_at=other, duty_role=DutyRole.REKTOR, start_date=date(2020, 1, 1)
    ).person
    rektor = login_with_two_factor(upper.rektor)
    # A pupil without an upper-secondary grade here, and a made-up id, answer alike.
    for pupil_id in (upper.day.pupils[1].pk, "00000000-0000-0000-0000-000000000000"):
        url = reverse("grades_documents:summary", args=[upper.period.pk, pupil_id])
        assert rektor.get(url).status_code == 404
    for person in (upper.teacher, other_rektor, upper.day.guardian):
        client = login_with_two_factor(person)
        assert client.get(_url("summary", upper, alva)).status_code == 404
        assert client.post(_url("summary_issue", upper, alva)).status_code == 404
    assert not GradeDocument.objects.exists()


def test_a_protected_pupil_has_no_summary_for_a_rektor_not_named_for_her(upper):
    alva = upper.day.pupils[0]
    project(upper, alva)
    alva.security_marking = SecurityMarking.SKYDDAD_FOLKBOKFORING
    alva.save(update_fields=["security_marking"])
    rektor = login_with_two_factor(upper.rektor)
    page = rektor.get(reverse("grades_documents:period", args=[upper.period.pk])).content.decode()
    assert alva.full_name not in page
    assert rektor.get(_url("summary", upper, alva)).status_code == 404
    with pytest.raises(DomainError, match="inga betyg"):
        certificate_issue(
            actor=upper.actor(upper.rektor),
            student=alva,
            organisation=upper.school,
            kind=DocumentKind.SAMMANSTALLNING,
        )


def test_the_summary_page_costs_the_same_queries_for_few_and_many_grades(upper):
    alva, _hugo, saga = upper.day.pupils
    alva_complete(upper)
    project(upper, saga)
    rektor = login_with_two_factor(upper.rektor)
    rektor.get(_url("summary", upper, saga))  # warm the session and the actor cache
    counts = []
    for pupil in (saga, alva):
        with CaptureQueriesContext(connection) as queries:
            assert rektor.get(_url("summary", upper, pupil)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_a_run_of_summaries_needs_upper_secondary_grades(grading):
    # The grading chapter as it is: year 9 mathematics, no upper-secondary grade.
    grade_decide(
        actor=grading.actor(grading.teacher),
        kind="Satt",
        grade_value="C",
        student=grading.day.pupils[0],
        syllabus=grading.syllabus,
        organisation=grading.school,
        period=grading.period,
    )
    grading_period_close(actor=grading.actor(grading.rektor), period=grading.period)
    grading.period.refresh_from_db()
    with pytest.raises(DomainError, match="gymnasieskolan"):
        certificate_run_start(
            actor=grading.actor(grading.rektor),
            period=grading.period,
            kind=DocumentKind.SAMMANSTALLNING,
        )
    assert not CertificateRun.objects.exists()
