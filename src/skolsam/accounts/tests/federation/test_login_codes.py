"""The manual path: a guardian without e-ID gets a one-time code by SMS from the school.

The SMS goes through the console provider (the demo's), so the test reads it as the
guardian would read their phone.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY

from skolsam.accounts.federation.login_codes import login_code_issue
from skolsam.accounts.models import LoginCode, LoginMethods, User
from skolsam.audit.models import AuditEntry
from skolsam.core.access import system_actor
from skolsam.core.choices import DutyRole, SecurityMarking
from skolsam.core.errors import DomainError
from skolsam.people.models import Person
from skolsam.testing.auth import verified_client
from skolsam.testing.story import Day, build_day

from ..conftest import staff


@pytest.fixture
def school(db: Any) -> Day:
    return build_day()


@pytest.fixture
def school_admin(school: Day) -> Any:
    return staff(school, DutyRole.SKOLADMINISTRATOR, "eva.admin")


def _send(admin: Any, guardian: Any, capsys: Any, capture: Any, checked: bool = True) -> Any:
    client = verified_client(admin)
    with capture(execute=True):
        response = client.post(
            reverse("login_code_send", args=[guardian.pk]),
            {"identity_checked": "on"} if checked else {},
        )
    return response, capsys.readouterr().out


def _code_in(sms: str) -> str:
    match = re.search(r"\b(\d{8})\b", sms)
    assert match, sms
    return match.group(1)


def test_a_guardian_without_e_id_logs_in_once_with_a_code_from_the_school(
    school: Day, school_admin: Any, capsys: Any, django_capture_on_commit_callbacks: Any
) -> None:
    response, sms = _send(school_admin, school.guardian, capsys, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert "Engångskoden är skickad" in response.content.decode()
    assert "SMS till 070-1234567" in sms  # the number in the register
    issued = AuditEntry.objects.get(action="auth.login_code_issued")
    assert issued.person_id == school.guardian.pk
    assert issued.actor_id == school_admin.pk
    assert _code_in(sms) not in str(LoginCode.objects.get().code_hash)

    guardian = Client()
    answer = guardian.post(
        reverse("login_code"),
        {"civic_no": school.guardian.civic_no, "code": _code_in(sms)},
    )
    assert answer.status_code == 302
    user = User.objects.get(person=school.guardian)
    assert int(guardian.session[SESSION_KEY]) == user.pk
    # A code is not a strong login: it does not count as two-factor.
    assert DEVICE_ID_SESSION_KEY not in guardian.session
    login = AuditEntry.objects.get(action="auth.federated_login")
    assert login.detail["method"] == "one_time_code"

    # It works once.
    again = Client().post(
        reverse("login_code"), {"civic_no": school.guardian.civic_no, "code": _code_in(sms)}
    )
    assert again.status_code == 200
    assert "Koden stämmer inte eller har gått ut" in again.content.decode()


def test_five_wrong_codes_void_it(
    school: Day, school_admin: Any, capsys: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _, sms = _send(school_admin, school.guardian, capsys, django_capture_on_commit_callbacks)
    code = _code_in(sms)
    wrong = "00000000" if code != "00000000" else "11111111"
    client = Client()
    for _ in range(5):
        page = client.post(
            reverse("login_code"), {"civic_no": school.guardian.civic_no, "code": wrong}
        )
        assert "Koden stämmer inte" in page.content.decode()
    late = client.post(reverse("login_code"), {"civic_no": school.guardian.civic_no, "code": code})
    assert late.status_code == 200
    assert SESSION_KEY not in client.session
    assert (
        AuditEntry.objects.filter(
            action="auth.federated_refused", person_id=school.guardian.pk
        ).count()
        == 6
    )


def test_bad_input_says_which_field_and_why(school: Day) -> None:
    short = Client().post(
        reverse("login_code"), {"civic_no": school.guardian.civic_no, "code": "12"}
    )
    assert short.status_code == 200
    assert "Koden är 8 siffror" in short.content.decode()
    bad = Client().post(reverse("login_code"), {"civic_no": "abc", "code": "12345678"})
    assert bad.status_code == 200
    assert "Personnummer" in bad.content.decode()
    assert 'aria-invalid="true"' in bad.content.decode() or "field--error" in bad.content.decode()
    assert not AuditEntry.objects.filter(action="auth.federated_login").exists()


def test_the_identity_check_must_be_confirmed(
    school: Day, school_admin: Any, capsys: Any, django_capture_on_commit_callbacks: Any
) -> None:
    response, sms = _send(
        school_admin, school.guardian, capsys, django_capture_on_commit_callbacks, checked=False
    )
    assert response.status_code == 400
    assert "Bekräfta att du har kontrollerat" in response.content.decode()
    assert sms == ""
    assert not LoginCode.objects.exists()


def test_a_teacher_cannot_send_codes(school: Day) -> None:
    teacher = staff(school, DutyRole.LARARE, "maria.larare")
    response = verified_client(teacher).post(
        reverse("login_code_send", args=[school.guardian.pk]), {"identity_checked": "on"}
    )
    assert response.status_code == 404
    assert not LoginCode.objects.exists()


def test_a_huvudman_without_the_manual_path_refuses_to_send(
    school: Day, school_admin: Any, capsys: Any, django_capture_on_commit_callbacks: Any
) -> None:
    LoginMethods.objects.create(huvudman_id=school.school.huvudman_id, one_time_code=False)
    response, sms = _send(school_admin, school.guardian, capsys, django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert "erbjuder inte inloggning med engångskod" in response.content.decode()
    assert sms == ""


def test_a_guardian_without_a_mobile_number_gets_no_code(
    school: Day, school_admin: Any, capsys: Any, django_capture_on_commit_callbacks: Any
) -> None:
    Person.objects.filter(pk=school.guardian.pk).update(phone_numbers=[])
    response, sms = _send(school_admin, school.guardian, capsys, django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert "inget mobilnummer i registret" in response.content.decode()
    assert sms == ""
    assert not LoginCode.objects.exists()


def test_a_protected_guardian_gets_no_sms(
    school: Day, capsys: Any, django_capture_on_commit_callbacks: Any
) -> None:
    Person.objects.filter(pk=school.guardian.pk).update(
        security_marking=SecurityMarking.SKYDDAD_FOLKBOKFORING
    )
    school.guardian.refresh_from_db()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(DomainError, match="skyddade personuppgifter"),
    ):
        login_code_issue(actor=system_actor("test"), person=school.guardian)
    assert capsys.readouterr().out == ""
    assert not LoginCode.objects.exists()
