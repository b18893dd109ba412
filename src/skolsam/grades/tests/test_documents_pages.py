"""The rektor's catalogue and certificate page, through HTTP."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from skolsam.audit.models import AuditEntry
from skolsam.core.choices import DutyRole
from skolsam.grades.models import CertificateRun, GradeCatalogue, GradeDocument
from skolsam.grades.services import grade_decide, grading_period_close
from skolsam.grades.services.documents import certificate_run_work
from skolsam.testing import factories as f
from skolsam.testing.story import login, login_with_two_factor

pytestmark = pytest.mark.django_db


def _closed(grading):
    for pupil, value in zip(grading.day.pupils[:2], ["C", "A"], strict=True):
        grade_decide(
            actor=grading.actor(grading.teacher),
            kind="Satt",
            grade_value=value,
            student=pupil,
            syllabus=grading.syllabus,
            organisation=grading.school,
            period=grading.period,
        )
    grading_period_close(actor=grading.actor(grading.rektor), period=grading.period)


def _url(name, grading, *args):
    return reverse(f"grades_documents:{name}", args=[grading.period.pk, *args])


def test_the_rektor_locks_signs_and_downloads_the_catalogue(grading):
    _closed(grading)
    rektor = login_with_two_factor(grading.rektor)
    # The closed period's line on the periods page leads here.
    assert _url("period", grading) in rektor.get(reverse("grades:periods")).content.decode()
    page = rektor.get(_url("period", grading)).content.decode()
    assert "Lås katalogen för Matematik" in page
    response = rektor.post(
        _url("catalogue_lock", grading),
        # As the page's form posts it: these grades were set without a group.
        {"syllabus": grading.syllabus.pk, "group": ""},
    )
    assert response.status_code == 302
    catalogue = GradeCatalogue.objects.get()
    assert len(catalogue.rows) == 2
    assert "Signera katalogen för Matematik" in rektor.get(_url("period", grading)).content.decode()
    rektor.post(_url("catalogue_sign", grading, catalogue.pk))
    catalogue.refresh_from_db()
    assert catalogue.is_signed
    assert catalogue.signature["login_method"] == "Lösenord och tvåstegsverifiering"
    pdf = rektor.get(_url("catalogue_pdf", grading, catalogue.pk))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert AuditEntry.objects.filter(
        action="grades.catalogue_view", object_id=str(catalogue.pk)
    ).exists()


def test_no_one_but_the_unit_s_rektor_reaches_the_page_and_a_missing_one_answers_alike(grading):
    _closed(grading)
    other = f.SchoolUnitFactory(display_name="Ullviskolan")
    other_rektor = f.DutyFactory(
        duty_at=other, duty_role=DutyRole.REKTOR, start_date=date(2020, 1, 1)
    ).person
    missing = reverse("grades_documents:period", args=["00000000-0000-0000-0000-000000000000"])
    for person in (grading.teacher, other_rektor, grading.day.guardian):
        client = login_with_two_factor(person)
        assert client.get(_url("period", grading)).status_code == 404
        assert client.get(missing).status_code == 404
        lock = client.post(_url("catalogue_lock", grading), {"syllabus": grading.syllabus.pk})
        assert lock.status_code == 404
    assert not GradeCatalogue.objects.exists()


def test_a_lock_of_nothing_or_of_garbage_says_why_and_saves_nothing(grading):
    rektor = login_with_two_factor(grading.rektor)
    # The period is still open.
    rektor.post(_url("catalogue_lock", grading), {"syllabus": grading.syllabus.pk})
    page = rektor.get(_url("period", grading)).content.decode()
    assert "Stäng betygsperioden innan katalogen låses" in page
    for bad in ({"syllabus": "x\x00y"}, {"syllabus": "1" * 100_000}, {}):
        response = rektor.post(_url("catalogue_lock", grading), bad, follow=True)
        assert response.status_code == 200
        assert "Välj ett ämne i listan." in response.content.decode()
    assert not GradeCatalogue.objects.exists()


def test_the_whole_unit_s_certificates_show_their_progress_and_download(
    grading, django_capture_on_commit_callbacks
):
    _closed(grading)
    rektor = login_with_two_factor(grading.rektor)
    with django_capture_on_commit_callbacks(execute=False):
        rektor.post(_url("run_start", grading), {"kind": "Terminsbetyg"})
    run = CertificateRun.objects.get()
    progress = rektor.get(_url("run_progress", grading, run.pk)).content.decode()
    assert "0 av 2 klara" in progress and 'hx-trigger="every 2s"' in progress
    certificate_run_work(run_id=run.pk)
    progress = rektor.get(_url("run_progress", grading, run.pk)).content.decode()
    assert "2 av 2 klara" in progress and "hx-trigger" not in progress
    document = GradeDocument.objects.filter(run=run).first()
    assert document is not None
    response = rektor.get(_url("document_pdf", grading, document.pk))
    assert response.content.startswith(b"%PDF")
    assert AuditEntry.objects.filter(
        action="grades.certificate_view", person_id=document.student_id
    ).exists()
    # A teacher of the pupils cannot download it: it answers as a missing one.
    teacher = Client()
    login(teacher, grading.teacher)
    assert teacher.get(_url("document_pdf", grading, document.pk)).status_code == 404


def test_a_finished_run_lists_its_certificates_at_the_same_cost_for_2_or_12_pupils(
    grading, django_capture_on_commit_callbacks
):
    """The list names each pupil (and a slutbetyg's meritvärde with one decimal) without
    a query per certificate, and without reading the PDFs."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from skolsam.grades.services import grading_period_open

    def finished_run_page(period, kind):
        start = reverse("grades_documents:run_start", args=[period.pk])
        with django_capture_on_commit_callbacks(execute=False):
            rektor.post(start, {"kind": kind})
        run = CertificateRun.objects.get(grading_period=period)
        certificate_run_work(run_id=run.pk)
        url = reverse("grades_documents:run_progress", args=[period.pk, run.pk])
        with CaptureQueriesContext(connection) as queries:
            page = rektor.get(url).content.decode()
        selected = [q["sql"].split(" FROM ")[0] for q in queries.captured_queries]
        assert not any('"pdf"' in columns for columns in selected)
        return page, len(queries.captured_queries)

    _closed(grading)
    rektor = login_with_two_factor(grading.rektor)
    page, two = finished_run_page(grading.period, "Terminsbetyg")
    assert "2 av 2 klara" in page
    final = grading_period_open(
        actor=grading.actor(grading.rektor),
        organisation=grading.school,
        kind="Slutbetyg",
        semester=grading.period.semester,
        year=grading.period.year,
    )
    pupils = [*grading.day.pupils]
    for _ in range(12 - len(pupils)):
        pupil = f.PupilFactory()
        f.EnrolmentFactory(person=pupil, enroled_at=grading.school, school_year=9)
        f.MembershipFactory(person=pupil, group=grading.day.group, start_date=date(2026, 1, 1))
        pupils.append(pupil)
    for pupil in pupils:
        grade_decide(
            actor=grading.actor(grading.teacher),
            kind="Satt",
            grade_value="B",
            student=pupil,
            syllabus=grading.syllabus,
            organisation=grading.school,
            period=final,
        )
    grading_period_close(actor=grading.actor(grading.rektor), period=final)
    page, twelve = finished_run_page(final, "Slutbetyg")
    assert f"{len(pupils)} av {len(pupils)} klara" in page
    assert "meritvärde 17,5 " in page
    assert twelve == two
