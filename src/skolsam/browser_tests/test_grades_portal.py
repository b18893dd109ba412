"""Grades in the portal, in a real browser: Karin reads Alva's published grades and tries
the what-if merit calculator (htmx), in Swedish and in Arabic, at 375 px and on a desktop,
with axe-core's WCAG 2.1 A/AA rules."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from skolsam.accounts.actor import actor_for_person
from skolsam.browser_tests.checks import (
    DESKTOP,
    PHONE,
    assert_accessible,
    assert_fits_phone,
    expect,
    snapshot,
)
from skolsam.core.dates import today
from skolsam.curriculum.models import Syllabus
from skolsam.enrolment.models import Enrolment
from skolsam.grades.models import DecisionKind, GradingPeriodKind, Semester
from skolsam.grades.services import (
    grade_decide,
    grading_period_close,
    grading_period_open,
    grading_period_publish,
    teacher_licence_record,
)
from skolsam.people.models import Person
from skolsam.testing import factories as f
from skolsam.testing.story import build_day

if TYPE_CHECKING:
    from playwright.sync_api import Page


def _both_widths(page: Page, name: str) -> None:
    page.set_viewport_size(PHONE)
    assert_accessible(page)
    assert_fits_phone(page)
    page.set_viewport_size(DESKTOP)
    assert_accessible(page)
    snapshot(page, name)


def _alva_graded_and_published() -> Any:
    day = build_day()
    maths, _ = Syllabus.objects.get_or_create(
        school_type="GR",
        subject_code="GRGRMAT01",
        course_code="",
        defaults={"subject_name": "Matematik"},
    )
    day.activity.syllabus = maths
    day.activity.save(update_fields=["syllabus"])
    Enrolment.objects.filter(person__in=day.pupils).update(school_year=9)
    anders = actor_for_person(day.rektor.pk, on=today())
    teacher_licence_record(
        actor=anders,
        person=day.teacher,
        valid_from=date(2020, 1, 1),
        qualifications=[
            {
                "school_type": "GR",
                "subject_code": "GRGRMAT01",
                "school_year_from": 7,
                "school_year_to": 9,
            }
        ],
    )
    period = grading_period_open(
        actor=anders,
        organisation=day.school,
        kind=GradingPeriodKind.TERM,
        semester=Semester.HT,
        year=today().year,
    )
    grade_decide(
        actor=actor_for_person(day.teacher.pk, on=today()),
        kind=DecisionKind.SET,
        grade_value="B",
        student=day.pupils[0],
        syllabus=maths,
        organisation=day.school,
        period=period,
        group=day.group,
    )
    grading_period_close(actor=anders, period=period)
    grading_period_publish(actor=anders, period=period)
    return day


def test_a_guardian_reads_published_grades_and_tries_the_merit_calculator(
    page: Page, log_in: Any, db: Any
) -> None:
    day = _alva_graded_and_published()
    alva = day.pupils[0]
    log_in(f.UserFactory(person=day.guardian))
    page.goto(f"/portal/betyg/{alva.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Betyg för {alva.full_name}")
    expect(page.get_by_role("cell", name="B", exact=True)).to_be_visible()
    expect(page.locator("#merit-result")).to_contain_text("av högst 320")
    _both_widths(page, "portal-grades")
    # What if mathematics were an A, and one more subject a C?
    page.locator("select[name=v0]").select_option("A")
    page.locator("select[name=v1]").select_option("C")
    page.get_by_role("button", name="Räkna").click()
    expect(page.locator("#merit-result")).to_contain_text("35")
    _both_widths(page, "portal-grades-what-if")


def test_the_grade_pages_read_right_to_left_in_arabic_and_stay_accessible(
    page: Page, log_in: Any, db: Any
) -> None:
    day = _alva_graded_and_published()
    Person.objects.filter(pk=day.guardian.pk).update(language="ar")
    log_in(f.UserFactory(person=day.guardian))
    page.goto(f"/portal/betyg/{day.pupils[0].pk}/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.get_by_role("heading", level=2, name="الدرجات المنشورة")).to_be_visible()
    _both_widths(page, "portal-grades-arabic")
    page.goto("/portal/betyg/")
    # One child: straight to her grades.
    expect(page).to_have_url(f"/portal/betyg/{day.pupils[0].pk}/")
