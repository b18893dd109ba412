"""Special support at Scheeleskolan: Maria, who teaches Alva mathematics, reports to the
rektor that Alva may need special support; Anders, the rektor, is told (the notice names
Alva, not what Maria saw), opens an investigation and gives it to Sofia, the kurator, who
records a meeting with Alva and her guardian and a conclusion; Anders decides an action
programme, immutable, with the appeal information, and a later version supersedes it.
Lars, her mentor, sees the decided programme but cannot decide; Ingrid (7A), Karin her
guardian and Alva herself reach nothing, exactly like a missing page.

The school day (`build_day`): Alva, Hugo and Saga in 7B; Maria teaches them mathematics,
Lars mentors 7B, Anders is rektor, Ingrid teaches 7A.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from skolsam.audit.models import AuditEntry, AuditEntryPerson
from skolsam.core.choices import DutyRole, SecurityMarking
from skolsam.core.dates import today
from skolsam.core.errors import DomainError
from skolsam.core.policy import Action
from skolsam.messaging.models import Message, Recipient
from skolsam.people.models import Person
from skolsam.pupil_documentation.access import support_decision_policy, support_report_policy
from skolsam.pupil_documentation.models import (
    APPEAL_INFORMATION,
    DecisionKind,
    ImmutableDecisionError,
    InvestigationNote,
    SupportDecision,
    SupportInvestigation,
    SupportReport,
)
from skolsam.pupil_documentation.services.special_support import (
    support_decide,
    support_investigation_conclude,
    support_investigation_open,
    support_note_record,
    support_report,
)
from skolsam.testing import factories as f
from skolsam.testing.story import build_day, login, login_with_two_factor

pytestmark = pytest.mark.django_db

TODAY = today()
OBSERVED = "Alva hinner inte läsa klart uppgifterna trots förlängd skrivtid."


@pytest.fixture
def day():
    d = build_day()
    kurator = f.DutyFactory(
        duty_at=d.school, duty_role=DutyRole.KURATOR, person=f.PersonFactory(given_name="Sofia")
    )
    d.kurator = kurator.person  # type: ignore[attr-defined]  # Sofia, pupil health
    return d


def _report(day, by=None):
    return support_report(
        actor=day.actor(by or day.teacher),
        student=day.pupils[0],
        organisation=day.school,
        observation=OBSERVED,
        observed_on=TODAY,
    )


def _investigated(day, concluded=True):
    report = _report(day)
    support_investigation_open(actor=day.actor(day.rektor), report=report, assigned_to=day.kurator)
    support_note_record(
        actor=day.actor(day.kurator),
        report=report,
        held_on=TODAY,
        participants="Alva, Karin (vårdnadshavare), Sofia",
        text="Alva beskriver att texterna är för långa.",
    )
    if concluded:
        support_investigation_conclude(
            actor=day.actor(day.kurator),
            report=report,
            conclusion="Behov av särskilt stöd i läsning.",
        )
    return SupportReport.objects.get(pk=report.pk)


def _programme(day, report, **kw):
    fields: dict[str, Any] = {
        "kind": DecisionKind.PROGRAMME,
        "decided_on": TODAY,
        "needs": "Stöd i läsförståelse.",
        "measures": "Specialpedagog två gånger i veckan.",
        "responsible": "Maria (matematik), specialpedagog",
        "evaluation_dates": [TODAY + timedelta(days=60)],
    }
    fields.update(kw)
    return support_decide(actor=day.actor(day.rektor), report=report, **fields)


# --- The flow -----------------------------------------------------------------------------


def test_report_investigation_and_programme_through_the_pages(client, day):
    alva = day.pupils[0]
    login(client, day.teacher)
    adaptations = client.get(reverse("pupil_documentation:pupil", args=[alva.pk])).content.decode()
    form_url = reverse("pupil_documentation:support_pupil", args=[alva.pk])
    assert form_url in adaptations
    answer = client.post(
        form_url,
        {
            "organisation": str(day.school.pk),
            "observed_on": TODAY.isoformat(),
            "observation": OBSERVED,
        },
    )
    assert answer.status_code == 302
    report = SupportReport.objects.get()
    assert report.reported_by_id == day.teacher.pk and report.retention_class == "bevaras"
    # Anders is told, by name of the pupil, never what Maria saw.
    message = Message.objects.get()
    assert set(Recipient.objects.values_list("person_id", flat=True)) == {day.rektor.pk}
    assert alva.full_name in message.body and "långa" not in message.body
    assert OBSERVED not in message.body

    rektor = login_with_two_factor(day.rektor)
    unit = rektor.get(reverse("pupil_documentation:support_unit", args=[day.school.pk]))
    assert unit.status_code == 200 and alva.full_name in unit.content.decode()
    url = reverse("pupil_documentation:support_report", args=[report.pk])
    page = rektor.get(url).content.decode()
    assert OBSERVED in page and "Inled utredningen" in page
    assert rektor.post(url, {"step": "open", "assigned_to": str(day.kurator.pk)}).status_code == 302
    assert SupportInvestigation.objects.get().assigned_to_id == day.kurator.pk

    sofia = login_with_two_factor(day.kurator)
    assert (
        sofia.post(
            url,
            {
                "step": "note",
                "held_on": TODAY.isoformat(),
                "participants": "Alva, Karin",
                "text": "Samtal.",
            },
        ).status_code
        == 302
    )
    assert sofia.post(url, {"step": "conclude", "conclusion": "Behöver stöd."}).status_code == 302
    assert "Fatta beslutet" not in sofia.get(url).content.decode()

    answer = rektor.post(
        url,
        {
            "step": "decide",
            "kind": DecisionKind.PROGRAMME,
            "decided_on": TODAY.isoformat(),
            "needs": "Läsförståelse.",
            "measures": "Specialpedagog.",
            "responsible": "Maria",
            "evaluation_1": (TODAY + timedelta(days=30)).isoformat(),
            "guardians_notified_on": TODAY.isoformat(),
        },
    )
    assert answer.status_code == 302
    decision = SupportDecision.objects.get()
    assert decision.decided_by_id == day.rektor.pk and decision.version == 1
    assert decision.appeal_information == str(APPEAL_INFORMATION)
    printed = rektor.get(reverse("pupil_documentation:support_decision", args=[decision.pk]))
    text = printed.content.decode()
    assert "Skolväsendets överklagandenämnd" in text and "tre veckor" in text
    assert "Specialpedagog." in text and "Anders" in text
    # The decided programme leaves the unit's open list.
    unit = rektor.get(reverse("pupil_documentation:support_unit", args=[day.school.pk]))
    assert alva.full_name not in unit.content.decode()


def test_a_decision_not_to_make_a_programme_needs_its_reasons(day):
    report = _investigated(day)
    with pytest.raises(DomainError, match="varför inget åtgärdsprogram"):
        support_decide(
            actor=day.actor(day.rektor),
            report=report,
            kind=DecisionKind.NO_PROGRAMME,
            decided_on=TODAY,
        )
    decision = support_decide(
        actor=day.actor(day.rektor),
        report=report,
        kind=DecisionKind.NO_PROGRAMME,
        decided_on=TODAY,
        reasons="Extra anpassningar räcker.",
        measures="ignoreras",
    )
    assert decision.kind == DecisionKind.NO_PROGRAMME and decision.measures == ""
    assert "överklagandenämnd" in decision.appeal_information


def test_a_new_version_supersedes_and_the_decision_itself_never_changes(day):
    report = _investigated(day)
    first = _programme(day, report)
    second = _programme(day, report, guardians_notified_on=TODAY)
    assert second.version == 2 and second.supersedes_id == first.pk
    assert list(SupportDecision.objects.current()) == [second]
    first.measures = "Ändrat"
    with pytest.raises(ImmutableDecisionError):
        first.save()
    with pytest.raises(ImmutableDecisionError):
        first.delete()
    with pytest.raises(ImmutableDecisionError):
        SupportDecision.objects.filter(pk=first.pk).update(measures="Ändrat")
    with pytest.raises(ImmutableDecisionError):
        SupportDecision.objects.all().delete()
    assert (
        SupportDecision.objects.get(pk=first.pk).measures == "Specialpedagog två gånger i veckan."
    )


def test_only_the_units_rektor_decides_and_not_before_the_conclusion(client, day):
    report = _investigated(day, concluded=False)
    with pytest.raises(DomainError, match="slutsats"):
        _programme(day, report)
    support_investigation_conclude(actor=day.actor(day.kurator), report=report, conclusion="Klart.")
    for person in (day.mentor, day.teacher, day.kurator):
        with pytest.raises(DomainError, match="kan inte delegeras"):
            support_decide(
                actor=day.actor(person),
                report=report,
                kind=DecisionKind.NO_PROGRAMME,
                decided_on=TODAY,
                reasons="Inget behov.",
            )
        with pytest.raises(DomainError, match="Bara skolenhetens rektor"):
            support_investigation_open(actor=day.actor(person), report=report, assigned_to=person)
    # Nor through the page: Sofia, the investigator, gets no decision form and her post
    # changes nothing.
    sofia = login_with_two_factor(day.kurator)
    url = reverse("pupil_documentation:support_report", args=[report.pk])
    answer = sofia.post(url, {"step": "decide", "kind": DecisionKind.NO_PROGRAMME, "reasons": "x"})
    assert answer.status_code == 400
    assert "Det här steget går inte att göra nu." in answer.content.decode()
    # Another school's rektor decides nothing here either.
    other = f.DutyFactory(duty_role=DutyRole.REKTOR).person
    with pytest.raises(DomainError, match="kan inte delegeras"):
        support_decide(
            actor=day.actor(other),
            report=report,
            kind=DecisionKind.NO_PROGRAMME,
            decided_on=TODAY,
            reasons="x",
        )
    assert not SupportDecision.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"observation": "   "}, "Skriv vad du har sett"),
        ({"observation": "Text\x07"}, "otillåtet tecken"),
        ({"observation": "x" * 4001}, "som mest 4000 tecken"),
        ({"observed_on": (TODAY + timedelta(days=1)).isoformat()}, "kan inte ligga i framtiden"),
        ({"observed_on": "2026-02-30"}, "Ange ett giltigt datum."),
        ({"observed_on": ""}, "Ange när du såg det du anmäler."),
        ({"organisation": "okänd"}, "Välj en skolenhet där eleven går."),
    ],
)
def test_bad_report_input_is_refused_clearly_and_changes_nothing(client, day, fields, message):
    login(client, day.teacher)
    data = {
        "organisation": str(day.school.pk),
        "observed_on": TODAY.isoformat(),
        "observation": "Ok.",
    }
    data.update(fields)
    answer = client.post(
        reverse("pupil_documentation:support_pupil", args=[day.pupils[0].pk]), data
    )
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert not SupportReport.objects.exists() and not Message.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "annat"}, "Välj åtgärdsprogram eller beslut"),
        ({"measures": ""}, "Skriv vilka åtgärder"),
        ({"evaluation_1": ""}, "Ange minst ett datum för utvärdering."),
        ({"evaluation_1": TODAY.isoformat()}, "Utvärderingen måste ligga efter beslutsdatumet."),
        ({"decided_on": (TODAY + timedelta(days=2)).isoformat()}, "Beslutsdatumet kan inte ligga"),
        (
            {"guardians_notified_on": (TODAY - timedelta(days=1)).isoformat()},
            "kan inte ha underrättats före beslutet",
        ),
        ({"evaluation_2": "1899-01-01"}, "utanför de datum Skolsam hanterar"),
    ],
)
def test_bad_decision_input_is_refused_clearly_and_changes_nothing(day, fields, message):
    report = _investigated(day)
    rektor = login_with_two_factor(day.rektor)
    data = {
        "step": "decide",
        "kind": DecisionKind.PROGRAMME,
        "decided_on": TODAY.isoformat(),
        "needs": "Behov.",
        "measures": "Åtgärd.",
        "responsible": "Maria",
        "evaluation_1": (TODAY + timedelta(days=30)).isoformat(),
    }
    data.update(fields)
    answer = rektor.post(reverse("pupil_documentation:support_report", args=[report.pk]), data)
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert not SupportDecision.objects.exists()
    assert not AuditEntry.objects.filter(action="support.decide").exists()


def test_the_investigation_goes_only_to_staff_at_the_unit(day):
    report = _report(day)
    outsider = f.DutyFactory(person=f.PersonFactory(given_name="Karl")).person
    with pytest.raises(DomainError, match="arbetar vid skolenheten"):
        support_investigation_open(actor=day.actor(day.rektor), report=report, assigned_to=outsider)
    support_investigation_open(actor=day.actor(day.rektor), report=report, assigned_to=day.mentor)
    with pytest.raises(DomainError, match="redan inledd"):
        support_investigation_open(
            actor=day.actor(day.rektor), report=report, assigned_to=day.kurator
        )


# --- Access ------------------------------------------------------------------------------


def test_who_reaches_the_report_the_investigation_and_the_decision(client, day):
    report = _investigated(day)
    decision = _programme(day, report)
    report_url = reverse("pupil_documentation:support_report", args=[report.pk])
    decision_url = reverse("pupil_documentation:support_decision", args=[decision.pk])
    pupil_url = reverse("pupil_documentation:support_pupil", args=[day.pupils[0].pk])
    note = "Alva beskriver att texterna är för långa."

    rektor = login_with_two_factor(day.rektor)
    assert note in rektor.get(report_url).content.decode()
    assert rektor.get(decision_url).status_code == 200
    sofia = login_with_two_factor(day.kurator)  # pupil health and the investigator
    assert note in sofia.get(report_url).content.decode()
    assert sofia.get(decision_url).status_code == 200

    # Maria reported: she sees her report, not the investigation or the decision.
    login(client, day.teacher)
    page = client.get(report_url).content.decode()
    assert OBSERVED in page and note not in page and decision_url not in page
    assert client.get(decision_url).status_code == 404
    client.logout()
    # Lars, the mentor: the decided programme only, through Alva's page.
    login(client, day.mentor)
    assert client.get(report_url).status_code == 404
    assert client.get(decision_url).status_code == 200
    assert decision_url in client.get(pupil_url).content.decode()
    client.logout()
    # Outsiders, the guardian and the pupil: 404 exactly like a missing id.
    missing = reverse("pupil_documentation:support_report", args=[uuid.uuid4()])
    for person in (day.other_teacher, day.guardian, day.pupils[0], f.DutyFactory().person):
        login(client, person)
        for url in (report_url, decision_url, missing):
            assert client.get(url).status_code == 404, (person.given_name, url)
        if person != day.other_teacher:
            assert client.get(pupil_url).status_code == 404
        client.logout()
    assert support_report_policy.objects(day.actor(day.guardian)).count() == 0
    assert support_decision_policy.objects(day.actor(day.pupils[0])).count() == 0


def test_a_mentor_does_not_see_a_decision_not_to_make_a_programme(day):
    report = _investigated(day)
    decision = support_decide(
        actor=day.actor(day.rektor),
        report=report,
        kind=DecisionKind.NO_PROGRAMME,
        decided_on=TODAY,
        reasons="Räcker med extra anpassningar.",
    )
    assert not support_decision_policy.can(day.actor(day.mentor), Action.VIEW, decision)
    assert support_decision_policy.can(day.actor(day.kurator), Action.VIEW, decision)


def test_a_protected_pupils_records_are_only_for_staff_named_for_her(client, day):
    alva = day.pupils[0]
    report = _investigated(day)
    decision = _programme(day, report)
    Person.objects.filter(pk=alva.pk).update(security_marking=SecurityMarking.SKYDDAD_FOLKBOKFORING)
    f.AuthorisationFactory(person=alva, staff=day.kurator, start_date=date(2026, 1, 1))
    rektor = login_with_two_factor(day.rektor)
    for url in (
        reverse("pupil_documentation:support_report", args=[report.pk]),
        reverse("pupil_documentation:support_decision", args=[decision.pk]),
        reverse("pupil_documentation:support_pupil", args=[alva.pk]),
    ):
        assert rektor.get(url).status_code == 404
    assert (
        alva.full_name
        not in rektor.get(
            reverse("pupil_documentation:support_unit", args=[day.school.pk])
        ).content.decode()
    )
    sofia = login_with_two_factor(day.kurator)
    assert (
        sofia.get(reverse("pupil_documentation:support_report", args=[report.pk])).status_code
        == 200
    )
    # A new report about her reaches no rektor who is not named for her.
    Message.objects.all().delete()
    _report(day, by=day.kurator)
    assert not Recipient.objects.exists()


# --- Audit and queries ------------------------------------------------------------------


def test_every_read_and_write_is_audited_under_the_pupil(day):
    report = _investigated(day)
    rektor = login_with_two_factor(day.rektor)
    rektor.get(reverse("pupil_documentation:support_unit", args=[day.school.pk]))
    decision = _programme(day, report)
    rektor.get(reverse("pupil_documentation:support_report", args=[report.pk]))
    rektor.get(reverse("pupil_documentation:support_decision", args=[decision.pk]))
    rektor.get(reverse("pupil_documentation:support_pupil", args=[day.pupils[0].pk]))
    actions = {
        "support.report",
        "support.investigation_open",
        "support.note_record",
        "support.conclude",
        "support.decide",
        "support.view",
        "support.decision_view",
    }
    for action in actions:
        entry = AuditEntry.objects.filter(action=action).latest("pk")
        assert entry.person_id == day.pupils[0].pk, action
    listed = AuditEntry.objects.filter(action="support.unit_list").latest("pk")
    assert day.pupils[0].pk in set(
        AuditEntryPerson.objects.filter(entry=listed).values_list("person_id", flat=True)
    )
    assert AuditEntry.objects.filter(action="support.unit_list").exists()
    for entry in AuditEntry.objects.filter(action__startswith="support."):
        assert OBSERVED not in str(entry.detail)


def test_the_unit_list_costs_the_same_whatever_the_number_of_reports(day):
    rektor = login_with_two_factor(day.rektor)
    url = reverse("pupil_documentation:support_unit", args=[day.school.pk])
    _report(day)
    support_investigation_open(
        actor=day.actor(day.rektor), report=_report(day, by=day.mentor), assigned_to=day.kurator
    )
    rektor.get(url)
    with CaptureQueriesContext(connection) as few:
        rektor.get(url)
    for i in range(6):
        pupil = day.pupils[i % 3]
        r = support_report(
            actor=day.actor(day.teacher),
            student=pupil,
            organisation=day.school,
            observation=f"Iakttagelse {i}",
            observed_on=TODAY,
        )
        if i % 2:
            support_investigation_open(
                actor=day.actor(day.rektor), report=r, assigned_to=day.mentor
            )
    with CaptureQueriesContext(connection) as many:
        page = rektor.get(url)
    assert page.content.decode().count("/anpassningar/sarskilt-stod/") >= 8
    assert len(many.captured_queries) <= len(few.captured_queries)
    assert InvestigationNote.objects.count() == 0


def test_the_index_leads_each_to_their_own(client, day):
    report = _report(day)
    support_investigation_open(actor=day.actor(day.rektor), report=report, assigned_to=day.mentor)
    url = reverse("pupil_documentation:support_index")
    report_url = reverse("pupil_documentation:support_report", args=[report.pk])
    unit_url = reverse("pupil_documentation:support_unit", args=[day.school.pk])
    rektor = login_with_two_factor(day.rektor)
    assert unit_url in rektor.get(url).content.decode()
    for person in (day.teacher, day.mentor):  # the reporter, the investigator
        login(client, person)
        page = client.get(url).content.decode()
        assert report_url in page and unit_url not in page
        client.logout()
    login(client, day.other_teacher)
    page = client.get(url).content.decode()
    assert report_url not in page and unit_url not in page
    assert client.get(unit_url).status_code == 404
    listed = AuditEntry.objects.filter(action="support.unit_list").latest("pk")
    assert day.pupils[0].pk in set(
        AuditEntryPerson.objects.filter(entry=listed).values_list("person_id", flat=True)
    )
