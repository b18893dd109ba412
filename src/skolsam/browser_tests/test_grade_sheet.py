"""A teacher grades a group from the keyboard, at most two actions per pupil, and on a phone.

How the actions are counted: the page counts every trusted press of a pointer or a key
(pointerdown, keydown: the click a label or the Enter key makes is not another action) in
sessionStorage from when the sheet is shown until the saved sheet comes back. On a desktop
Maria clicks the first pupil's name (1), types a letter for each pupil, which sets the
grade and moves down the column (one per pupil), and presses Enter on the save button the
last letter moved her to (1): pupils + 2 actions, at most 2 per pupil.

The school is `skolsam.testing.story.build_day` with the grading chapter of
`grades/tests/conftest.py`: 7B in year 9, Maria licensed for mathematics, the autumn term's
term-grade period open.
"""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pytest
from django.urls import reverse

from skolsam.accounts.actor import actor_for_person
from skolsam.browser_tests.checks import PHONE, check_page, expect, htmx_swap
from skolsam.core.dates import today
from skolsam.enrolment.models import Enrolment
from skolsam.grades.models import Grade, GradingPeriodKind, Semester
from skolsam.grades.services import grading_period_open, teacher_licence_record
from skolsam.testing import factories as f
from skolsam.testing.story import build_day

if TYPE_CHECKING:
    from playwright.sync_api import Page

COUNT_ACTIONS = """
for (const kind of ["pointerdown", "keydown"]) {
  document.addEventListener(kind, (event) => {
    if (event.isTrusted) {
      sessionStorage.setItem("actions", String(Number(sessionStorage.getItem("actions") || 0) + 1));
    }
  }, true);
}
"""


@pytest.fixture
def grading(db: Any) -> Any:
    from skolsam.grades.tests.conftest import syllabus

    day = build_day(pupils=6)
    maths = syllabus("GR", "GRGRMAT01", "Matematik")
    day.activity.syllabus = maths
    day.activity.save(update_fields=["syllabus"])
    Enrolment.objects.filter(person__in=day.pupils).update(school_year=9)
    rektor = actor_for_person(day.rektor.pk, on=today())
    teacher_licence_record(
        actor=rektor,
        person=day.teacher,
        valid_from=today().replace(year=2020, month=1, day=1),
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
        actor=rektor,
        organisation=day.school,
        kind=GradingPeriodKind.TERM,
        semester=Semester.HT,
        year=today().year,
    )
    user = f.UserFactory(person=day.teacher)
    url = reverse("grades:sheet", args=[period.pk, day.activity.pk])
    return SimpleNamespace(day=day, user=user, url=url)


def test_a_teacher_types_the_grades_down_the_column_in_two_actions_per_pupil(
    page: Page, grading: Any, log_in: Any
) -> None:
    log_in(grading.user)
    page.add_init_script(COUNT_ACTIONS)
    page.goto(grading.url)
    expect(page.get_by_role("heading", level=1)).to_have_text("7B Matematik")
    check_page(page, "grade-sheet")
    page.evaluate("sessionStorage.setItem('actions', '0')")
    pupils = grading.day.pupils
    letters = "ABCDEF"
    # The pupil's name is the select's label: a click focuses it without opening the list.
    page.locator("label.gs-name").first.click()
    for letter in letters[: len(pupils)]:
        page.keyboard.press(letter.lower())
    expect(page.get_by_role("button", name=re.compile("Spara betygen"))).to_be_focused()
    htmx_swap(page, lambda: page.keyboard.press("Enter"))
    expect(page.locator("#sheet-status")).to_contain_text("6 betyg satta")
    actions = int(page.evaluate("Number(sessionStorage.getItem('actions') || 0)"))
    assert actions == len(pupils) + 2 and actions <= 2 * len(pupils)
    got = dict(Grade.objects.values_list("student_id", "grade_value"))
    assert got == {p.pk: letters[i] for i, p in enumerate(pupils)}
    check_page(page, "grade-sheet-saved")


def test_a_teacher_grades_on_a_phone_with_the_selects(
    page: Page, grading: Any, log_in: Any
) -> None:
    log_in(grading.user)
    page.set_viewport_size(PHONE)
    page.goto(grading.url)
    alva = grading.day.pupils[0]
    page.get_by_role("combobox", name=alva.full_name).select_option("C")
    page.get_by_role("textbox", name=f"Anmärkning {alva.full_name}").fill("Muntlig redovisning")
    htmx_swap(page, lambda: page.get_by_role("button", name=re.compile("Spara betygen")).click())
    expect(page.locator("#sheet-status")).to_contain_text("1 betyg satta")
    grade = Grade.objects.get()
    assert (grade.grade_value, grade.remark) == ("C", "Muntlig redovisning")
    check_page(page, "grade-sheet-phone")
