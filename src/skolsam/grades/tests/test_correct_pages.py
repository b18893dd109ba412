"""An Ändring or a Rättelse from the grade's history page, through HTTP."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from skolsam.grades.models import Grade
from skolsam.grades.services import grade_decide
from skolsam.testing.story import login, login_with_two_factor

pytestmark = pytest.mark.django_db


def _set(grading, value="C"):
    return grade_decide(
        actor=grading.actor(grading.teacher),
        kind="Satt",
        grade_value=value,
        student=grading.alva,
        syllabus=grading.syllabus,
        organisation=grading.school,
        period=grading.period,
    )


def test_a_lowering_andring_is_refused_with_the_law_s_reason_and_nothing_saved(grading):
    grade = _set(grading, "C")
    teacher = Client()
    login(teacher, grading.teacher)
    url = reverse("grades:history", args=[grade.lineage])
    page = teacher.get(url).content.decode()
    assert "Ändra eller rätta betyget" in page
    assert '<option value="Rättelse"' not in page  # the rektor's alone
    response = teacher.post(
        reverse("grades:correct", args=[grade.lineage]),
        {"kind": "Ändring", "grade_value": "D", "reason": "Omprövat"},
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "Ett betyg får aldrig sänkas genom en ändring (skollagen 3 kap. 20 §)" in text
    assert Grade.objects.filter(lineage=grade.lineage).count() == 1
    # Raised, with a reason, it is a new decision; the first stands beside it.
    response = teacher.post(
        reverse("grades:correct", args=[grade.lineage]),
        {"kind": "Ändring", "grade_value": "B", "reason": "Ett prov var felrättat."},
    )
    assert response.status_code == 302
    versions = list(Grade.objects.filter(lineage=grade.lineage).order_by("version"))
    assert [(g.version, g.kind, g.grade_value) for g in versions] == [
        (1, "Satt", "C"),
        (2, "Ändring", "B"),
    ]


def test_only_the_rektor_rectifies_and_a_stranger_meets_a_missing_grade(grading):
    grade = _set(grading, "A")
    correct = reverse("grades:correct", args=[grade.lineage])
    teacher = Client()
    login(teacher, grading.teacher)
    refused = teacher.post(correct, {"kind": "Rättelse", "grade_value": "B", "reason": "Skrivfel"})
    assert refused.status_code == 400
    assert "Bara skolenhetens rektor kan rätta ett betyg" in refused.content.decode()
    rektor = login_with_two_factor(grading.rektor)
    done = rektor.post(correct, {"kind": "Rättelse", "grade_value": "B", "reason": "Skrivfel: B"})
    assert done.status_code == 302
    assert Grade.objects.current().get(lineage=grade.lineage).grade_value == "B"
    stranger = Client()
    login(stranger, grading.day.guardian)
    assert stranger.post(correct, {"kind": "Ändring", "grade_value": "A"}).status_code == 404
    assert stranger.get(reverse("grades:history", args=[grade.lineage])).status_code == 404


def test_garbage_is_refused_with_a_reason_and_saves_nothing(grading):
    grade = _set(grading, "C")
    teacher = Client()
    login(teacher, grading.teacher)
    correct = reverse("grades:correct", args=[grade.lineage])
    for data in (
        {"kind": "Radera", "grade_value": "A", "reason": "x"},
        {"kind": "Ändring", "grade_value": "Q", "reason": "x"},
        {"kind": "Ändring", "grade_value": "A", "reason": "a\x00b"},
        {"kind": "Ändring", "grade_value": "A", "reason": "x" * 100_000},
        {"kind": "Ändring", "grade_value": "A", "reason": ""},
    ):
        response = teacher.post(correct, data)
        assert response.status_code == 400, data
        assert 'role="alert"' in response.content.decode()
    assert Grade.objects.filter(lineage=grade.lineage).count() == 1
