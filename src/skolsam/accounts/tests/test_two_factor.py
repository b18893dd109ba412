"""Test two-factor authentication through HTTP: who must use it, enrolment, verification.

Scheeleskolan's rektor must set up an authenticator app before any page opens; the
school's teacher need not, but may. Codes are computed from the device's own key, as the
phone would.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from skolsam.accounts.services import totp_device_create
from skolsam.accounts.tests.conftest import staff
from skolsam.accounts.tests.helpers import code_for, log_in
from skolsam.audit.models import AuditEntry
from skolsam.core.choices import DutyRole
from skolsam.testing import factories as f
from skolsam.testing.auth import verified_client

pytestmark = pytest.mark.django_db

SETUP = reverse("two_factor_setup")
VERIFY = reverse("two_factor_verify")
START = reverse("start")


def _enrol(client: Client, username: str) -> tuple[TOTPDevice, list[str]]:
    """Log in, scan the QR code, type the app's code; return the device and recovery codes."""
    log_in(client, username)
    page = client.get(SETUP)
    device = page.context["device"]
    done = client.post(SETUP, {"device": device.pk, "token": code_for(device)})
    assert done.status_code == 200, done.content.decode()
    device.refresh_from_db()
    return device, re.findall(r"<code>([a-z2-7]{4}-[a-z2-7]{4})</code>", done.content.decode())


def test_a_rektor_reaches_no_page_before_setting_up_two_factor(school, rektor):
    client = Client()
    assert log_in(client, "anders.rektor")["Location"] == START

    start = client.get(START)
    assert start.status_code == 302
    assert start["Location"] == f"{SETUP}?next=%2F"
    person_page = reverse("person_detail", args=[school.pupils[0].pk])
    assert client.get(person_page)["Location"].startswith(SETUP)
    assert client.get(reverse("person_search"))["Location"].startswith(SETUP)
    assert client.get(reverse("account"))["Location"].startswith(SETUP)
    # htmx asks for a full page load rather than swapping the set-up page into a fragment.
    fragment = client.get(reverse("person_search"), HTTP_HX_REQUEST="true")
    assert fragment["HX-Redirect"].startswith(SETUP)
    # Logging out still works.
    assert client.post(reverse("logout"))["Location"] == reverse("login")


def test_a_rektor_enrols_with_the_qr_code_and_a_code_from_the_app(school, rektor):
    client = Client()
    log_in(client, "anders.rektor")
    page = client.get(f"{SETUP}?next=/personer/")
    body = page.content.decode()
    assert page.status_code == 200
    assert re.search(r'<svg [^>]*class="qr-code" role="img" aria-label="QR-kod"', body)
    device = page.context["device"]
    secret = "".join(page.context["secret_groups"])
    assert " ".join(page.context["secret_groups"]) in body  # the key in text, for typing
    assert f"secret={secret}" in device.config_url
    assert "issuer=Skolsam" in device.config_url
    assert not device.confirmed

    done = client.post(
        SETUP, {"device": device.pk, "token": code_for(device), "next": "/personer/"}
    )
    codes = re.findall(r"<code>([a-z2-7]{4}-[a-z2-7]{4})</code>", done.content.decode())
    assert len(set(codes)) == 10
    assert "visas bara den här gången" in done.content.decode()
    assert 'href="/personer/"' in done.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(START).status_code == 200
    assert client.get(reverse("person_detail", args=[school.pupils[0].pk])).status_code == 200
    entry = AuditEntry.objects.get(action="auth.2fa_enrol")
    assert entry.actor_id == rektor.pk
    assert entry.detail == {"device": "totp", "recovery_codes": 10}


def test_a_wrong_code_at_set_up_is_refused_and_logged(school, rektor):
    client = Client()
    log_in(client, "anders.rektor")
    device = client.get(SETUP).context["device"]
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    response = client.post(SETUP, {"device": device.pk, "token": wrong})
    assert response.status_code == 200
    assert "Koden stämmer inte" in response.content.decode()
    # The same key is shown again, so the app already holding it still works.
    assert response.context["device"].pk == device.pk
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get(START)["Location"].startswith(SETUP)
    failure = AuditEntry.objects.get(action="auth.2fa_failed")
    assert failure.actor_id == rektor.pk
    assert failure.detail == {"stage": "enrolment", "reason": "wrong_code"}


def test_an_enrolled_rektor_gives_a_code_at_every_login(school, rektor):
    device, _codes = _enrol(enrolling := Client(), "anders.rektor")
    enrolling.post(reverse("logout"))

    client = Client()
    log_in(client, "anders.rektor")
    assert client.get(START)["Location"] == f"{VERIFY}?next=%2F"
    verify_page = client.get(VERIFY)
    assert 'autocomplete="one-time-code"' in verify_page.content.decode()
    key_before = client.cookies["sessionid"].value
    response = client.post(VERIFY, {"token": code_for(device, steps_ahead=1), "next": "/"})
    assert response["Location"] == "/"
    assert client.cookies["sessionid"].value != key_before  # a new session key once verified
    assert client.get(START).status_code == 200
    assert AuditEntry.objects.filter(action="auth.2fa_verify", actor_id=rektor.pk).count() == 1


def test_a_wrong_code_at_login_fails_is_logged_and_slows_the_next_try(school, rektor):
    device = totp_device_create(user=rektor, audit=False)
    client = Client()
    log_in(client, "anders.rektor")
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    response = client.post(VERIFY, {"token": wrong})
    assert response.status_code == 200
    assert "Koden stämmer inte" in response.content.decode()
    assert client.get(START).status_code == 302
    failure = AuditEntry.objects.get(action="auth.2fa_failed")
    assert failure.detail == {"stage": "totp", "reason": "wrong_code"}
    assert failure.object_id == str(rektor.pk)

    # Right away, even the right code waits: django-otp throttles after a failure.
    throttled = client.post(VERIFY, {"token": code_for(device)})
    assert "För många felaktiga koder" in throttled.content.decode()
    assert client.get(START).status_code == 302

    letters = client.post(VERIFY, {"token": "abcdef"})
    assert "sex siffror" in letters.content.decode()


def test_a_recovery_code_works_once_only(school, rektor):
    enrolling = Client()
    _device, codes = _enrol(enrolling, "anders.rektor")
    enrolling.post(reverse("logout"))

    first = Client()
    log_in(first, "anders.rektor")
    used = codes[3]
    response = first.post(VERIFY, {"recovery_code": used.upper(), "next": "/"})
    assert response["Location"] == "/"
    start = first.get(START)
    assert start.status_code == 200
    assert "Du loggade in med en reservkod. Du har 9 kvar" in start.content.decode()
    entry = AuditEntry.objects.get(action="auth.2fa_recovery_code_used")
    assert entry.detail == {"codes_left": 9}

    second = Client()
    log_in(second, "anders.rektor")
    again = second.post(VERIFY, {"recovery_code": used})
    assert "Reservkoden stämmer inte eller är redan använd" in again.content.decode()
    assert second.get(START).status_code == 302
    assert AuditEntry.objects.filter(action="auth.2fa_failed").get().detail == {
        "stage": "recovery",
        "reason": "wrong_code",
    }


def test_new_recovery_codes_replace_the_old_ones(school, rektor):
    client = Client()
    _device, old_codes = _enrol(client, "anders.rektor")
    page = client.get(reverse("two_factor_recovery_codes"))
    assert "Du har 10 oanvända reservkoder" in page.content.decode()
    response = client.post(reverse("two_factor_recovery_codes"))
    new_codes = re.findall(r"<code>([a-z2-7]{4}-[a-z2-7]{4})</code>", response.content.decode())
    assert len(new_codes) == 10
    stored = set(StaticToken.objects.filter(device__user=rektor).values_list("token", flat=True))
    assert stored == {c.replace("-", "") for c in new_codes}
    assert not stored & {c.replace("-", "") for c in old_codes}
    # The session stays verified after replacing the codes.
    assert client.get(START).status_code == 200
    assert AuditEntry.objects.filter(action="auth.2fa_recovery_codes").count() == 1


def test_an_unverified_session_cannot_replace_the_app(school, rektor):
    """A stolen password alone must not be enough to enrol the thief's phone."""
    totp_device_create(user=rektor, audit=False)
    client = Client()
    log_in(client, "anders.rektor")
    response = client.get(SETUP)
    assert response["Location"].startswith(VERIFY)
    thief_device = TOTPDevice(user=rektor, confirmed=False)
    thief_device.save()
    posted = client.post(SETUP, {"device": thief_device.pk, "token": code_for(thief_device)})
    assert posted["Location"].startswith(VERIFY)
    thief_device.refresh_from_db()
    assert not thief_device.confirmed


def test_a_teacher_is_not_asked_for_two_factor_but_may_turn_it_on(school, teacher):
    client = Client()
    log_in(client, "maria.larare")
    assert client.get(START).status_code == 200
    account = client.get(reverse("account")).content.decode()
    assert "Slå på tvåstegsverifiering" in account

    device, _codes = _enrol(client, "maria.larare")
    client.post(reverse("logout"))

    # Having chosen it, the teacher now gives a code at login too.
    log_in(client, "maria.larare")
    assert client.get(START)["Location"].startswith(VERIFY)
    client.post(VERIFY, {"token": code_for(device, steps_ahead=1)})
    assert client.get(START).status_code == 200


def _kurator(school: Any) -> Any:
    return staff(school, DutyRole.KURATOR, "kurator.scheele")


def _central_administrator(school: Any) -> Any:
    user = f.UserFactory(username="central.koping")
    f.DutyFactory(
        person=user.person, duty_at=school.school.huvudman, duty_role=DutyRole.SKOLADMINISTRATOR
    )
    return user


def _superuser(school: Any) -> Any:
    return f.UserFactory(username="it.admin", person=None, is_superuser=True, is_staff=True)


def _auditor(school: Any) -> Any:
    from django.contrib.auth.models import Permission

    user: Any = f.UserFactory(username="granskare")
    user.user_permissions.add(Permission.objects.get(codename="search_auditentry"))
    return user


def _guardian(school: Any) -> Any:
    user = f.UserFactory(username="vh.lindqvist")
    f.ResponsibleFactory(person=school.pupils[0], responsible=user.person)
    return user


def _skolskoterska(school: Any) -> Any:
    return staff(school, DutyRole.SKOLSKOTERSKA, "skolskoterska.scheele")


@pytest.mark.parametrize(
    ("make_user", "required"),
    [
        (_kurator, True),
        (_skolskoterska, True),
        (_central_administrator, True),
        (_superuser, True),
        (_auditor, True),
        (_guardian, False),
    ],
)
def test_who_must_use_two_factor(school, make_user, required):
    user = make_user(school)
    client = Client()
    log_in(client, user.username)
    response = client.get(START)
    if required:
        assert response["Location"].startswith(SETUP)
    else:
        # A guardian's start page is the portal: a redirect there, not to set-up.
        assert client.get(START, follow=True).status_code == 200
        assert not response.get("Location", "").startswith((SETUP, VERIFY))


def test_the_django_admin_needs_a_verified_superuser(school):
    superuser = _superuser(school)
    device = totp_device_create(user=superuser, audit=False)
    client = Client()
    # The admin's login is Skolsam's login, with its lockout and audit log.
    assert client.get("/admin/")["Location"] == "/admin/login/?next=/admin/"
    assert client.get("/admin/login/?next=/admin/")["Location"] == "/login/?next=/admin/"
    log_in(client, "it.admin")
    assert client.get("/admin/")["Location"].startswith(VERIFY)
    client.post(VERIFY, {"token": code_for(device)})
    assert client.get("/admin/").status_code == 200

    # A verified teacher is no superuser: the admin is not there for them.
    teacher = staff(school, DutyRole.LARARE, "larare.admin")
    assert verified_client(teacher).get("/admin/", follow=True).status_code == 404


def test_a_password_reset_does_not_skip_two_factor(school, rektor):
    from django.core import mail

    device = totp_device_create(user=rektor, audit=False)
    client = Client()
    client.post(reverse("password_reset"), {"email": "anders@scheeleskolan.example.se"})
    [message] = mail.outbox
    link = re.search(r"https?://testserver(/losenord/aterstall/\S+/)", str(message.body))
    assert link
    form_page = client.get(link.group(1), follow=True)
    new_password = "ett nytt lösenord för rektorn 2026"
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    assert done["Location"] == reverse("password_reset_complete")
    assert SESSION_KEY not in client.session  # the reset logs nobody in

    assert log_in(client, "anders.rektor", new_password)["Location"] == START
    assert client.get(START)["Location"].startswith(VERIFY)
    client.post(VERIFY, {"token": code_for(device)})
    assert client.get(START).status_code == 200
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"auth.password_reset_request", "auth.password_reset", "auth.login"} <= actions


def test_a_password_reset_lifts_a_lockout(school, teacher):
    from django.core import mail

    client = Client()
    for _ in range(5):
        log_in(client, "maria.larare", "fel")
    assert log_in(client, "maria.larare").status_code == 429
    client.post(reverse("password_reset"), {"email": "maria@scheeleskolan.example.se"})
    link = re.search(r"https?://testserver(/losenord/aterstall/\S+/)", str(mail.outbox[0].body))
    assert link
    form_page = client.get(link.group(1), follow=True)
    new_password = "ett nytt lösenord för läraren 2026"
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    assert log_in(client, "maria.larare", new_password).status_code == 302
    entry = AuditEntry.objects.get(action="auth.password_reset")
    assert entry.detail == {"lockouts_lifted": 1}


def test_the_page_asked_for_survives_the_detour_through_set_up(school, rektor):
    client = Client()
    log_in(client, "anders.rektor")
    asked_for = "/personer/?q=Alva&sida=2"
    response = client.get(f"{VERIFY}?next=%2Fpersoner%2F%3Fq%3DAlva%26sida%3D2")
    assert response["Location"] == f"{SETUP}?next=%2Fpersoner%2F%3Fq%3DAlva%26sida%3D2"
    device = client.get(response["Location"]).context["device"]
    done = client.post(SETUP, {"device": device.pk, "token": code_for(device), "next": asked_for})
    assert 'href="/personer/?q=Alva&amp;sida=2"' in done.content.decode()
    # A next pointing to another site is ignored.
    assert client.get(f"{VERIFY}?next=https://example.com/")["Location"] == START
