"""Karin wants weekly letters as a daily digest; news at once. Statutory notices cannot wait."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from skolsam.audit.models import AuditEntry
from skolsam.core.errors import DomainError
from skolsam.messaging.models import Delivery, Preference
from skolsam.messaging.services.compose import audience_build, message_send
from skolsam.messaging.services.delivery import deliver_message, digest_due, send_digests
from skolsam.messaging.services.preferences import message_preferences_set
from skolsam.schedule import calendar
from skolsam.testing.story import build_day, login

pytestmark = pytest.mark.django_db


def _send(day, category: str, subject: str):
    actor = day.actor(day.mentor)
    audience = audience_build(
        actor=actor, group=day.group, organisation=None, to_guardians=True, to_pupils=False
    )
    return message_send(
        actor=actor, audience=audience, category=category, subject=subject, body="Text."
    )


def test_a_daily_digest_gathers_the_days_letters_into_one_email_sent_once(smtp):
    day = build_day()
    karin = Client()
    login(karin, day.guardian)
    page = karin.get(reverse("messaging:preferences"))
    assert page.status_code == 200 and "Meddelanden om ogiltig frånvaro" in page.content.decode()
    saved = karin.post(
        reverse("messaging:preferences"),
        {"nyhet": "", "veckobrev": "dagligen", "konversation": "veckovis"},
    )
    assert saved.status_code == 302
    assert AuditEntry.objects.filter(action="message.preferences").exists()

    first = _send(day, "veckobrev", "Veckobrev 49")
    second = _send(day, "veckobrev", "Veckobrev 50")
    news = _send(day, "nyhet", "Studiedag")
    for message in (first, second, news):
        deliver_message(message_id=message.pk)
    # The news went at once; the letters wait for the digest.
    assert [m["Subject"] for _r, m in smtp.received] == ["Studiedag"]
    due = Delivery.objects.filter(message=first).get().due_at
    assert calendar.local(due).hour == 17
    assert send_digests(now=due - timedelta(minutes=1)) == 0
    assert send_digests(now=due) == 1
    assert send_digests(now=due + timedelta(hours=1)) == 0  # a second run sends nothing again
    assert len(smtp.received) == 2
    digest = smtp.received[1][1]
    assert digest["Subject"] == "Sammanfattning: 2 nya meddelanden i Skolsam"
    assert "Veckobrev 49" in digest.get_content() and "Veckobrev 50" in digest.get_content()


def test_statutory_notices_cannot_be_put_in_a_digest_and_bad_choices_are_named():
    day = build_day()
    actor = day.actor(day.guardian)
    with pytest.raises(DomainError) as refused:
        message_preferences_set(actor=actor, choices={"lagstadgat": "veckovis"})
    assert "alltid direkt" in str(refused.value)
    karin = Client()
    login(karin, day.guardian)
    bad = karin.post(reverse("messaging:preferences"), {"veckobrev": "varannan månad"})
    assert bad.status_code == 400
    assert not Preference.objects.exists()


def test_a_weekly_digest_goes_on_friday_at_five():
    from datetime import date, time

    tuesday = calendar.at(date(2026, 12, 1), time(9, 0))
    assert calendar.local(digest_due("veckovis", tuesday)).date() == date(2026, 12, 4)
    friday_evening = calendar.at(date(2026, 12, 4), time(18, 0))
    assert calendar.local(digest_due("veckovis", friday_evening)).date() == date(2026, 12, 11)
    assert calendar.local(digest_due("dagligen", friday_evening)).date() == date(2026, 12, 5)
