"""Publication: grades reach pupils and guardians (and SS 12000 clients) only when the
rektor publishes the closed period; then every later decision shows at once."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from skolsam.audit.models import AuditEntry
from skolsam.core.changes import ChangeRecord
from skolsam.core.dates import today
from skolsam.core.errors import DomainError
from skolsam.core.policy import Action
from skolsam.grades.access import published_grade_policy
from skolsam.grades.models import DecisionKind, PublishedGrade
from skolsam.grades.services import grade_decide, grading_period_close, grading_period_publish
from skolsam.people.models import AdultConsent, Person
from skolsam.testing import factories as f
from skolsam.testing.story import login, login_with_two_factor

pytestmark = pytest.mark.django_db


def set_grade(grading, value, pupil=None):
    return grade_decide(
        actor=grading.actor(grading.teacher),
        kind=DecisionKind.SET,
        grade_value=value,
        student=pupil or grading.alva,
        syllabus=grading.syllabus,
        organisation=grading.school,
        period=grading.period,
        group=grading.group,
    )


def close_and_publish(grading):
    grading_period_close(actor=grading.actor(grading.rektor), period=grading.period)
    return grading_period_publish(actor=grading.actor(grading.rektor), period=grading.period)


def grades_page(client, person, pupil):
    user = get_user_model().objects.filter(person=person).first()
    if user is None:
        login(client, person)
    else:
        client.force_login(user)
    return client.get(f"/portal/betyg/{pupil.pk}/")


def test_nothing_is_shown_before_the_rektor_publishes_the_closed_period(grading, client):
    grade = set_grade(grading, "B")
    login(client, grading.guardian)
    page = client.get(f"/portal/betyg/{grading.alva.pk}/")
    assert page.status_code == 200
    assert "Inga betyg är publicerade ännu" in page.content.decode()
    assert not PublishedGrade.objects.exists()
    # The period is still open: the rektor cannot publish it yet.
    with pytest.raises(DomainError, match="Stäng betygsperioden"):
        grading_period_publish(actor=grading.actor(grading.rektor), period=grading.period)

    period = close_and_publish(grading)
    assert period.published_by == grading.rektor and period.is_published
    page = client.get(f"/portal/betyg/{grading.alva.pk}/")
    body = page.content.decode()
    assert "Matematik" in body and ">B<" in body.replace("<td>B", ">B<")
    published = PublishedGrade.objects.get()
    assert (published.pk, published.grade_id) == (grade.lineage, grade.pk)
    record = ChangeRecord.objects.filter(entity_type="Grade").get()
    assert record.entity_ids == [str(grade.lineage)]
    assert record.organisation_ids == [str(grading.school.pk)]
    entry = AuditEntry.objects.get(action="grades.publish")
    assert entry.object_id == str(grading.period.pk)


def test_only_the_rektor_publishes_and_only_once(grading):
    set_grade(grading, "C")
    grading_period_close(actor=grading.actor(grading.rektor), period=grading.period)
    for someone in (grading.teacher, grading.mentor, grading.guardian):
        with pytest.raises(DomainError, match="Bara skolenhetens rektor kan publicera"):
            grading_period_publish(actor=grading.actor(someone), period=grading.period)
    assert not PublishedGrade.objects.exists()
    grading_period_publish(actor=grading.actor(grading.rektor), period=grading.period)
    with pytest.raises(DomainError, match="redan publicerade"):
        grading_period_publish(actor=grading.actor(grading.rektor), period=grading.period)


def test_an_andring_after_publication_shows_at_once_and_is_recorded(grading, client):
    first = set_grade(grading, "D")
    close_and_publish(grading)
    before = PublishedGrade.objects.get().modified
    changed = grade_decide(
        actor=grading.actor(grading.teacher),
        kind=DecisionKind.ANDRING,
        grade_value="B",
        previous=first,
        reason="Ett prov var felrättat",
    )
    published = PublishedGrade.objects.get()
    assert (published.pk, published.grade_id) == (first.lineage, changed.pk)
    assert published.modified > before
    assert ChangeRecord.objects.filter(entity_type="Grade").count() == 2
    body = grades_page(client, grading.alva, grading.alva).content.decode()
    assert "<td>B</td>" in body and "<td>D</td>" not in body


def test_guardians_see_only_their_own_children_and_never_after_custody_ended(grading, client):
    set_grade(grading, "A")
    set_grade(grading, "E", pupil=grading.pupils[1])
    close_and_publish(grading)
    karin = grading.guardian
    assert grades_page(client, karin, grading.alva).status_code == 200
    # Karin is not Hugo's guardian: his page answers like a missing one.
    assert grades_page(client, karin, grading.pupils[1]).status_code == 404
    # Johan's custody of Alva ended: nothing, not even the family page's link.
    johan = grading.former_guardian
    assert grades_page(client, johan, grading.alva).status_code == 404
    assert "Alva" not in client.get("/portal/betyg/").content.decode()
    # Another responsible adult (annan ansvarig) sees the child, not her records.
    mats = f.PersonFactory(given_name="Mats")
    f.ResponsibleFactory(person=grading.alva, responsible=mats, relation_type="Annan ansvarig")
    assert grades_page(client, mats, grading.alva).status_code == 404
    child_page = client.get(f"/portal/barn/{grading.alva.pk}/")
    assert child_page.status_code == 200
    # So the child's page offers Mats no "Betyg" tab, which Karin's has.
    grades_tab = f'href="/portal/betyg/{grading.alva.pk}/"'
    assert grades_tab not in child_page.content.decode()
    client.force_login(get_user_model().objects.get(person=karin))
    assert grades_tab in client.get(f"/portal/barn/{grading.alva.pk}/").content.decode()
    # Hugo sees his own grades, not Alva's.
    hugo = grading.pupils[1]
    own = grades_page(client, hugo, hugo)
    assert own.status_code == 200 and "<td>E</td>" in own.content.decode()
    assert client.get(f"/portal/betyg/{grading.alva.pk}/").status_code == 404
    assert list(published_grade_policy.objects(grading.actor(hugo), Action.VIEW)) == list(
        PublishedGrade.objects.filter(grade__student=hugo)
    )


def test_after_eighteen_a_guardian_sees_grades_only_with_the_pupil_s_consent(grading, client):
    set_grade(grading, "C")
    close_and_publish(grading)
    alva = grading.alva
    Person.objects.filter(pk=alva.pk).update(birth_date=date(today().year - 19, 1, 1))
    assert grades_page(client, grading.guardian, alva).status_code == 404
    AdultConsent.objects.create(
        pupil=alva,
        responsible=grading.guardian,
        category=Action.SEE_RECORDS.value,
        given_at=timezone.now(),
    )
    assert client.get(f"/portal/betyg/{alva.pk}/").status_code == 200


def test_the_what_if_calculator_starts_from_the_pupil_s_grades(grading, client):
    set_grade(grading, "B")
    close_and_publish(grading)
    page = grades_page(client, grading.alva, grading.alva)
    body = page.content.decode()
    assert '<option value="B" selected>B</option>' in body
    assert "Meritvärde: <strong>17,5</strong> av högst 320" in body or (
        "Meritvärde: <strong>17.5</strong> av högst 320" in body
    )
    # Row 0 is mathematics, rows 1-3 are for more subjects: A in mathematics, C in a
    # subject, and B in moderna språk as the 17th.
    answer = client.post(
        f"/portal/betyg/{grading.alva.pk}/",
        {
            "v0": "A",
            "k0": "subject",
            "v1": "C",
            "k1": "subject",
            "v2": "B",
            "k2": "modern_language_choice",
        },
        HTTP_HX_REQUEST="true",
    )
    assert answer.status_code == 200
    text = answer.content.decode()
    assert text.lstrip().startswith('<div id="merit-result"')
    assert "52,5" in text or "52.5" in text
    assert "av högst 340" in text


def test_the_calculator_refuses_a_value_that_is_not_a_grade_and_says_which(grading, client):
    set_grade(grading, "B")
    close_and_publish(grading)
    login(client, grading.alva)
    answer = client.post(f"/portal/betyg/{grading.alva.pk}/", {"v0": "G", "k0": "subject"})
    assert answer.status_code == 400
    assert "Välj ett betyg A–F, streck eller inget betyg för Matematik" in answer.content.decode()
    answer = client.post(f"/portal/betyg/{grading.alva.pk}/", {"v0": "A", "k0": "bästa"})
    assert answer.status_code == 400


def test_the_rektor_publishes_on_the_page_and_a_teacher_cannot_reach_it(grading):
    set_grade(grading, "A")
    grading_period_close(actor=grading.actor(grading.rektor), period=grading.period)
    rektor = login_with_two_factor(grading.rektor)
    page = rektor.get("/betyg/publicering/")
    assert page.status_code == 200 and "Publicera terminsbetyg" in page.content.decode()
    done = rektor.post("/betyg/publicering/", {"period": str(grading.period.pk)}, follow=True)
    assert "är publicerade" in done.content.decode()
    assert PublishedGrade.objects.count() == 1
    again = rektor.post("/betyg/publicering/", {"period": str(grading.period.pk)})
    assert again.status_code == 400
    assert rektor.post("/betyg/publicering/", {"period": "inte-ett-id"}).status_code == 404
    teacher = login_with_two_factor(grading.teacher)
    assert teacher.get("/betyg/publicering/").status_code == 404


def test_the_grade_page_costs_the_same_whatever_the_number_of_grades(grading, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from skolsam.grades.tests.conftest import syllabus

    set_grade(grading, "B")
    close_and_publish(grading)

    def cost() -> int:
        grades_page(client, grading.guardian, grading.alva)  # log in, warm the session
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/portal/betyg/{grading.alva.pk}/").status_code == 200
        return len(queries)

    one = cost()
    # Four more subjects, recorded from her earlier school (published with the decision).
    for code, name in (
        ("GRGRENG01", "Engelska"),
        ("GRGRSVE01", "Svenska"),
        ("GRGRBI01", "Biologi"),
        ("GRGRMLA01", "Moderna språk, spanska"),
    ):
        from skolsam.grades.models import GradeOrigin
        from skolsam.grades.services import grade_record_earlier

        grade_record_earlier(
            actor=grading.actor(grading.rektor),
            student=grading.alva,
            syllabus=syllabus("GR", code, name),
            organisation=grading.school,
            grade_value="C",
            semester="VT",
            year=today().year,
            origin=GradeOrigin.EARLIER_SCHOOL,
            origin_school="Kolbäcksskolan",
        )
    assert cost() == one
