"""Only the rektor closes an absence investigation (SL 7:19a).

A skoladministratör at the same unit follows the investigation up like other school-wide
staff, but neither the page nor the service lets them close it: the page offers no close
form, and a hand-written POST, or the service called directly, is refused and changes
nothing.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from skolsam.attendance.models import InvestigationStatus
from skolsam.attendance.services.investigations import investigation_close, investigation_open
from skolsam.attendance.services.notice_exemptions import notice_exemption_create
from skolsam.core.choices import DutyRole
from skolsam.core.errors import DomainError
from skolsam.testing import factories as f
from skolsam.testing.story import build_day, login_with_two_factor

pytestmark = pytest.mark.django_db


def _open_investigation():
    day = build_day(day=date(2026, 9, 7))
    administrator = f.DutyFactory(
        duty_at=day.school,
        duty_role=DutyRole.SKOLADMINISTRATOR,
        person=f.PersonFactory(given_name="Berit"),
    ).person
    investigation = investigation_open(
        actor=day.actor(day.rektor),
        student=day.pupils[0],
        organisation=day.school,
        period_start=date(2026, 9, 1),
        period_end=date(2026, 9, 30),
        basis={"percent": 50.0},
    )
    return day, administrator, investigation


def test_a_school_administrator_may_not_close_an_investigation_through_the_service():
    day, administrator, investigation = _open_investigation()
    with pytest.raises(DomainError, match="Bara rektor kan avsluta en utredning"):
        investigation_close(
            actor=day.actor(administrator), investigation=investigation, conclusion="Klart."
        )
    investigation.refresh_from_db()
    assert investigation.status == InvestigationStatus.OPEN


def test_a_school_administrator_is_not_offered_the_close_form_and_a_post_changes_nothing():
    _day, administrator, investigation = _open_investigation()
    url = reverse("attendance:investigation", args=[investigation.pk])
    client = login_with_two_factor(administrator)
    page = client.get(url)
    assert page.status_code == 200  # school-wide staff follow the investigation up
    assert 'value="close"' not in page.content.decode()
    client.post(url, {"action": "close", "conclusion": "Klart."})
    investigation.refresh_from_db()
    assert investigation.status == InvestigationStatus.OPEN


def test_the_rektor_is_offered_the_close_form_and_closes():
    day, _administrator, investigation = _open_investigation()
    url = reverse("attendance:investigation", args=[investigation.pk])
    client = login_with_two_factor(day.rektor)
    assert 'value="close"' in client.get(url).content.decode()
    assert client.post(url, {"action": "close", "conclusion": "Utredd."}).status_code == 302
    investigation.refresh_from_db()
    assert investigation.status == InvestigationStatus.CLOSED


def test_a_rektor_elsewhere_who_is_administrator_here_decides_nothing_here():
    # Roles used to be pooled over all of a person's duties: rektor at Ullviskolan and
    # skoladministratör at Scheeleskolan made a rektor at Scheeleskolan too.
    day, _administrator, investigation = _open_investigation()
    person = f.PersonFactory(given_name="Sven")
    f.DutyFactory(duty_at=f.SchoolUnitFactory(), duty_role=DutyRole.REKTOR, person=person)
    f.DutyFactory(duty_at=day.school, duty_role=DutyRole.SKOLADMINISTRATOR, person=person)
    actor = day.actor(person)
    with pytest.raises(DomainError, match="Bara rektor"):
        notice_exemption_create(
            actor=actor,
            student=day.pupils[0],
            start_date=date(2026, 9, 7),
            end_date=date(2026, 9, 30),
            reason="Skyddsbehov",
        )
    with pytest.raises(DomainError, match="Bara rektor kan avsluta en utredning"):
        investigation_close(actor=actor, investigation=investigation, conclusion="Klart.")
