"""Alva's decided special support reaches her family, and nothing else does.

Anders, the rektor at Scheeleskolan, has decided an action programme for Alva after Sofia's
(the kurator's) investigation. Karin, her guardian, reads it in the portal and downloads
it as PDF/A; Alva reads her own. Johan, whose custody ended last summer, and the guardian
of another child get the missing page; nobody in the family ever sees Maria's report, the
investigation's notes or conclusion, or a version that a later one replaced. Anders and
Sofia download the same PDF from the staff page; Maria, who reported, does not.

The school day (`build_day`): Alva, Hugo and Saga in 7B; Maria teaches them mathematics,
Lars mentors 7B, Anders is rektor, Karin is Alva's guardian, Johan was.
"""

from __future__ import annotations

import io
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from skolsam.audit.models import AuditEntry, AuditEntryPerson
from skolsam.core.choices import DutyRole, SecurityMarking
from skolsam.core.dates import today
from skolsam.core.policy import Action
from skolsam.people.models import Person
from skolsam.pupil_documentation.access import family_decision_policy
from skolsam.pupil_documentation.models import DecisionKind, SupportReport
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
NOTE = "Alva beskriver att texterna är för långa."
CONCLUSION = "Behov av särskilt stöd i läsning efter samtal med Alva."
NEEDS = "Stöd i läsförståelse."
MEASURES = "Specialpedagog två gånger i veckan."
RESPONSIBLE = "Maria (matematik) och specialpedagogen"


@pytest.fixture
def day():
    d = build_day()
    kurator = f.DutyFactory(
        duty_at=d.school, duty_role=DutyRole.KURATOR, person=f.PersonFactory(given_name="Sofia")
    )
    d.kurator = kurator.person  # type: ignore[attr-defined]  # Sofia, pupil health
    return d


def _investigated(day: Any, pupil: Any = None) -> SupportReport:
    pupil = pupil or day.pupils[0]
    report = support_report(
        actor=day.actor(day.teacher),
        student=pupil,
        organisation=day.school,
        observation=OBSERVED,
        observed_on=TODAY,
    )
    support_investigation_open(actor=day.actor(day.rektor), report=report, assigned_to=day.kurator)
    support_note_record(
        actor=day.actor(day.kurator),
        report=report,
        held_on=TODAY,
        participants="Alva, Karin (vårdnadshavare), Sofia",
        text=NOTE,
    )
    support_investigation_conclude(
        actor=day.actor(day.kurator), report=report, conclusion=CONCLUSION
    )
    return SupportReport.objects.get(pk=report.pk)


def _programme(day: Any, report: Any, **kw: Any) -> Any:
    fields: dict[str, Any] = {
        "kind": DecisionKind.PROGRAMME,
        "decided_on": TODAY,
        "needs": NEEDS,
        "measures": MEASURES,
        "responsible": RESPONSIBLE,
        "evaluation_dates": [date(2027, 2, 15)],
        "guardians_notified_on": TODAY,
    }
    fields.update(kw)
    return support_decide(actor=day.actor(day.rektor), report=report, **fields)


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _claims_pdf_a(pdf: bytes) -> tuple[str, str]:
    meta = PdfReader(io.BytesIO(pdf)).xmp_metadata
    assert meta is not None, "no XMP metadata: no PDF/A claim"
    part = meta.get_nodes_in_namespace("", "http://www.aiim.org/pdfa/ns/id/")
    values = {n.localName: (n.value or (n.firstChild.data if n.firstChild else "")) for n in part}
    return values.get("part", ""), values.get("conformance", "")


def _pdf_url(decision: Any) -> str:
    return reverse("support_portal:decision_pdf", args=[decision.pk])


def _child_url(person: Any) -> str:
    return reverse("support_portal:child", args=[person.pk])


def _client(person: Any) -> Client:
    client = Client()
    login(client, person)
    return client


def _audited(action: str, person: Any) -> bool:
    """Tell whether an entry of `action` is about the person (its one person or a list)."""
    return (
        AuditEntry.objects.filter(action=action, person_id=person.pk).exists()
        or AuditEntryPerson.objects.filter(entry__action=action, person_id=person.pk).exists()
    )


def test_the_guardian_reads_the_decided_programme_and_downloads_it_as_pdf_a(day):
    alva = day.pupils[0]
    decision = _programme(day, _investigated(day))
    karin = _client(day.guardian)

    # One child: the section's page leads straight to hers, which lists the decision.
    family = karin.get(reverse("support_portal:family"))
    assert family.status_code == 200
    assert _child_url(alva) in family.content.decode()
    assert _pdf_url(decision) in family.content.decode()
    page = karin.get(_child_url(alva)).content.decode()
    for shown in ("Åtgärdsprogram", NEEDS, MEASURES, RESPONSIBLE, "15 februari 2027"):
        assert shown in page, shown
    assert "Anders" in page and "Skolväsendets överklagandenämnd" in page
    assert _pdf_url(decision) in page
    # Her child's page in the portal has the tab.
    assert _child_url(alva) in karin.get(reverse("portal:child", args=[alva.pk])).content.decode()

    response = karin.get(_pdf_url(decision))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    pdf = response.content
    assert _claims_pdf_a(pdf) == ("3", "B")
    text = " ".join(_text(pdf).split())
    for shown in (
        "Åtgärdsprogram",
        alva.full_name,
        "Scheeleskolan",
        NEEDS,
        MEASURES,
        RESPONSIBLE,
        "15 februari 2027",
        f"{day.rektor.full_name}, rektor",
        "Vårdnadshavarna underrättade",
        "Skolväsendets överklagandenämnd",
        "tre veckor",
    ):
        assert shown in text, shown

    # Every read is audited under Alva.
    for action in ("support.family_list", "support.family_decision_view"):
        assert _audited(action, alva), action
    entry = AuditEntry.objects.filter(action="support.family_decision_pdf").get()
    assert entry.person_id == alva.pk and entry.object_id == str(decision.pk)


def test_the_family_never_sees_the_report_the_investigation_or_a_replaced_version(day):
    alva = day.pupils[0]
    report = _investigated(day)
    first = _programme(day, report, measures="Den första versionens åtgärder.")
    second = _programme(day, report)
    for person in (day.guardian, alva):
        client = _client(person)
        pages = [
            client.get(reverse("support_portal:family")).content.decode(),
            client.get(_child_url(alva)).content.decode(),
            " ".join(_text(client.get(_pdf_url(second)).content).split()),
        ]
        for page in pages:
            for hidden in (OBSERVED, NOTE, CONCLUSION, "Den första versionens åtgärder."):
                assert hidden not in page, (person.given_name, hidden)
        assert MEASURES in pages[1] and _pdf_url(first) not in pages[1]
        assert client.get(_pdf_url(first)).status_code == 404
        # The staff pages stay closed to the family.
        for url in (
            reverse("pupil_documentation:support_report", args=[report.pk]),
            reverse("pupil_documentation:support_decision", args=[second.pk]),
            reverse("pupil_documentation:support_decision_pdf", args=[second.pk]),
        ):
            assert client.get(url).status_code == 404, (person.given_name, url)
    assert list(family_decision_policy.objects(day.actor(day.guardian), Action.VIEW)) == [second]


def test_the_former_guardian_and_another_childs_guardian_get_the_missing_page(day):
    alva, hugo = day.pupils[0], day.pupils[1]
    decision = _programme(day, _investigated(day))
    hugos = f.PersonFactory(given_name="Petra")
    f.ResponsibleFactory(person=hugo, responsible=hugos)
    missing_pdf = reverse("support_portal:decision_pdf", args=[uuid.uuid4()])
    for person in (day.former_guardian, hugos, hugo):
        client = _client(person)
        assert client.get(_child_url(alva)).status_code == 404, person.given_name
        assert client.get(_pdf_url(decision)).status_code == 404, person.given_name
        assert client.get(missing_pdf).status_code == 404
        family = client.get(reverse("support_portal:family"))
        assert family.status_code == 200
        assert str(decision.pk) not in family.content.decode()
        assert str(alva.pk) not in family.content.decode()
        assert not family_decision_policy.objects(day.actor(person), Action.VIEW).exists()
    assert not AuditEntry.objects.filter(action__startswith="support.family").exists()


def test_the_pupil_reads_her_own_decision_and_no_one_elses(day):
    alva, hugo = day.pupils[0], day.pupils[1]
    alvas = _programme(day, _investigated(day))
    hugos = support_decide(
        actor=day.actor(day.rektor),
        report=_investigated(day, hugo),
        kind=DecisionKind.NO_PROGRAMME,
        decided_on=TODAY,
        reasons="Extra anpassningar räcker för Hugo.",
    )
    client = _client(alva)
    page = client.get(_child_url(alva))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Mitt särskilda stöd" in body and MEASURES in body and "Scheeleskolan" in body
    assert "Extra anpassningar räcker för Hugo." not in body
    assert client.get(_pdf_url(alvas)).status_code == 200
    assert client.get(_pdf_url(hugos)).status_code == 404
    assert client.get(_child_url(hugo)).status_code == 404
    assert _audited("support.family_decision_view", alva)

    # Hugo's own: the decision not to make a programme, with its reasons.
    pdf = _client(hugo).get(_pdf_url(hugos)).content
    text = " ".join(_text(pdf).split())
    assert "Beslut om att inte upprätta åtgärdsprogram" in text
    assert "Extra anpassningar räcker för Hugo." in text and "Skolväsendets" in text
    assert MEASURES not in text


def test_a_protected_pupils_guardian_reads_the_decision_without_her_school(day):
    alva = day.pupils[0]
    decision = _programme(day, _investigated(day))
    Person.objects.filter(pk=alva.pk).update(security_marking=SecurityMarking.SKYDDAD_FOLKBOKFORING)
    karin = _client(day.guardian)
    page = karin.get(_child_url(alva)).content.decode()
    assert MEASURES in page and "Scheeleskolan" not in page
    text = _text(karin.get(_pdf_url(decision)).content)
    assert "Åtgärdsprogram" in text and "Scheeleskolan" not in text
    # Alva herself knows where she goes to school.
    assert "Scheeleskolan" in _client(alva).get(_child_url(alva)).content.decode()


def test_a_child_without_a_decision_has_no_tab_and_an_empty_section(day):
    alva = day.pupils[0]
    karin = _client(day.guardian)
    assert (
        _child_url(alva) not in karin.get(reverse("portal:child", args=[alva.pk])).content.decode()
    )
    assert "Det finns inga beslut om särskilt stöd." in karin.get(_child_url(alva)).content.decode()


def test_the_staff_download_the_same_pdf_and_the_reporter_does_not(client, day):
    decision = _programme(day, _investigated(day))
    url = reverse("pupil_documentation:support_decision_pdf", args=[decision.pk])
    rektor = login_with_two_factor(day.rektor)
    assert (
        url
        in rektor.get(
            reverse("pupil_documentation:support_decision", args=[decision.pk])
        ).content.decode()
    )
    response = rektor.get(url)
    assert response.status_code == 200 and _claims_pdf_a(response.content) == ("3", "B")
    assert MEASURES in " ".join(_text(response.content).split())
    entry = AuditEntry.objects.filter(action="support.decision_pdf").get()
    assert entry.person_id == day.pupils[0].pk
    login(client, day.teacher)
    assert client.get(url).status_code == 404


def _cost(client: Client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_family_pages_cost_the_same_whatever_the_number_of_decisions(day):
    alva, hugo = day.pupils[0], day.pupils[1]
    f.ResponsibleFactory(person=hugo, responsible=day.guardian)
    karin = _client(day.guardian)
    family, child = reverse("support_portal:family"), _child_url(alva)
    _programme(day, _investigated(day))
    few = (_cost(karin, family), _cost(karin, child))
    for pupil in (alva, hugo, alva, hugo):
        _programme(day, _investigated(day, pupil), evaluation_dates=[TODAY + timedelta(days=30)])
    many = (_cost(karin, family), _cost(karin, child))
    assert karin.get(family).content.decode().count("/pdf/") == 5
    assert karin.get(child).content.decode().count("/pdf/") == 3
    assert many[0] <= few[0] and many[1] <= few[1]
