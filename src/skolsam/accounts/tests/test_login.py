"""Test logging in and out and resetting a forgotten password, through HTTP."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import reverse

from skolsam.audit.models import AuditEntry
from skolsam.testing import factories as f

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


@pytest.fixture
def teacher():
    return f.UserFactory(username="maja.berg", email="maja.berg@example.se")


def test_the_login_page_is_swedish_and_labelled(client):
    response = client.get(reverse("login"))
    body = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="sv" dir="ltr">' in body
    assert '<label for="id_username">Användarnamn:</label>' in body
    assert '<label for="id_password">Lösenord:</label>' in body
    assert 'autocomplete="current-password"' in body
    assert 'href="#main"' in body


def test_a_teacher_logs_in_and_lands_on_the_start_page(client, teacher):
    response = client.post(reverse("login"), {"username": "maja.berg", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("start")
    assert client.session[SESSION_KEY] == str(teacher.pk)
    entry = AuditEntry.objects.get(action="auth.login")
    assert entry.actor_id == teacher.pk
    assert entry.actor_label == "maja.berg"


def test_a_login_goes_back_to_the_page_asked_for(client, teacher):
    target = reverse("person_search") + "?q=Alva"
    response = client.post(
        reverse("login"), {"username": "maja.berg", "password": PASSWORD, "next": target}
    )
    assert response["Location"] == target


def test_a_wrong_password_fails_without_saying_which_part_was_wrong(client, teacher):
    response = client.post(reverse("login"), {"username": "maja.berg", "password": "fel"})
    assert response.status_code == 200
    assert SESSION_KEY not in client.session
    body = response.content.decode()
    assert "Fel användarnamn eller lösenord" in body
    assert 'role="alert"' in body
    assert not AuditEntry.objects.filter(action="auth.login").exists()


def test_an_unknown_user_gets_the_same_message(client):
    response = client.post(reverse("login"), {"username": "okand", "password": PASSWORD})
    assert "Fel användarnamn eller lösenord" in response.content.decode()


def test_logout_needs_a_post_and_ends_the_session(client, teacher):
    client.force_login(teacher)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert SESSION_KEY not in client.session


def test_the_start_page_asks_anonymous_users_to_log_in(client):
    response = client.get(reverse("start"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/"


def test_a_forgotten_password_is_reset_by_email(client, teacher):
    response = client.post(reverse("password_reset"), {"email": "maja.berg@example.se"})
    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    body = str(message.body)
    assert message.to == ["maja.berg@example.se"]
    assert "maja.berg" in body
    link = re.search(r"https?://testserver(/losenord/aterstall/\S+/)", body)
    assert link

    form_page = client.get(link.group(1), follow=True)
    assert form_page.status_code == 200
    assert "Nytt lösenord" in form_page.content.decode()
    new_password = "ett helt nytt lösenord 2026"
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    assert done["Location"] == reverse("password_reset_complete")

    # Client.login() bypasses the request that django-axes needs; log in through the page.
    fresh = Client()
    login = fresh.post(reverse("login"), {"username": "maja.berg", "password": new_password})
    assert login["Location"] == reverse("start")
    assert fresh.session[SESSION_KEY] == str(teacher.pk)


def test_a_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(client, teacher):
    response = client.post(reverse("password_reset"), {"email": "okand@example.se"})
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_a_used_reset_link_says_so(client):
    response = client.get(reverse("password_reset_confirm", args=["MQ", "set-password"]))
    assert response.status_code == 200
    assert "Länken fungerar inte längre" in response.content.decode()
