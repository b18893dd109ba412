"""Who records, sees and evaluates a pupil's extra adaptations: the story's cast, role by
action, through the services and through HTTP.

Alva (7B, Scheeleskolan) has an adaptation in every subject that Maria, who teaches her
mathematics, recorded. Maria and Stina teach her, Lars is her mentor, Sofia is the
school's kurator and Anders its rektor: they record, see and evaluate. Ingrid (7A), Eva
the skoladministratör, Birgitta at the förvaltning, Karl's rektor Rut at Ullviskolan,
Karin her guardian and Alva herself do none of it, and for them the adaptation's page is
a 404 exactly like a missing one. Elsa in 7B has skyddad folkbokföring: only Stina, who
is named for her, reaches her adaptation, not Maria, Lars or Anders.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse

from skolsam.accounts.actor import actor_for_person
from skolsam.audit.models import AuditEntry, AuditEntryPerson
from skolsam.core.choices import DutyRole
from skolsam.core.dates import today
from skolsam.core.errors import DomainError
from skolsam.core.policy import Action
from skolsam.pupil_documentation.access import adaptation_policy
from skolsam.pupil_documentation.models import Adaptation, AdaptationEvaluation, Outcome
from skolsam.pupil_documentation.services import adaptation_evaluate, adaptation_record
from skolsam.testing import factories as f
from skolsam.testing.auth import without_csrf_tokens
from skolsam.testing.story import client_for

pytestmark = pytest.mark.django_db

TODAY = today()

ALLOWED = [
    "teacher_of_7b",  # Maria: teaches Alva mathematics
    "authorised_teacher_of_7b",  # Stina: teaches Alva Swedish
    "mentor_of_7b",  # Lars
    "kurator_at_scheeleskolan",  # Sofia: pupil health
    "rektor_at_scheeleskolan",  # Anders
]
REFUSED = [
    "teacher_of_7a",  # Ingrid: another teacher at the school
    "school_admin_at_scheeleskolan",  # Eva
    "central_admin_koping",  # Birgitta
    "rektor_at_ullviskolan",  # Rut: another school's rektor
    "guardian_of_pupil_in_7b",  # Karin
    "pupil_in_7b",  # Alva herself
    "teacher_in_arboga",  # Nils: another huvudman
]


@pytest.fixture(scope="module")
def s(story: Any, django_db_blocker: Any) -> Any:
    """The story with Rut, rektor at Ullviskolan, and an adaptation each for Alva and Elsa."""
    with django_db_blocker.unblock():
        story.people["rektor_at_ullviskolan"] = f.PersonFactory(given_name="Rut")
        f.DutyFactory(
            person=story.people["rektor_at_ullviskolan"],
            duty_at=story.ullviskolan,
            duty_role=DutyRole.REKTOR,
        )
        story.alvas = _record(story, "teacher_of_7b", story.pupil_in_7b, "Förlängd skrivtid.")
        story.elsas = _record(
            story, "authorised_teacher_of_7b", story.protected_pupil_in_7b, "Bildstöd."
        )
    return story


def _actor(s: Any, key: str) -> Any:
    return actor_for_person(s.people[key].pk, on=TODAY)


def _record(s: Any, key: str, pupil: Any, text: str = "Uppgifter i delar.") -> Adaptation:
    return adaptation_record(
        actor=_actor(s, key),
        student=pupil,
        organisation=s.scheeleskolan,
        syllabus=None,
        description=text,
        start_date=TODAY,
        follow_up_date=TODAY + timedelta(days=30),
    )


@pytest.mark.parametrize("key", ALLOWED)
def test_the_pupils_teachers_mentor_pupil_health_and_rektor_record_see_and_evaluate(s, key):
    adaptation = _record(s, key, s.pupil_in_7b)
    assert adaptation.recorded_by_id == s.people[key].pk
    actor = _actor(s, key)
    assert adaptation_policy.can(actor, Action.VIEW, s.alvas)
    assert s.alvas in adaptation_policy.objects(actor, Action.VIEW)
    client = client_for(s.people[key])
    page = client.get(reverse("pupil_documentation:pupil", args=[s.pupil_in_7b.pk]))
    assert page.status_code == 200
    assert "Förlängd skrivtid." in page.content.decode()
    assert (
        reverse("pupil_documentation:pupil", args=[s.pupil_in_7b.pk])
        in client.get(reverse("person_detail", args=[s.pupil_in_7b.pk])).content.decode()
    )
    evaluated = client.post(
        reverse("pupil_documentation:adaptation", args=[adaptation.pk]),
        {"evaluated_on": TODAY.isoformat(), "effect": "Hinner klart.", "outcome": Outcome.END},
    )
    assert evaluated.status_code == 302, evaluated.content.decode()[:2000]
    assert Adaptation.objects.get(pk=adaptation.pk).ended_by_id == s.people[key].pk


@pytest.mark.parametrize("key", REFUSED)
def test_anyone_else_records_nothing_and_gets_the_404_of_a_missing_adaptation(s, key):
    with pytest.raises(DomainError):
        _record(s, key, s.pupil_in_7b)
    actor = _actor(s, key)
    assert not adaptation_policy.can(actor, Action.VIEW, s.alvas)
    assert not adaptation_policy.objects(actor, Action.VIEW).exists()
    with pytest.raises(DomainError):
        adaptation_evaluate(
            actor=actor,
            adaptation=s.alvas,
            evaluated_on=TODAY,
            effect="Bra.",
            outcome=Outcome.END,
        )
    client = client_for(s.people[key])
    missing = client.get(reverse("pupil_documentation:adaptation", args=[uuid.uuid4()]))
    forbidden = client.get(reverse("pupil_documentation:adaptation", args=[s.alvas.pk]))
    assert missing.status_code == forbidden.status_code == 404
    assert without_csrf_tokens(missing.content) == without_csrf_tokens(forbidden.content)
    pupil_page = client.get(reverse("pupil_documentation:pupil", args=[s.pupil_in_7b.pk]))
    missing_pupil = client.get(reverse("pupil_documentation:pupil", args=[uuid.uuid4()]))
    assert pupil_page.status_code == missing_pupil.status_code == 404
    assert without_csrf_tokens(pupil_page.content) == without_csrf_tokens(missing_pupil.content)
    posted = client.post(
        reverse("pupil_documentation:adaptation", args=[s.alvas.pk]),
        {"evaluated_on": TODAY.isoformat(), "effect": "Bra.", "outcome": Outcome.END},
    )
    assert posted.status_code == 404
    assert not AdaptationEvaluation.objects.exists()
    assert Adaptation.objects.get(pk=s.alvas.pk).ended_at is None
    card = client.get(reverse("person_detail", args=[s.pupil_in_7b.pk])).content.decode()
    assert reverse("pupil_documentation:pupil", args=[s.pupil_in_7b.pk]) not in card


@pytest.mark.parametrize(
    "key", ["teacher_of_7b", "mentor_of_7b", "rektor_at_scheeleskolan", "central_admin_koping"]
)
def test_a_protected_pupils_adaptation_is_only_for_staff_named_for_her(s, key):
    actor = _actor(s, key)
    assert not adaptation_policy.can(actor, Action.VIEW, s.elsas)
    assert not adaptation_policy.objects(actor, Action.VIEW).filter(pk=s.elsas.pk).exists()
    with pytest.raises(DomainError):
        _record(s, key, s.protected_pupil_in_7b)
    client = client_for(s.people[key])
    assert (
        client.get(reverse("pupil_documentation:adaptation", args=[s.elsas.pk])).status_code == 404
    )
    assert (
        client.get(
            reverse("pupil_documentation:pupil", args=[s.protected_pupil_in_7b.pk])
        ).status_code
        == 404
    )
    unit = client.get(reverse("pupil_documentation:unit", args=[s.scheeleskolan.pk]))
    assert "Bildstöd." not in unit.content.decode()


def test_stina_named_for_elsa_sees_her_adaptation(s):
    client = client_for(s.authorised_teacher_of_7b)
    page = client.get(reverse("pupil_documentation:pupil", args=[s.protected_pupil_in_7b.pk]))
    assert page.status_code == 200 and "Bildstöd." in page.content.decode()


def test_every_read_is_audited_under_the_pupil(s):
    client = client_for(s.mentor_of_7b)
    before = AuditEntry.objects.count()
    client.get(reverse("pupil_documentation:pupil", args=[s.pupil_in_7b.pk]))
    client.get(reverse("pupil_documentation:adaptation", args=[s.alvas.pk]))
    client.get(reverse("pupil_documentation:unit", args=[s.scheeleskolan.pk]))
    entries = list(AuditEntry.objects.order_by("pk")[before:])
    by_action = {e.action: e for e in entries}
    assert {"adaptation.view", "adaptation.unit_list"} <= set(by_action)
    for entry in entries:
        if entry.action.startswith("adaptation."):
            persons = {entry.person_id} | set(
                AuditEntryPerson.objects.filter(entry=entry).values_list("person_id", flat=True)
            )
            assert s.pupil_in_7b.pk in persons, entry.action
    recorded = AuditEntry.objects.filter(action="adaptation.record", object_id=str(s.alvas.pk))
    assert recorded.exists()


def test_the_unit_list_shows_the_rektor_every_pupil_and_a_teacher_only_hers(s):
    anders = client_for(s.rektor_at_scheeleskolan)
    page = anders.get(reverse("pupil_documentation:unit", args=[s.scheeleskolan.pk]))
    assert page.status_code == 200
    assert s.pupil_in_7b.full_name in page.content.decode()
    eva = client_for(s.school_admin_at_scheeleskolan)
    assert (
        eva.get(reverse("pupil_documentation:unit", args=[s.scheeleskolan.pk])).status_code == 404
    )
    rut = client_for(s.rektor_at_ullviskolan)
    assert (
        rut.get(reverse("pupil_documentation:unit", args=[s.scheeleskolan.pk])).status_code == 404
    )


def test_the_school_unit_page_leads_the_rektor_and_pupil_health_to_the_units_list(s):
    unit_page = reverse("school_unit_detail", args=[s.scheeleskolan.pk])
    unit_list = reverse("pupil_documentation:unit", args=[s.scheeleskolan.pk])
    for key in ("rektor_at_scheeleskolan", "kurator_at_scheeleskolan"):
        page = client_for(s.people[key]).get(unit_page)
        assert page.status_code == 200 and unit_list in page.content.decode(), key
    page = client_for(s.school_admin_at_scheeleskolan).get(unit_page)
    assert page.status_code == 200 and unit_list not in page.content.decode()
