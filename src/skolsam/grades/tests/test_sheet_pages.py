"""The staff pages of grading, through HTTP: Maria's grade sheet for 7B mathematics, Jonas's
grades waiting for her co-signature, Anders's periods, progress, reminders and history.

The grading chapter (conftest): Alva, Hugo and Saga in 7B, year 9; Maria licensed for
mathematics 7-9, Jonas teaching beside her without a licence, Ingrid teaching 7A,
Anders rektor with the autumn term's period open.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from skolsam.audit.models import AuditEntry
from skolsam.core.choices import SecurityMarking
from skolsam.grades.models import Grade, GradingPeriod, PendingGrade
from skolsam.grades.services import grade_sheet_save
from skolsam.grades.services.sheets import SheetEntry
from skolsam.testing import factories as f
from skolsam.testing.story import build_day, login, login_with_two_factor

from .conftest import MATHS_7_9, licence, syllabus

pytestmark = pytest.mark.django_db


def _url(grading) -> str:
    return reverse("grades:sheet", args=[grading.period.pk, grading.activity.pk])


def _data(grading, values: dict, version: int = 0) -> dict:
    data = {"version": str(version)}
    for pupil, value in values.items():
        data[f"grade-{pupil.pk}"] = value
    return data


def test_maria_grades_7b_in_one_save_and_each_grade_is_audited(client, grading):
    alva, hugo, saga = grading.pupils
    login(client, grading.teacher)
    page = client.get(_url(grading))
    assert page.status_code == 200
    text = page.content.decode()
    assert text.count('class="gs-row"') == 3 and "frånvaro 0,0 %" in text
    saved = client.post(
        _url(grading),
        {**_data(grading, {alva: "A", hugo: "F", saga: ""}), f"remark-{alva.pk}": "Bra"},
    )
    assert saved.status_code == 302
    grades = {g.student_id: g for g in Grade.objects.current()}
    assert grades[alva.pk].grade_value == "A" and grades[alva.pk].remark == "Bra"
    assert grades[hugo.pk].grade_value == "F" and saga.pk not in grades
    assert grades[alva.pk].grading_teacher_id == grading.teacher.pk
    assert (
        grades[alva.pk].grading_teacher_licensed and grades[alva.pk].lineage == grades[alva.pk].pk
    )
    entries = AuditEntry.objects.filter(action="grades.decide")
    assert {e.person_id for e in entries} == {alva.pk, hugo.pk}
    # Saga next, from the saved version; Alva's grade stands (sent again unchanged).
    again = client.post(
        _url(grading), _data(grading, {saga: "–"}, version=1), HTTP_HX_REQUEST="true"
    )
    assert again.status_code == 200 and "1 betyg satta" in again.content.decode()
    assert Grade.objects.current().count() == 3


def test_a_stale_save_is_refused_and_shows_what_the_other_save_stored(client, grading):
    alva, hugo, _ = grading.pupils
    login(client, grading.teacher)
    client.post(_url(grading), _data(grading, {alva: "B"}))
    stale = client.post(
        _url(grading), _data(grading, {hugo: "C"}, version=0), HTTP_HX_REQUEST="true"
    )
    assert stale.status_code == 409
    text = stale.content.decode()
    assert "Någon annan har sparat betygslistan" in text and "<strong>B</strong>" in text
    assert not Grade.objects.filter(student=hugo).exists()


@pytest.mark.parametrize(
    ("value", "remark", "message"),
    [
        ("X", "", "X är inget giltigt betyg här"),
        ("A" * 100_000, "", "är inget giltigt betyg här"),
        ("A", "rad\x00två", "otillåtet tecken"),
        ("A", "x" * 5000, "för långt"),
        ("", "En anmärkning", "välj ett betyg, eller ta bort anmärkningen"),
    ],
)
def test_one_bad_row_saves_nothing_and_names_the_pupil(client, grading, value, remark, message):
    alva, hugo, _ = grading.pupils
    login(client, grading.teacher)
    data = _data(grading, {alva: "A", hugo: value})
    data[f"remark-{hugo.pk}"] = remark
    answer = client.post(_url(grading), data)
    assert answer.status_code == 400
    text = answer.content.decode()
    assert message in text and hugo.full_name in text
    assert not Grade.objects.exists()


@pytest.mark.parametrize(
    "data", [{"version": "x" * 1000}, {"version": "0", "grade-not-an-id": "A"}, {}]
)
def test_a_form_that_cannot_be_read_is_refused_clearly(client, grading, data):
    login(client, grading.teacher)
    answer = client.post(_url(grading), data)
    assert answer.status_code == 400 and "Listan kunde inte läsas" in answer.content.decode()
    assert not Grade.objects.exists()


def test_a_teacher_who_does_not_grade_the_group_gets_404(client, grading):
    login(client, grading.other_teacher)
    assert client.get(_url(grading)).status_code == 404
    assert client.post(_url(grading), _data(grading, {grading.alva: "A"})).status_code == 404
    rektor = login_with_two_factor(grading.rektor)
    assert rektor.get(_url(grading)).status_code == 404
    assert not Grade.objects.exists()


def test_a_protected_pupil_is_not_on_the_sheet_of_staff_not_named_for_her(client, grading):
    elsa = grading.pupils[2]
    elsa.security_marking = SecurityMarking.SKYDDAD_FOLKBOKFORING
    elsa.save(update_fields=["security_marking"])
    login(client, grading.teacher)
    text = client.get(_url(grading)).content.decode()
    assert text.count('class="gs-row"') == 2 and elsa.full_name not in text
    # A row posted for her anyway is refused, and nothing is saved.
    answer = client.post(_url(grading), _data(grading, {elsa: "A", grading.alva: "A"}))
    assert answer.status_code == 400 and not Grade.objects.exists()


def test_jonas_grades_wait_for_maria_who_co_signs_in_one_tap(client, grading):
    alva, hugo, _ = grading.pupils
    login(client, grading.unlicensed_teacher)
    page = client.get(_url(grading)).content.decode()
    assert "ingen lärarlegitimation" in page
    assert client.post(_url(grading), _data(grading, {alva: "C", hugo: "D"})).status_code == 302
    assert not Grade.objects.exists() and PendingGrade.objects.count() == 2
    proposed = AuditEntry.objects.filter(action="grades.propose")
    assert {e.person_id for e in proposed} == {alva.pk, hugo.pk}
    # He may change a waiting grade from the sheet.
    client.post(_url(grading), _data(grading, {hugo: "B"}, version=1))
    assert PendingGrade.objects.get(student=hugo).grade_value == "B"

    maria = f.UserFactory(person=grading.teacher)
    client.force_login(maria)
    listed = client.get(reverse("grades:co_sign_list")).content.decode()
    assert alva.full_name in listed and hugo.full_name in listed
    waiting = PendingGrade.objects.get(student=alva)
    assert client.post(reverse("grades:co_sign", args=[waiting.pk])).status_code == 302
    grade = Grade.objects.get(student=alva)
    assert grade.grading_teacher_id == grading.unlicensed_teacher.pk
    assert grade.co_signer_id == grading.teacher.pk and grade.co_signer_licensed
    assert not grade.grading_teacher_licensed
    decided = AuditEntry.objects.get(action="grades.decide", person_id=alva.pk)
    assert decided.detail["co_signer"] == str(grading.teacher.pk)
    waiting.refresh_from_db()
    assert waiting.decision_id == grade.pk and waiting.confirmed_by_id == grading.teacher.pk
    assert client.post(reverse("grades:co_sign", args=[waiting.pk])).status_code == 404
    # Ingrid (no licence for mathematics) sees nothing to co-sign and cannot.
    login(client, grading.other_teacher)
    hugos = PendingGrade.objects.get(student=hugo)
    assert hugo.full_name not in client.get(reverse("grades:co_sign_list")).content.decode()
    assert client.post(reverse("grades:co_sign", args=[hugos.pk])).status_code == 404


def test_the_rektor_opens_and_closes_a_period_and_another_rektor_cannot(client, grading):
    anders = login_with_two_factor(grading.rektor)
    url = reverse("grades:periods")
    assert anders.get(url).status_code == 200
    bad = anders.post(
        url,
        {
            "organisation": grading.school.pk,
            "kind": "Slutbetyg",
            "semester": "XX",
            "year": "9" * 50,
        },
    )
    assert bad.status_code == 400 and GradingPeriod.objects.count() == 1
    ok = anders.post(
        url,
        {
            "organisation": grading.school.pk,
            "kind": "Slutbetyg",
            "semester": "HT",
            "year": grading.period.year,
        },
    )
    assert ok.status_code == 302
    assert AuditEntry.objects.filter(action="grades.period_open").count() == 2
    other = build_day()
    other_rektor = login_with_two_factor(other.rektor)
    close = reverse("grades:period_close", args=[grading.period.pk])
    assert other_rektor.post(close).status_code == 404
    assert other_rektor.get(reverse("grades:progress", args=[grading.period.pk])).status_code == 404
    assert anders.post(close).status_code == 302
    grading.period.refresh_from_db()
    assert not grading.period.is_open
    login(client, grading.teacher)
    assert client.post(_url(grading), _data(grading, {grading.alva: "A"})).status_code == 400
    assert not Grade.objects.exists()


def test_progress_shows_missing_and_f_and_reminds_the_teachers_by_email(
    client, grading, django_capture_on_commit_callbacks
):
    alva, hugo, _ = grading.pupils
    grading.teacher.emails = [{"type": "Tjänst", "value": "maria@skola.se"}]
    grading.teacher.save(update_fields=["emails"])
    login(client, grading.teacher)
    client.post(_url(grading), _data(grading, {alva: "A", hugo: "F"}))
    anders = login_with_two_factor(grading.rektor)
    page = anders.get(reverse("grades:progress", args=[grading.period.pk])).content.decode()
    found = re.search(r"<tr><th scope=\"row\">7B Matematik.*?</tr>", page, re.S)
    assert found is not None
    row = found.group()
    assert "Maria" in row and f"{hugo.full_name} (F)" in row
    assert re.findall(r'<td class="num">(\d+)</td>', row) == ["3", "2", "0", "1"]
    with django_capture_on_commit_callbacks(execute=True):
        answer = anders.post(reverse("grades:remind", args=[grading.period.pk]), follow=True)
    assert answer.status_code == 200
    assert [m.to for m in mail.outbox] == [["maria@skola.se"]]
    assert "1 betyg saknas" in mail.outbox[0].body
    assert "Ingen e-postadress i registret" in answer.content.decode()  # Jonas has none
    assert AuditEntry.objects.filter(action="grades.remind").exists()


def test_the_progress_page_is_audited_under_the_pupils_it_names(client, grading):
    from skolsam.audit.models import AuditEntryPerson

    alva, hugo, saga = grading.pupils
    login(client, grading.teacher)
    client.post(_url(grading), _data(grading, {alva: "A", hugo: "F", saga: "–"}))
    anders = login_with_two_factor(grading.rektor)
    url = reverse("grades:progress", args=[grading.period.pk])
    page = anders.get(url).content.decode()
    assert f"{hugo.full_name} (F)" in page and f"{saga.full_name} (–)" in page
    entry = AuditEntry.objects.get(action="grades.view_progress")
    assert entry.object_type == "GradingPeriod" and entry.object_id == str(grading.period.pk)
    assert entry.detail == {"pupils_shown": 2}
    # Under Hugo and Saga, whom the page names; not under Alva, whose A it only counts.
    named = set(AuditEntryPerson.objects.filter(entry=entry).values_list("person_id", flat=True))
    assert named == {hugo.pk, saga.pk}
    # Another school's rektor gets the 404 of a missing period, and nothing is logged.
    other = login_with_two_factor(build_day().rektor)
    assert other.get(url).status_code == 404
    assert AuditEntry.objects.filter(action="grades.view_progress").count() == 1


def test_the_progress_page_names_no_protected_pupil_to_a_rektor_not_named_for_her(client, grading):
    from skolsam.audit.models import AuditEntryPerson

    alva, hugo, _saga = grading.pupils
    login(client, grading.teacher)
    client.post(_url(grading), _data(grading, {alva: "F", hugo: "F"}))
    hugo.security_marking = SecurityMarking.SKYDDAD_FOLKBOKFORING
    hugo.save(update_fields=["security_marking"])
    anders = login_with_two_factor(grading.rektor)
    page = anders.get(reverse("grades:progress", args=[grading.period.pk])).content.decode()
    assert f"{alva.full_name} (F)" in page and hugo.full_name not in page
    entry = AuditEntry.objects.get(action="grades.view_progress")
    named = set(AuditEntryPerson.objects.filter(entry=entry).values_list("person_id", flat=True))
    assert named == {alva.pk}


def test_the_history_is_the_rektors_to_see_and_the_read_is_audited(client, grading):
    login(client, grading.teacher)
    client.post(_url(grading), _data(grading, {grading.alva: "B"}))
    grade = Grade.objects.get()
    anders = login_with_two_factor(grading.rektor)
    url = reverse("grades:history", args=[grade.lineage])
    page = anders.get(url)
    assert page.status_code == 200 and "Betyg satt" in page.content.decode()
    entry = AuditEntry.objects.get(action="grades.view_history")
    assert entry.person_id == grading.alva.pk
    other = login_with_two_factor(build_day().rektor)
    assert other.get(url).status_code == 404
    login(client, grading.other_teacher)
    assert client.get(url).status_code == 404


def test_the_teachers_index_links_the_sheet_and_the_rektors_the_period(client, grading):
    login(client, grading.teacher)
    page = client.get(reverse("grades:index")).content.decode()
    assert _url(grading) in page
    assert reverse("grades:progress", args=[grading.period.pk]) not in page
    anders = login_with_two_factor(grading.rektor)
    rektors = anders.get(reverse("grades:index")).content.decode()
    assert reverse("grades:progress", args=[grading.period.pk]) in rektors
    assert reverse("grade_publication:publish") in rektors
    login(client, grading.other_teacher)
    assert _url(grading) not in client.get(reverse("grades:index")).content.decode()


def _graded_day(size: int):
    from skolsam.core.dates import today
    from skolsam.enrolment.models import Enrolment
    from skolsam.grades.services import grading_period_open

    from .conftest import Grading

    day = build_day(pupils=size)
    maths = syllabus("GR", "GRGRMAT01", "Matematik")
    day.activity.syllabus = maths
    day.activity.save(update_fields=["syllabus"])
    Enrolment.objects.filter(person__in=day.pupils).update(school_year=9)
    g = Grading(day=day, syllabus=maths, period=None, unlicensed_teacher=None)  # type: ignore[arg-type]
    licence(g, day.teacher, MATHS_7_9)
    g.period = grading_period_open(
        actor=g.actor(day.rektor),
        organisation=day.school,
        kind="Terminsbetyg",
        semester="HT",
        year=today().year,
    )
    return g


@pytest.mark.parametrize("size", [5, 30])
def test_a_save_costs_the_same_few_statements_whatever_the_group_size(client, size):
    g = _graded_day(size)
    day = g.day
    login(client, day.teacher)
    url = _url(g)
    client.get(url)
    values = ["A", "B", "C", "D", "E", "F"]
    data = _data(g, {p: values[i % 6] for i, p in enumerate(day.pupils)})
    with CaptureQueriesContext(connection) as ctx:
        saved = client.post(url, data, HTTP_HX_REQUEST="true")
    assert saved.status_code == 200, saved.content.decode()[:2000]
    assert Grade.objects.count() == size
    # The save (about 20) and the saved sheet read back (about 10).
    assert len(ctx.captured_queries) <= 36, "\n".join(q["sql"][:150] for q in ctx.captured_queries)
    with CaptureQueriesContext(connection) as page:
        assert client.get(url).status_code == 200
    assert len(page.captured_queries) <= 16, "\n".join(
        q["sql"][:150] for q in page.captured_queries
    )


@pytest.mark.parametrize("size", [5, 30])
def test_the_progress_page_costs_the_same_whatever_the_school_size(size):
    g = _graded_day(size)
    maria = Client()
    login(maria, g.day.teacher)
    maria.post(_url(g), _data(g, {p: "F" for p in g.day.pupils}))
    anders = login_with_two_factor(g.day.rektor)
    url = reverse("grades:progress", args=[g.period.pk])
    anders.get(url)
    with CaptureQueriesContext(connection) as ctx:
        page = anders.get(url)
    assert page.status_code == 200 and page.content.decode().count("(F)") == size
    # 14 reads, then the audit entry and its pupils: one INSERT each, however many.
    assert len(ctx.captured_queries) <= 16, "\n".join(q["sql"][:150] for q in ctx.captured_queries)


def test_the_service_refuses_a_term_grade_below_the_first_year(grading):
    from skolsam.enrolment.models import Enrolment

    Enrolment.objects.filter(person=grading.alva).update(school_year=5)
    from skolsam.core.errors import DomainError

    with pytest.raises(DomainError, match="Terminsbetyg sätts här från årskurs 6"):
        grade_sheet_save(
            actor=grading.actor(grading.teacher),
            period=grading.period,
            activity=grading.activity,
            version=0,
            entries=[SheetEntry(student_id=grading.alva.pk, grade_value="A")],
        )
    assert not Grade.objects.exists()
