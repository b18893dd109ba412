"""Warnings of F and grade statistics, through HTTP and the services.

The grading chapter (conftest): Alva, Hugo and Saga in 7B, year 9; Maria licensed for
mathematics and grading 7B; Lars mentors 7B; Anders is rektor; Ingrid teaches 7A; Karin is
Alva's guardian.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from skolsam.audit.models import AuditEntry
from skolsam.core.choices import SecurityMarking
from skolsam.core.errors import DomainError
from skolsam.grades.models import GradeWarning
from skolsam.grades.rules import DASH
from skolsam.grades.services import grade_sheet_save
from skolsam.grades.services.sheets import SheetEntry
from skolsam.grades.services.warnings import grade_warning_send
from skolsam.grades.statistics import grade_statistics, sex_of
from skolsam.messaging.models import Category, Channel, Delivery, Message, Recipient
from skolsam.testing.story import login, login_with_two_factor

pytestmark = pytest.mark.django_db


def _warn_url(grading, pupil) -> str:
    return reverse("grades_stats:warn", args=[grading.activity.pk, pupil.pk])


def _protect(pupil) -> None:
    pupil.security_marking = SecurityMarking.SKYDDAD_FOLKBOKFORING
    pupil.save(update_fields=["security_marking"])


def _grade(grading, values: dict) -> None:
    grade_sheet_save(
        actor=grading.actor(grading.teacher),
        period=grading.period,
        activity=grading.activity,
        version=0,
        entries=[SheetEntry(student_id=p.pk, grade_value=v) for p, v in values.items()],
    )


def test_maria_warns_alva_from_the_sheet_and_the_notice_reaches_her_and_karin(client, grading):
    alva = grading.alva
    grading.guardian.language = "ar"
    grading.guardian.save(update_fields=["language"])
    login(client, grading.teacher)
    sheet = client.get(reverse("grades:sheet", args=[grading.period.pk, grading.activity.pk]))
    assert _warn_url(grading, alva) in sheet.content.decode()

    empty = client.post(_warn_url(grading, alva), {"measures": "  "})
    assert empty.status_code == 400 and not GradeWarning.objects.exists()
    assert not Message.objects.exists()

    sent = client.post(_warn_url(grading, alva), {"measures": "Extra stöd på tisdagar."})
    assert sent.status_code == 302
    warning = GradeWarning.objects.get()
    assert warning.student_id == alva.pk and warning.recipients == 2
    messages = {m.subject: m for m in Message.objects.all()}
    assert all(m.category == Category.STATUTORY for m in messages.values())
    swedish = messages["Risk för betyget F i Matematik"]
    arabic = next(m for s, m in messages.items() if s != swedish.subject)
    assert Recipient.objects.get(message=swedish).person_id == alva.pk
    assert Recipient.objects.get(message=arabic).person_id == grading.guardian.pk
    assert "Extra stöd på tisdagar." in arabic.body and "Matematik" not in arabic.subject[:4]
    for m in messages.values():
        # The notice names the pupil, subject and teacher, never the school or the class.
        assert "Scheeleskolan" not in m.body + m.audience_label and "7B" not in m.body
    # Karin has an e-mail address: the notice goes there too, in Arabic.
    karin_mail = Delivery.objects.get(person_id=grading.guardian.pk, channel=Channel.EMAIL)
    assert karin_mail.message_id == arabic.pk and karin_mail.address == "karin@example.se"
    audit = AuditEntry.objects.get(action="grades.warn")
    assert audit.person_id == alva.pk


def test_only_a_teacher_of_the_pupil_in_the_subject_may_warn(client, grading):
    alva = grading.alva
    for person in (grading.other_teacher, grading.mentor):
        login(client, person)
        assert client.get(_warn_url(grading, alva)).status_code == 404
        assert client.post(_warn_url(grading, alva), {"measures": "x"}).status_code == 404
    with pytest.raises(DomainError):
        grade_warning_send(
            actor=grading.actor(grading.rektor),
            student=alva,
            activity=grading.activity,
            measures="x",
        )
    assert not GradeWarning.objects.exists()


def test_rektor_and_mentor_see_the_warnings_others_do_not_and_protected_stay_hidden(
    client, grading
):
    alva, _, saga = grading.pupils
    actor = grading.actor(grading.teacher)
    grade_warning_send(actor=actor, student=alva, activity=grading.activity, measures="Stöd")
    grade_warning_send(actor=actor, student=saga, activity=grading.activity, measures="Läxhjälp")
    _protect(saga)
    # Maria is not named for Saga now: her page answers as for a missing pupil.
    login(client, grading.teacher)
    assert client.get(_warn_url(grading, saga)).status_code == 404
    url = reverse("grades_stats:warnings")
    for person in (grading.mentor,):
        login(client, person)
        page = client.get(url).content.decode()
        assert alva.full_name in page and saga.full_name not in page
    rektor = login_with_two_factor(grading.rektor)
    page = rektor.get(url).content.decode()
    assert alva.full_name in page and "Stöd" in page and saga.full_name not in page
    login(client, grading.other_teacher)
    assert alva.full_name not in client.get(url).content.decode()


def test_statistics_count_grades_by_subject_and_sex_and_export(client, grading):
    alva, hugo, saga = grading.pupils
    _grade(grading, {alva: "A", hugo: "F", saga: "C"})
    rektor = login_with_two_factor(grading.rektor)
    page = rektor.get(reverse("grades_stats:index"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Matematik (GRGRMAT01)" in text and "<svg" in text
    stats = grade_statistics(grading.actor(grading.rektor), "subject")
    (row,) = stats.rows
    assert row.counts == {"A": 1, "F": 1, "C": 1} and stats.values == ["A", "C", "F"]
    (year,) = stats.years
    assert year.pupils == 3 and year.passing == 2

    by_sex = grade_statistics(grading.actor(grading.rektor), "sex")
    expected: dict[str, int] = {}
    for p in (alva, hugo, saga):
        expected[sex_of(p.civic_no)] = expected.get(sex_of(p.civic_no), 0) + 1
    assert {r.key: r.total for r in by_sex.rows} == expected

    exported = rektor.get(reverse("grades_stats:index"), {"per": "subject", "format": "csv"})
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Ämne", "A", "C", "F", "Totalt"]
    assert rows[1] == ["Matematik (GRGRMAT01)", "1", "1", "1", "3"]
    xlsx = rektor.get(reverse("grades_stats:index"), {"format": "xlsx"})
    book = load_workbook(io.BytesIO(xlsx.content))
    assert [c.value for c in next(book.worksheets[0].iter_rows())] == rows[0]
    assert AuditEntry.objects.filter(action="grades.statistics").count() == 3

    assert rektor.get(reverse("grades_stats:index"), {"ar": "tjugo"}).status_code == 400
    login(client, grading.teacher)
    assert client.get(reverse("grades_stats:index")).status_code == 404


def test_a_protected_pupil_is_never_counted_for_a_rektor_not_named_for_her(grading):
    alva, hugo, saga = grading.pupils
    _grade(grading, {alva: "A", hugo: "B", saga: "F"})
    _protect(saga)
    actor = grading.actor(grading.rektor)
    for dimension in ("subject", "teacher", "group", "school", "sex", "year"):
        stats = grade_statistics(actor, dimension)
        assert sum(r.total for r in stats.rows) == 2, dimension
        assert "F" not in stats.values
    (year,) = grade_statistics(actor, "year").years
    assert year.pupils == 2 and year.passing == 2


def test_the_statistics_page_takes_the_same_queries_whatever_the_number_of_grades(grading):
    alva, hugo, saga = grading.pupils
    rektor = login_with_two_factor(grading.rektor)
    url = reverse("grades_stats:index")
    _grade(grading, {alva: "A"})
    rektor.get(url)
    with CaptureQueriesContext(connection) as one:
        assert rektor.get(url, {"per": "teacher"}).status_code == 200
    grading.period.refresh_from_db()
    grade_sheet_save(
        actor=grading.actor(grading.teacher),
        period=grading.period,
        activity=grading.activity,
        version=1,
        entries=[
            SheetEntry(student_id=hugo.pk, grade_value="B"),
            SheetEntry(student_id=saga.pk, grade_value="C"),
        ],
    )
    with CaptureQueriesContext(connection) as three:
        assert rektor.get(url, {"per": "teacher"}).status_code == 200
    assert len(one.captured_queries) == len(three.captured_queries)


def test_maria_records_national_tests_and_anders_compares_them_with_the_grades(client, grading):
    from skolsam.core.dates import today
    from skolsam.grades.models import NationalTestResult

    alva, hugo, saga = grading.pupils
    year = today().year
    _grade(grading, {alva: "A", hugo: "C", saga: "E"})
    url = reverse("grades_stats:national_tests", args=[grading.activity.pk])
    login(client, grading.teacher)
    assert url in client.get(reverse("grades_stats:warnings")).content.decode()
    bad = client.post(url, {"year": year, f"result-{alva.pk}": "A", f"result-{hugo.pk}": "X"})
    assert bad.status_code == 400 and "resultatet ska vara A–F" in bad.content.decode()
    assert not NationalTestResult.objects.exists()
    saved = client.post(
        url,
        {
            "year": year,
            f"result-{alva.pk}": "B",
            f"result-{hugo.pk}": "C",
            f"result-{saga.pk}": "D",
        },
    )
    assert saved.status_code == 302 and NationalTestResult.objects.count() == 3
    client.post(url, {"year": year, "part": "Delprov A", f"result-{alva.pk}": "A"})
    assert NationalTestResult.objects.count() == 4
    assert AuditEntry.objects.filter(action="grades.national_test", person_id=alva.pk).count() == 2
    # Another teacher cannot open Maria's activity.
    login(client, grading.other_teacher)
    assert client.get(url).status_code == 404

    rektor = login_with_two_factor(grading.rektor)
    page = rektor.get(reverse("grades_stats:comparison")).content.decode()
    assert "Matematik" in page
    (row,) = grade_statistics_comparison(grading)
    # Alva A over B: higher; Hugo C = C; Saga E under D: lower (the part is not compared).
    assert (row.higher, row.equal, row.lower) == (1, 1, 1)
    _protect(saga)
    (row,) = grade_statistics_comparison(grading)
    assert row.total == 2


def grade_statistics_comparison(grading):
    from skolsam.grades.statistics import national_test_comparison

    return national_test_comparison(grading.actor(grading.rektor))


def test_the_average_meritvarde_counts_year_nines_final_grades(client, grading):
    from decimal import Decimal

    from skolsam.core.dates import today
    from skolsam.grades.models import GradingPeriodKind, Semester
    from skolsam.grades.services import grading_period_open

    alva, hugo, saga = grading.pupils
    _grade(grading, {alva: "F", hugo: "F", saga: "F"})  # term grades: not in the meritvärde
    final = grading_period_open(
        actor=grading.actor(grading.rektor),
        organisation=grading.school,
        kind=GradingPeriodKind.FINAL,
        semester=Semester.HT,
        year=today().year,
    )
    grade_sheet_save(
        actor=grading.actor(grading.teacher),
        period=final,
        activity=grading.activity,
        version=0,
        entries=[
            SheetEntry(student_id=alva.pk, grade_value="A"),
            SheetEntry(student_id=hugo.pk, grade_value="C"),
            SheetEntry(student_id=saga.pk, grade_value=DASH),
        ],
    )
    (year,) = grade_statistics(grading.actor(grading.rektor), "subject").years
    # 20 + 15 + 0 over three pupils, one decimal.
    assert year.merit_pupils == 3 and year.merit_average == Decimal("11.7")
    assert year.passing == 0
    rektor = login_with_two_factor(grading.rektor)
    index = rektor.get(reverse("grades:index")).content.decode()
    assert f'href="{reverse("grades_stats:index")}"' in index
    assert "11.7" in rektor.get(reverse("grades_stats:index")).content.decode().replace(",", ".")
    login(client, grading.teacher)
    index = client.get(reverse("grades:index")).content.decode()
    assert reverse("grades_stats:warnings") in index
    assert f'href="{reverse("grades_stats:index")}"' not in index


def test_the_warnings_and_comparison_pages_take_the_same_queries_for_more_rows(grading):
    from skolsam.core.dates import today
    from skolsam.grades.services.national_tests import national_tests_record

    alva, hugo, saga = grading.pupils
    teacher = grading.actor(grading.teacher)
    rektor = login_with_two_factor(grading.rektor)
    _grade(grading, {alva: "A", hugo: "B", saga: "C"})

    def counted(url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert rektor.get(url).status_code == 200
        return len(queries.captured_queries)

    def add(pupil) -> None:
        grade_warning_send(actor=teacher, student=pupil, activity=grading.activity, measures="x")
        national_tests_record(
            actor=teacher,
            activity=grading.activity,
            year=today().year,
            part="",
            results={pupil.pk: "B"},
        )

    add(alva)
    rektor.get(reverse("grades_stats:warnings"))  # the session's first request builds the actor
    warnings, comparison = (
        counted(reverse("grades_stats:warnings")),
        counted(reverse("grades_stats:comparison")),
    )
    add(hugo)
    add(saga)
    assert counted(reverse("grades_stats:warnings")) == warnings
    assert counted(reverse("grades_stats:comparison")) == comparison
