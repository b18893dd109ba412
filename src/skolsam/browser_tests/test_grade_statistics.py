"""The rektor's grade statistics and the teacher's warning of F in a browser: both pass
axe-core (WCAG 2.1 A/AA) and fit a 375 px phone."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.urls import reverse

from skolsam.browser_tests.checks import check_page, expect
from skolsam.browser_tests.test_grade_sheet import grading  # noqa: F401  (the fixture)
from skolsam.grades.services import grade_sheet_save
from skolsam.grades.services.sheets import SheetEntry
from skolsam.grades.services.warnings import grade_warning_send
from skolsam.testing import factories as f

if TYPE_CHECKING:
    from playwright.sync_api import Page


def test_the_rektor_reads_the_grade_statistics_and_the_warnings(
    page: Page,
    grading: Any,  # noqa: F811
    log_in: Any,
) -> None:
    from skolsam.accounts.actor import actor_for_person
    from skolsam.core.dates import today
    from skolsam.grades.models import GradingPeriod

    day = grading.day
    teacher = actor_for_person(day.teacher.pk, on=today())
    grade_sheet_save(
        actor=teacher,
        period=GradingPeriod.objects.get(),
        activity=day.activity,
        version=0,
        entries=[
            SheetEntry(student_id=p.pk, grade_value=v)
            for p, v in zip(day.pupils, "ABCDEF", strict=True)
        ],
    )
    grade_warning_send(
        actor=teacher, student=day.pupils[5], activity=day.activity, measures="Extra stöd."
    )
    log_in(f.UserFactory(person=day.rektor))
    page.goto(reverse("grades_stats:index"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Betygsstatistik")
    expect(page.get_by_role("row", name="Matematik (GRGRMAT01)")).to_contain_text("6")
    check_page(page, "grade-statistics")
    page.goto(reverse("grades_stats:warnings"))
    expect(page.get_by_role("row", name=day.pupils[5].full_name)).to_contain_text("Extra stöd.")
    check_page(page, "grade-warnings")


def test_the_teacher_warns_of_f_from_the_sheet(
    page: Page,
    grading: Any,  # noqa: F811
    log_in: Any,
) -> None:
    log_in(grading.user)
    page.goto(grading.url)
    pupil = grading.day.pupils[0]
    page.get_by_role("link", name=f"Varna för F {pupil.full_name}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(pupil.full_name)
    check_page(page, "grade-warn")
    page.get_by_label("Det här gör skolan").fill("Läxhjälp två dagar i veckan.")
    page.get_by_role("button", name="Skicka varningen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Varningar för F")
    check_page(page, "grade-warnings-teacher")
