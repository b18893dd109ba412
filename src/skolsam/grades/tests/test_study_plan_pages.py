"""A pupil's individual study plan on the staff page, through HTTP.

The grading story (conftest: Scheeleskolan, GR and GY; Anders rektor, Lars mentor of 7B,
Maria teaching 7B) with Alva and Saga moved to the gymnasieskola on the
Naturvetenskapsprogrammet: Stina, the school's studie- och yrkesvägledare, plans Alva's
courses; Saga has skyddad folkbokföring and Stina is named for her, Anders is not.
GY11's Svenska 1 and GY25's Matematik nivå 1 stand side by side.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from skolsam.audit.models import AuditEntry
from skolsam.core.choices import DutyRole, ProgrammeType, SchoolType, SecurityMarking
from skolsam.core.errors import DomainError
from skolsam.curriculum.models import Programme, Syllabus
from skolsam.enrolment.models import Enrolment
from skolsam.grades.models import StudyPlan, StudyPlanContentType, StudyPlanCourse
from skolsam.grades.services import (
    grade_record_earlier,
    study_plan_course_add,
    study_plan_details_set,
)
from skolsam.testing import factories as f
from skolsam.testing.story import cells, login, login_with_two_factor

pytestmark = pytest.mark.django_db

START, END = date(2026, 1, 1), date(2028, 6, 30)


def gy_syllabus(code: str, name: str, points: int | None, *, curriculum: str = "GY2011") -> Any:
    return Syllabus.objects.create(
        school_type=SchoolType.GY,
        subject_code=code[:3],
        subject_name=name,
        course_code=code,
        course_name=name,
        points=points,
        curriculum=curriculum,
    )


@dataclass
class Planning:
    grading: Any
    alva: Any
    saga: Any
    syv: Any
    na: Programme
    svenska: Syllabus  # GY11 course, 100 p
    matte: Syllabus  # GY25 subject level, 100 p
    engelska: Syllabus  # GY11 course, 100 p

    def url(self, pupil: Any) -> str:
        return reverse("grades:study_plan", args=[pupil.pk, self.grading.school.pk])

    def actor(self, person: Any) -> Any:
        return self.grading.actor(person)


@pytest.fixture
def planning(grading: Any) -> Planning:
    alva, saga = grading.pupils[0], grading.pupils[2]
    na = Programme.objects.create(
        name="Naturvetenskapsprogrammet",
        type=ProgrammeType.HOGSKOLEFORBEREDANDE,
        school_type="GY",
        code="NA",
    )
    Enrolment.objects.filter(person__in=[alva, saga]).update(
        school_type=SchoolType.GY, school_year=1, programme=na
    )
    saga.security_marking = SecurityMarking.SKYDDAD_FOLKBOKFORING
    saga.save(update_fields=["security_marking"])
    syv = f.DutyFactory(
        duty_at=grading.school, duty_role=DutyRole.SYV, person=f.PersonFactory(given_name="Stina")
    ).person
    f.AuthorisationFactory(person=saga, staff=syv, reason="Elevens studie- och yrkesvägledare")
    return Planning(
        grading=grading,
        alva=alva,
        saga=saga,
        syv=syv,
        na=na,
        svenska=gy_syllabus("SVESVE01", "Svenska 1", 100),
        matte=gy_syllabus("MATNIV1", "Matematik nivå 1", 100, curriculum="GY2025"),
        engelska=gy_syllabus("ENGENG05", "Engelska 5", 100),
    )


def plan_for(p: Planning, pupil: Any, *syllabuses: Any) -> StudyPlan:
    """Set a plan as the SYV, through the services: start, end, programme, then courses."""
    actor = p.actor(p.syv)
    enrolment = Enrolment.objects.select_related("person", "enroled_at").get(person=pupil)
    plan = study_plan_details_set(
        actor=actor, enrolment=enrolment, start_date=START, end_date=END, programme=p.na
    )
    for s in syllabuses:
        study_plan_course_add(
            actor=actor,
            enrolment=enrolment,
            plan=plan,
            content_type=StudyPlanContentType.GYMNASIEGEMENSAMMA,
            code=s.course_code,
            term="HT2026",
        )
    return plan


def test_the_syv_creates_a_plan_adds_gy11_and_gy25_beside_each_other_and_sees_the_points(
    planning: Planning,
) -> None:
    p = planning
    rektor = p.actor(p.grading.rektor)
    grade_record_earlier(
        actor=rektor,
        student=p.alva,
        syllabus=p.svenska,
        organisation=p.grading.school,
        grade_value="C",
        semester="VT",
        year=2026,
        origin="Tidigare skola",
        origin_school="Kungsörs gymnasium",
    )
    grade_record_earlier(
        actor=rektor,
        student=p.alva,
        syllabus=p.engelska,
        organisation=p.grading.school,
        grade_value="F",
        semester="VT",
        year=2026,
        origin="Tidigare skola",
        origin_school="Kungsörs gymnasium",
    )
    syv = login_with_two_factor(p.syv)
    url = p.url(p.alva)
    first = syv.get(url).content.decode()
    assert "Eleven har ingen studieplan vid skolenheten ännu." in first
    assert "Skapa studieplanen" in first
    created = syv.post(
        url,
        {
            "action": "details",
            "programme": str(p.na.pk),
            "start_date": "2026-01-01",
            "end_date": "2028-06-30",
        },
    )
    assert created.status_code == 302
    plan = StudyPlan.objects.get(student=p.alva, organisation=p.grading.school)
    assert (plan.start_date, plan.end_date, plan.programme_id) == (START, END, p.na.pk)
    for code, heading, term, points in (
        ("SVESVE01", "Gymnasiegemensamma", "VT2026", ""),
        ("matniv1", "Gymnasiegemensamma", "HT2026", ""),
        ("ENGENG05", "Programgemensamma", "VT2027", "50"),
    ):
        added = syv.post(
            url,
            {
                "action": "add",
                "code": code,
                "content_type": heading,
                "term": term,
                "points": points,
            },
        )
        assert added.status_code == 302, added.content.decode()
    page = syv.get(url).content.decode()
    assert cells(page, "Svenska 1") == [
        "Svenska 1 SVESVE01",
        "Kurs (GY11)",
        "100",
        "VT 2026",
        "C Historik VT2026",
        "Ta bort Svenska 1",
    ]
    assert cells(page, "Matematik nivå 1")[1:4] == ["Ämne (GY25)", "100", "HT 2026"]
    assert cells(page, "Matematik nivå 1")[4] == "–"
    assert cells(page, "Engelska 5")[1:5] == ["Kurs (GY11)", "50", "VT 2027", "F Historik VT2026"]
    # Done: Svenska 1's 100 (C); F gives nothing. Planned: 100 + 100 + 50.
    assert "100 av 250 klara" in page
    assert "Naturvetenskapsprogrammet" in page
    actions = list(
        AuditEntry.objects.filter(person_id=p.alva.pk, action__startswith="grades.study_plan")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions.count("grades.study_plan_details") == 1
    assert actions.count("grades.study_plan_course_add") == 3
    assert actions.count("grades.study_plan_view") == 2  # the two GETs


def test_a_course_is_removed_and_the_removal_is_audited(planning: Planning) -> None:
    p = planning
    plan = plan_for(p, p.alva, p.svenska, p.matte)
    course = StudyPlanCourse.objects.get(study_plan=plan, syllabus=p.matte)
    rektor = login_with_two_factor(p.grading.rektor)
    response = rektor.post(p.url(p.alva), {"action": "remove", "course": str(course.pk)})
    assert response.status_code == 302
    assert list(plan.courses.values_list("syllabus_id", flat=True)) == [p.svenska.pk]
    entry = AuditEntry.objects.get(action="grades.study_plan_course_remove")
    assert entry.person_id == p.alva.pk
    assert entry.changes["removed"][1] == "MATNIV1"


def test_an_htmx_change_answers_with_the_plan_part(planning: Planning) -> None:
    p = planning
    plan_for(p, p.alva)
    syv = login_with_two_factor(p.syv)
    response = syv.post(
        p.url(p.alva),
        {"action": "add", "code": "SVESVE01", "content_type": "Gymnasiegemensamma", "term": ""},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert '<div id="study-plan">' in text
    assert "<html" not in text
    assert "Svenska 1 är tillagd i studieplanen." in text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"action": "add", "code": "XYZ99", "content_type": "Gymnasiegemensamma"},
            "Det finns ingen kurs eller ämne med koden XYZ99.",
        ),
        (
            {"action": "add", "code": "GRGRMAT01", "content_type": "Gymnasiegemensamma"},
            "Matematik (GRGRMAT01) hör till skolformen Grundskola, inte till Gymnasieskola som eleven går i.",
        ),
        (
            {"action": "add", "code": "SVESVE01", "content_type": "Gymnasiegemensamma"},
            "Svenska 1 står redan i studieplanen.",
        ),
        (
            {"action": "add", "code": "SVE", "content_type": "Gymnasiegemensamma"},
            "Svenska är ett ämne i GY11, där betyg sätts per kurs: välj en av ämnets kurser.",
        ),
        (
            {"action": "add", "code": "ENGENG05", "content_type": "Okänd"},
            "Välj en rubrik i studieplanen.",
        ),
        (
            {
                "action": "add",
                "code": "ENGENG05",
                "content_type": "Individuellt val",
                "term": "HT2031",
            },
            "HT 2031 ligger utanför studieplanens tid (2026-01-01–2028-06-30).",
        ),
        (
            {
                "action": "add",
                "code": "ENGENG05",
                "content_type": "Individuellt val",
                "term": "höst",
            },
            "Välj en termin, till exempel HT2026.",
        ),
        (
            {
                "action": "add",
                "code": "ENGENG05",
                "content_type": "Individuellt val",
                "points": "-5",
            },
            "Poängen ska vara ett heltal, till exempel 100.",
        ),
        (
            {
                "action": "add",
                "code": "ENGENG05",
                "content_type": "Individuellt val",
                "points": "0",
            },
            "Poängen ska vara mellan 1 och 3000.",
        ),
        (
            {"action": "details", "start_date": "2028-01-01", "end_date": "2027-01-01"},
            "Slutdatum kan inte ligga före startdatum.",
        ),
        ({"action": "details", "start_date": "2026-02-30"}, "är inget giltigt datum"),
        (
            {"action": "details", "start_date": "1850-01-01"},
            "ligger utanför de datum Skolsam hanterar",
        ),
        ({"action": "details", "start_date": ""}, "Ange när studieplanen börjar."),
        (
            {"action": "details", "start_date": "2027-01-01"},
            "Svenska 1 är planerad utanför den nya tiden. Flytta eller ta bort den först.",
        ),
        (
            {"action": "details", "start_date": "2026-01-01", "programme": "inte-ett-id"},
            "Välj ett program ur listan.",
        ),
        (
            {"action": "remove", "course": "999999"},
            "Kursen finns inte i studieplanen. Läs in sidan på nytt.",
        ),
        (
            {"action": "remove", "course": "x' OR 1=1"},
            "Kursen finns inte i studieplanen. Läs in sidan på nytt.",
        ),
        ({"action": "radera allt"}, "Formuläret kunde inte läsas. Läs in sidan på nytt."),
    ],
)
def test_bad_input_is_refused_with_a_swedish_reason_and_changes_nothing(
    planning: Planning, data: dict[str, str], message: str
) -> None:
    p = planning
    Syllabus.objects.create(
        school_type="GY", subject_code="SVE", subject_name="Svenska", curriculum="GY2011"
    )
    plan = plan_for(p, p.alva, p.svenska)
    before = (
        StudyPlan.objects.filter(pk=plan.pk).values("start_date", "end_date", "programme").get(),
        list(StudyPlanCourse.objects.values_list("pk", "syllabus_id", "points", "start_date")),
    )
    changes = AuditEntry.objects.exclude(action="grades.study_plan_view").count()
    syv = login_with_two_factor(p.syv)
    response = syv.post(p.url(p.alva), data)
    assert response.status_code == 400
    text = response.content.decode()
    assert "Inget ändrades. Något behöver rättas" in text
    assert message in text.replace("&#x27;", "'")
    after = (
        StudyPlan.objects.filter(pk=plan.pk).values("start_date", "end_date", "programme").get(),
        list(StudyPlanCourse.objects.values_list("pk", "syllabus_id", "points", "start_date")),
    )
    assert after == before
    assert AuditEntry.objects.exclude(action="grades.study_plan_view").count() == changes


def test_a_programme_of_another_school_form_is_refused_by_the_service(
    planning: Planning,
) -> None:
    p = planning
    other = Programme.objects.create(
        name="Introduktionsprogram", type=ProgrammeType.YRKESPROGRAM, school_type="GYS"
    )
    enrolment = Enrolment.objects.select_related("person", "enroled_at").get(person=p.alva)
    with pytest.raises(DomainError) as refused:
        study_plan_details_set(
            actor=p.actor(p.syv),
            enrolment=enrolment,
            start_date=START,
            end_date=None,
            programme=other,
        )
    assert "hör inte till skolformen Gymnasieskola som eleven går i" in str(refused.value)
    assert not StudyPlan.objects.exists()


def test_the_mentor_sees_the_plan_but_may_not_set_it(planning: Planning) -> None:
    p = planning
    plan_for(p, p.alva, p.svenska)
    mentor = Client()
    login(mentor, p.grading.mentor)
    page = mentor.get(p.url(p.alva))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Svenska 1" in text
    assert "Lägg till kurs eller ämne" not in text
    assert "Ta bort" not in text
    assert "Du ser bara betyg som du själv har satt" in text
    refused = mentor.post(
        p.url(p.alva), {"action": "add", "code": "ENGENG05", "content_type": "Individuellt val"}
    )
    assert refused.status_code == 404
    assert StudyPlanCourse.objects.count() == 1


def test_the_mentor_sees_no_plan_the_pupil_has_at_another_unit(planning: Planning) -> None:
    """Alva reads a course at another school too; its SYV sets a plan there. Her mentor at
    Scheeleskolan meets a missing page for it, and the list does not name it."""
    p = planning
    plan_for(p, p.alva, p.svenska)
    other = f.SchoolUnitFactory(parent=p.grading.school.parent)
    enrolment = f.EnrolmentFactory(
        person=p.alva, enroled_at=other, school_type=SchoolType.GY, school_year=1, programme=p.na
    )
    other_syv = f.DutyFactory(duty_at=other, duty_role=DutyRole.SYV).person
    study_plan_details_set(
        actor=p.actor(other_syv),
        enrolment=enrolment,
        start_date=START,
        end_date=END,
        programme=p.na,
    )
    assert StudyPlan.objects.filter(student=p.alva).count() == 2
    mentor = Client()
    login(mentor, p.grading.mentor)
    assert mentor.get(p.url(p.alva)).status_code == 200
    elsewhere = reverse("grades:study_plan", args=[p.alva.pk, other.pk])
    assert mentor.get(elsewhere).status_code == 404
    assert elsewhere not in mentor.get(reverse("grades:study_plans")).content.decode()
    # The other unit's SYV sees theirs.
    assert login_with_two_factor(other_syv).get(elsewhere).status_code == 200


def test_anyone_else_meets_a_missing_pupil(planning: Planning) -> None:
    p = planning
    plan_for(p, p.alva, p.svenska)
    url = p.url(p.alva)
    for person in (p.grading.teacher, p.grading.other_teacher, p.grading.guardian, p.alva):
        client = Client()
        login(client, person)
        assert client.get(url).status_code == 404, person.given_name
        assert client.post(url, {"action": "remove", "course": "1"}).status_code == 404
    # A rektor of another school, a pupil who is not in upper secondary (Hugo, year 9),
    # an unknown pupil and another unit: all the same 404.
    elsewhere = f.DutyFactory(duty_role=DutyRole.REKTOR).person
    assert login_with_two_factor(elsewhere).get(url).status_code == 404
    syv = login_with_two_factor(p.syv)
    hugo = p.grading.pupils[1]
    assert syv.get(p.url(hugo)).status_code == 404
    assert (
        syv.get(reverse("grades:study_plan", args=[p.syv.pk, p.grading.school.pk])).status_code
        == 404
    )
    other_unit = f.SchoolUnitFactory()
    assert syv.get(reverse("grades:study_plan", args=[p.alva.pk, other_unit.pk])).status_code == 404
    assert StudyPlanCourse.objects.count() == 1


def test_a_protected_pupil_s_plan_only_for_staff_named_for_her(planning: Planning) -> None:
    p = planning
    plan_for(p, p.saga, p.svenska)
    url = p.url(p.saga)
    rektor = login_with_two_factor(p.grading.rektor)
    assert rektor.get(url).status_code == 404
    assert rektor.post(url, {"action": "details", "start_date": "2026-01-01"}).status_code == 404
    mentor = Client()
    login(mentor, p.grading.mentor)
    assert mentor.get(url).status_code == 404
    syv = login_with_two_factor(p.syv)
    named = syv.get(url)
    assert named.status_code == 200
    assert "Svenska 1" in named.content.decode()
    assert (
        AuditEntry.objects.filter(action="grades.study_plan_view", person_id=p.saga.pk).count() == 1
    )


def test_the_history_page_links_an_upper_secondary_grade_to_the_study_plan(
    planning: Planning,
) -> None:
    p = planning
    plan_for(p, p.alva, p.svenska)
    grade = grade_record_earlier(
        actor=p.actor(p.grading.rektor),
        student=p.alva,
        syllabus=p.svenska,
        organisation=p.grading.school,
        grade_value="B",
        semester="VT",
        year=2026,
        origin="Tidigare skola",
        origin_school="Kungsörs gymnasium",
    )
    syv = login_with_two_factor(p.syv)
    history = syv.get(reverse("grades:history", args=[grade.lineage])).content.decode()
    assert f'href="{p.url(p.alva)}"' in history
    assert "Elevens studieplan" in history


@pytest.mark.parametrize("size", [3, 30])
def test_the_page_costs_the_same_queries_for_3_and_30_courses(
    planning: Planning, size: int, django_assert_max_num_queries: Any
) -> None:
    p = planning
    courses = [gy_syllabus(f"KURS{i:02d}", f"Kurs {i:02d}", 100) for i in range(size)]
    plan_for(p, p.alva, *courses)
    rektor = p.actor(p.grading.rektor)
    for s in courses[: size // 2]:
        grade_record_earlier(
            actor=rektor,
            student=p.alva,
            syllabus=s,
            organisation=p.grading.school,
            grade_value="E",
            semester="VT",
            year=2026,
            origin="Tidigare skola",
            origin_school="Kungsörs gymnasium",
        )
    syv = login_with_two_factor(p.syv)
    syv.get(p.url(p.alva))  # the session and the second factor settle
    with django_assert_max_num_queries(11):
        response = syv.get(p.url(p.alva))
    assert response.status_code == 200
    assert f"{(size // 2) * 100} av {size * 100} klara" in response.content.decode()


def test_the_list_leads_the_syv_and_the_mentor_to_their_pupils_plans(planning: Planning) -> None:
    p = planning
    plan_for(p, p.alva, p.svenska)
    syv = login_with_two_factor(p.syv)
    index = syv.get(reverse("grades:index")).content.decode()
    assert reverse("grades:study_plans") in index
    listing = syv.get(reverse("grades:study_plans")).content.decode()
    assert p.url(p.alva) in listing
    assert p.url(p.saga) in listing  # Stina is named for Saga
    assert p.url(p.grading.pupils[1]) not in listing  # Hugo is in grundskolan
    assert "Studieplan finns" in listing and "Ingen studieplan" in listing
    narrowed = syv.get(reverse("grades:study_plans"), {"q": p.saga.given_name}).content.decode()
    assert p.url(p.saga) in narrowed and p.url(p.alva) not in narrowed
    rektor = login_with_two_factor(p.grading.rektor)
    rektors = rektor.get(reverse("grades:study_plans")).content.decode()
    assert p.url(p.alva) in rektors
    assert p.url(p.saga) not in rektors and p.saga.full_name not in rektors
    mentor = Client()
    login(mentor, p.grading.mentor)
    mentors = mentor.get(reverse("grades:study_plans")).content.decode()
    assert p.url(p.alva) in mentors and p.url(p.saga) not in mentors
    teacher = Client()
    login(teacher, p.grading.teacher)
    assert (
        reverse("grades:study_plans") not in teacher.get(reverse("grades:index")).content.decode()
    )
    assert teacher.get(reverse("grades:study_plans")).status_code == 404


def test_the_list_costs_the_same_queries_however_many_pupils(
    planning: Planning, django_assert_max_num_queries: Any
) -> None:
    p = planning
    for i in range(25):
        pupil = f.PupilFactory(given_name=f"Elev{i}")
        f.EnrolmentFactory(
            person=pupil,
            enroled_at=p.grading.school,
            school_type="GY",
            programme=p.na,
            start_date=START,
        )
    syv = login_with_two_factor(p.syv)
    syv.get(reverse("grades:study_plans"))
    with django_assert_max_num_queries(9):
        response = syv.get(reverse("grades:study_plans"))
    assert response.content.decode().count('class="badge">Ingen studieplan') == 27
