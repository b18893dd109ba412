"""Lars, Alva's mentor, documents and follows up her extra adaptations on his phone: bad
input is refused with a clear Swedish message and changes nothing; an evaluation
continues the adaptation to a new follow-up date or ends it; the active ones come first.
Reminders on the follow-up date go to whoever recorded it and to the mentor, once.

The school day (`build_day`): Alva, Hugo and Saga in 7B; Maria teaches them mathematics,
Lars mentors 7B, Anders is rektor, Ingrid teaches 7A.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail
from django.urls import reverse

from skolsam.audit.models import AuditEntry
from skolsam.core.choices import DutyRole, SecurityMarking
from skolsam.core.dates import today
from skolsam.core.errors import DomainError
from skolsam.messaging.models import Delivery, Message, Recipient
from skolsam.messaging.services.delivery import deliver_message
from skolsam.people.models import Person
from skolsam.pupil_documentation.models import Adaptation, AdaptationEvaluation, Outcome
from skolsam.pupil_documentation.services import (
    adaptation_evaluate,
    adaptation_record,
    adaptation_reminders_send,
)
from skolsam.testing import factories as f
from skolsam.testing.story import build_day, login, login_with_two_factor

pytestmark = pytest.mark.django_db

TODAY = today()


@pytest.fixture
def day():
    return build_day()


def _post(client, day, **fields):
    data = {
        "organisation": str(day.school.pk),
        "syllabus": "",
        "description": "Förlängd skrivtid.",
        "start_date": TODAY.isoformat(),
        "follow_up_date": (TODAY + timedelta(days=21)).isoformat(),
    }
    data.update(fields)
    return client.post(reverse("pupil_documentation:pupil", args=[day.pupils[0].pk]), data)


def _adapt(day, by=None, follow_up=None, start=None, text="Bildstöd."):
    return adaptation_record(
        actor=day.actor(by or day.mentor),
        student=day.pupils[0],
        organisation=day.school,
        syllabus=None,
        description=text,
        start_date=start or TODAY,
        follow_up_date=follow_up or TODAY + timedelta(days=21),
    )


def test_lars_records_an_adaptation_and_sees_it_on_alvas_page(client, day):
    login(client, day.mentor)
    answer = _post(client, day)
    assert answer.status_code == 302
    page = client.get(answer["Location"]).content.decode()
    assert "Förlängd skrivtid." in page and "Alla ämnen" in page
    adaptation = Adaptation.objects.get()
    assert adaptation.recorded_by_id == day.mentor.pk
    assert adaptation.retention_class == "gallras_2_ar"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"description": "   "}, "Skriv vad som anpassas."),
        ({"description": "Skrivtid\x00"}, "Null-tecken är inte tillåtna."),
        ({"description": "Skriv\x07tid"}, "otillåtet tecken (U+0007, ett styrtecken)"),
        ({"description": "Text \u202e omvänd"}, "riktningstecken"),
        ({"description": "x" * 2001}, "som mest 2000 tecken"),
        (
            {"follow_up_date": (TODAY - timedelta(days=1)).isoformat()},
            "Uppföljningen måste ligga efter startdatumet.",
        ),
        ({"follow_up_date": TODAY.isoformat()}, "Uppföljningen måste ligga efter startdatumet."),
        ({"start_date": "1899-01-01"}, "utanför de datum Skolsam hanterar"),
        ({"follow_up_date": "2999-01-01"}, "utanför de datum Skolsam hanterar"),
        ({"follow_up_date": "2026-02-30"}, "Fyll i ett giltigt datum."),
        ({"follow_up_date": ""}, "Ange när anpassningen ska följas upp."),
        ({"syllabus": "okänt"}, "Välj ett giltigt alternativ"),
        ({"organisation": "okänd"}, "Välj ett giltigt alternativ"),
    ],
)
def test_bad_input_is_refused_clearly_and_changes_nothing(client, day, fields, message):
    login(client, day.mentor)
    before = AuditEntry.objects.filter(action="adaptation.record").count()
    answer = _post(client, day, **fields)
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert not Adaptation.objects.exists()
    assert AuditEntry.objects.filter(action="adaptation.record").count() == before


def test_a_subject_the_pupil_does_not_study_is_refused(day):
    from skolsam.curriculum.models import Syllabus

    other = Syllabus.objects.create(
        school_type="GR", subject_code="GRGRMUS01", subject_name="Musik"
    )
    with pytest.raises(DomainError, match="läser inte ämnet"):
        adaptation_record(
            actor=day.actor(day.mentor),
            student=day.pupils[0],
            organisation=day.school,
            syllabus=other,
            description="Hörselkåpor.",
            start_date=TODAY,
            follow_up_date=TODAY + timedelta(days=7),
        )
    assert not Adaptation.objects.exists()


def test_an_evaluation_continues_to_a_new_date_or_ends_and_the_active_come_first(client, day):
    first = _adapt(day, text="Först dokumenterad.")
    second = _adapt(day, text="Sedan dokumenterad.", follow_up=TODAY + timedelta(days=40))
    login(client, day.mentor)
    url = reverse("pupil_documentation:adaptation", args=[first.pk])
    refused = client.post(
        url,
        {"evaluated_on": TODAY.isoformat(), "effect": "Bättre.", "outcome": Outcome.CONTINUE},
    )
    assert refused.status_code == 400
    assert "Ange när anpassningen ska följas upp nästa gång." in refused.content.decode()
    early = client.post(
        url,
        {
            "evaluated_on": TODAY.isoformat(),
            "effect": "Bättre.",
            "outcome": Outcome.CONTINUE,
            "next_follow_up": TODAY.isoformat(),
        },
    )
    assert "Nästa uppföljning måste ligga efter utvärderingen." in early.content.decode()
    future = client.post(
        url,
        {
            "evaluated_on": (TODAY + timedelta(days=2)).isoformat(),
            "effect": "?",
            "outcome": "avslutas",
        },
    )
    assert "Utvärderingen kan inte ligga i framtiden." in future.content.decode()
    assert not AdaptationEvaluation.objects.exists()

    later = TODAY + timedelta(days=60)
    continued = client.post(
        url,
        {
            "evaluated_on": TODAY.isoformat(),
            "effect": "Hinner nästan klart.",
            "outcome": Outcome.CONTINUE,
            "next_follow_up": later.isoformat(),
        },
    )
    assert continued.status_code == 302
    assert Adaptation.objects.get(pk=first.pk).follow_up_date == later
    ended = client.post(
        reverse("pupil_documentation:adaptation", args=[second.pk]),
        {"evaluated_on": TODAY.isoformat(), "effect": "Behövs inte.", "outcome": Outcome.END},
    )
    assert ended.status_code == 302
    assert Adaptation.objects.get(pk=second.pk).ended_at is not None
    again = client.post(
        reverse("pupil_documentation:adaptation", args=[second.pk]),
        {"evaluated_on": TODAY.isoformat(), "effect": "Igen.", "outcome": Outcome.END},
    )
    assert again.status_code == 400 and "redan avslutad" in again.content.decode()
    assert AdaptationEvaluation.objects.count() == 2

    page = client.get(reverse("pupil_documentation:pupil", args=[day.pupils[0].pk]))
    html = page.content.decode()
    assert html.index("Först dokumenterad.") < html.index("Sedan dokumenterad.")
    assert "Hinner nästan klart." in html and "Avslutad" in html


def test_the_pupil_page_costs_the_same_whatever_the_number_of_adaptations(
    client, day, django_assert_max_num_queries
):
    login(client, day.mentor)
    url = reverse("pupil_documentation:pupil", args=[day.pupils[0].pk])
    for i in range(2):
        adaptation_evaluate(
            actor=day.actor(day.mentor),
            adaptation=_adapt(day, text=f"Anpassning {i}"),
            evaluated_on=TODAY,
            effect="Bra.",
            outcome=Outcome.CONTINUE,
            next_follow_up=TODAY + timedelta(days=9),
        )
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(8):
        adaptation_evaluate(
            actor=day.actor(day.mentor),
            adaptation=_adapt(day, text=f"Fler {i}"),
            evaluated_on=TODAY,
            effect="Bra.",
            outcome=Outcome.END,
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url)
    assert page.content.decode().count("Fler ") == 8


# --- Reminders ----------------------------------------------------------------------------


def test_the_follow_up_date_reminds_the_recorder_and_the_mentor_once(day):
    Person.objects.filter(pk=day.mentor.pk).update(
        emails=[{"type": "Arbete", "value": "lars@skola.example"}]
    )
    adaptation = _adapt(day, by=day.teacher, follow_up=TODAY + timedelta(days=3))
    assert adaptation_reminders_send(on=TODAY + timedelta(days=2)) == 0
    assert not Message.objects.exists()
    due = TODAY + timedelta(days=3)
    assert adaptation_reminders_send(on=due) == 1
    message = Message.objects.get()
    reached = set(Recipient.objects.filter(message=message).values_list("person_id", flat=True))
    assert reached == {day.teacher.pk, day.mentor.pk}
    assert day.pupils[0].full_name in message.body
    assert "Bildstöd." not in message.body  # what is adapted stays in Skolsam
    deliver_message(message_id=message.pk)  # the task the commit enqueued
    assert [m.to for m in mail.outbox] == [["lars@skola.example"]]
    # Never twice: a second run, the same day or later, sends nothing.
    assert adaptation_reminders_send(on=due) == 0
    assert adaptation_reminders_send(on=due + timedelta(days=5)) == 0
    assert Message.objects.count() == 1
    assert AuditEntry.objects.filter(action="adaptation.remind").count() == 1
    # A continued adaptation's next follow-up date gets its own reminder.
    adaptation_evaluate(
        actor=day.actor(day.mentor),
        adaptation=Adaptation.objects.get(pk=adaptation.pk),
        evaluated_on=TODAY,
        effect="Fortsätter.",
        outcome=Outcome.CONTINUE,
        next_follow_up=TODAY + timedelta(days=30),
    )
    assert adaptation_reminders_send(on=TODAY + timedelta(days=30)) == 1
    assert Message.objects.count() == 2


def test_an_ended_adaptation_is_not_reminded_and_the_command_runs(day):
    from django.core.management import call_command

    adaptation = _adapt(day, follow_up=TODAY + timedelta(days=1))
    adaptation_evaluate(
        actor=day.actor(day.mentor),
        adaptation=adaptation,
        evaluated_on=TODAY,
        effect="Klart.",
        outcome=Outcome.END,
    )
    assert adaptation_reminders_send(on=TODAY + timedelta(days=1)) == 0
    _adapt(day, start=TODAY - timedelta(days=10), follow_up=TODAY - timedelta(days=1))
    call_command("send_adaptation_reminders")
    assert Message.objects.count() == 1


def test_a_protected_pupils_reminder_stays_inside_and_skips_staff_not_named_for_her(day):
    alva = day.pupils[0]
    Person.objects.filter(pk=day.mentor.pk).update(
        emails=[{"type": "Arbete", "value": "lars@skola.example"}]
    )
    adaptation = _adapt(day, by=day.rektor, follow_up=TODAY + timedelta(days=1))
    Person.objects.filter(pk=alva.pk).update(security_marking=SecurityMarking.SKYDDAD_FOLKBOKFORING)
    f.AuthorisationFactory(person=alva, staff=day.mentor, start_date=date(2026, 1, 1))
    assert adaptation_reminders_send(on=TODAY + timedelta(days=1)) == 1
    reached = set(Recipient.objects.values_list("person_id", flat=True))
    # Lars is named for her; Anders, who recorded it, is not any more able to see it.
    assert reached == {day.mentor.pk}
    assert not Delivery.objects.exists()  # nothing about her leaves Skolsam
    assert Adaptation.objects.get(pk=adaptation.pk).reminded_for == TODAY + timedelta(days=1)


def test_the_demo_function_records_alices_adaptations_through_the_services(day):
    from skolsam.pupil_documentation.demo import demo_adaptations_load

    named = {
        "special:elev": day.pupils[0].pk,
        "teaches:koping/centralskolan/8A/GRGRMAT01": day.teacher.pk,
        "mentor:koping/centralskolan/8A/1": day.mentor.pk,
        "kurator:koping/centralskolan": day.rektor.pk,  # the day has no kurator; the rektor may
    }
    assert demo_adaptations_load(named=named).adaptations == 3
    assert Adaptation.objects.filter(ended_at__isnull=True).count() == 2
    assert AdaptationEvaluation.objects.count() == 1
    assert demo_adaptations_load(named=named).adaptations == 0  # once


def test_the_mentors_class_page_links_each_pupils_adaptations_at_a_constant_cost(day):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from skolsam.core.choices import DutyRole
    from skolsam.testing.story import login_with_two_factor

    url = reverse("attendance:mentor", args=[day.group.pk])
    lars = Client()
    login(lars, day.mentor)
    with CaptureQueriesContext(connection) as three:
        html = lars.get(url).content.decode()
    for pupil in day.pupils:
        link = reverse("pupil_documentation:pupil", args=[pupil.pk])
        assert link in html
        assert lars.get(link).status_code == 200
    for _ in range(4):
        f.MembershipFactory(person=f.PupilFactory(), group=day.group, start_date=date(2026, 1, 1))
    with CaptureQueriesContext(connection) as seven:
        lars.get(url)
    assert len(seven.captured_queries) == len(three.captured_queries)
    # The skoladministratör sees the class's attendance, not its adaptations.
    eva = f.DutyFactory(
        duty_at=day.school, duty_role=DutyRole.SKOLADMINISTRATOR, person=f.PersonFactory()
    ).person
    page = login_with_two_factor(eva).get(url)
    assert page.status_code == 200
    assert "/anpassningar/elev/" not in page.content.decode()


def test_a_mentor_or_teacher_whose_assignment_ended_no_longer_reaches_the_adaptation(client, day):
    from skolsam.activities.models import ActivityTeacher
    from skolsam.duties.models import AssignmentRole

    adaptation = _adapt(day)
    url = reverse("pupil_documentation:adaptation", args=[adaptation.pk])
    login(client, day.mentor)
    assert client.get(url).status_code == 200
    AssignmentRole.objects.filter(duty__person=day.mentor).update(
        end_date=TODAY - timedelta(days=1)
    )
    assert client.get(url).status_code == 404
    login(client, day.teacher)
    assert client.get(url).status_code == 200
    ActivityTeacher.objects.filter(duty__person=day.teacher).update(
        end_date=TODAY - timedelta(days=1)
    )
    assert client.get(url).status_code == 404


def test_the_menus_elevstod_lists_the_units_or_tells_staff_who_see_none(client, day):
    """Every staff page's menu leads to the list; the mentor finds her school there, and
    the school's administrator, who sees no adaptations, an empty list, not an error."""
    url = reverse("pupil_documentation:index")
    login(client, day.mentor)
    page = client.get(url).content.decode()
    assert f'href="{url}"' in page  # the menu's link
    assert reverse("pupil_documentation:unit", args=[day.school.pk]) in page
    eva = f.DutyFactory(
        duty_at=day.school, duty_role=DutyRole.SKOLADMINISTRATOR, person=f.PersonFactory()
    ).person
    answer = login_with_two_factor(eva).get(url)
    assert answer.status_code == 200
    text = answer.content.decode()
    assert "Det finns ingen skolenhet där du ser elevers extra anpassningar." in text
    assert reverse("pupil_documentation:unit", args=[day.school.pk]) not in text
