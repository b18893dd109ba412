"""Choose the language Skolsam speaks: per person, Swedish by default, never the browser's."""

from __future__ import annotations

import pytest
from django.urls import reverse

from skolsam.audit.models import AuditEntry
from skolsam.core.errors import DomainError
from skolsam.people.models import Person
from skolsam.people.services import person_language_set
from skolsam.testing.story import build_day, login

pytestmark = pytest.mark.django_db


def test_swedish_is_the_default_whatever_the_browser_asks_for(client):
    body = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").content.decode()
    assert '<html lang="sv" dir="ltr">' in body
    assert "Logga in" in body


def test_a_visitor_chooses_english_on_the_login_page_and_keeps_it(client):
    login_url = reverse("login")
    response = client.post(
        reverse("language_choose"), {"language": "en"}, HTTP_REFERER=f"http://testserver{login_url}"
    )
    assert response.status_code == 302 and response["Location"].endswith(login_url)
    body = client.get(login_url).content.decode()
    assert '<html lang="en" dir="ltr">' in body
    assert "Log in" in body


def test_a_language_from_elsewhere_is_refused_with_a_reason_and_changes_nothing(client):
    response = client.post(reverse("language_choose"), {"language": "xx"})
    assert response.status_code == 400
    assert "Välj ett av språken" in response.content.decode()
    assert "skolsam_sprak" not in response.cookies


def test_a_foreign_referer_is_not_followed(client):
    response = client.post(
        reverse("language_choose"), {"language": "en"}, HTTP_REFERER="https://evil.example/"
    )
    assert response["Location"] == "/"


def test_a_guardian_who_chooses_arabic_reads_right_to_left_and_it_is_kept_on_her(client):
    day = build_day()
    user = login(client, day.guardian)
    client.post(reverse("language_choose"), {"language": "ar"})
    page = client.get(reverse("account")).content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    day.guardian.refresh_from_db()
    assert day.guardian.language == "ar"
    entry = AuditEntry.objects.get(action="person.language")
    assert entry.person_id == day.guardian.pk
    # A new session of hers starts in Arabic, whatever cookie the device has.
    other = client.__class__()
    other.force_login(user)
    other.cookies["skolsam_sprak"] = "en"
    assert '<html lang="ar" dir="rtl">' in other.get(reverse("account")).content.decode()


def test_choosing_swedish_again_stores_the_default():
    day = build_day()
    guardian = day.guardian
    actor = day.actor(guardian)
    person_language_set(actor=actor, person=guardian, language="fa")
    person_language_set(actor=actor, person=guardian, language="sv")
    guardian.refresh_from_db()
    assert guardian.language == ""


def test_a_teacher_may_not_choose_a_pupils_language():
    day = build_day()
    alva = day.pupils[0]
    with pytest.raises(DomainError):
        person_language_set(actor=day.actor(day.teacher), person=alva, language="en")
    assert Person.objects.get(pk=alva.pk).language == ""


def test_an_unknown_language_is_refused_by_the_service():
    day = build_day()
    with pytest.raises(DomainError) as refused:
        person_language_set(actor=day.actor(day.guardian), person=day.guardian, language="de")
    assert "language" in refused.value.message_dict


def test_a_teacher_who_reads_english_takes_the_register_in_english(client):
    day = build_day()
    person_language_set(actor=day.actor(day.teacher), person=day.teacher, language="en")
    login(client, day.teacher)
    page = client.get(reverse("attendance:register", args=[day.lesson.pk])).content.decode()
    assert '<html lang="en" dir="ltr">' in page
    assert "Everyone starts as present." in page
    assert "Save attendance (3 pupils)" in page
    assert "← My lessons" in page
    assert ">Absent</option>" in page and ">Late arrival</option>" in page
    # The page's help text stays Swedish by design; the page itself does not.
    assert "Spara närvaron (" not in page and "Tryck på den som är frånvarande" not in page
    alva = day.pupils[0]
    saved = client.post(
        reverse("attendance:register", args=[day.lesson.pk]),
        {"version": 0, f"kind-{alva.pk}": "Frånvarande", f"minutes-{alva.pk}": ""},
        follow=True,
    ).content.decode()
    assert "Attendance is saved: 3 pupils, 1 with invalid absence." in saved
