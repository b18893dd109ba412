"""The matching rules and the per-huvudman choice of login methods, through the services."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from skolsam.accounts.federation.services import (
    FederatedIdentity,
    LoginRefused,
    Method,
    federated_login_resolve,
    login_methods_set,
)
from skolsam.accounts.models import LoginMethods
from skolsam.audit.models import AuditEntry
from skolsam.core.errors import DomainError
from skolsam.testing import factories as f
from skolsam.testing.story import Day, build_day


@pytest.fixture
def school(db: Any) -> Day:
    return build_day()


def _e_id(person: Any) -> FederatedIdentity:
    return FederatedIdentity(
        method=Method.OIDC, issuer="test", civic_no=person.civic_no, strong=True
    )


def test_a_pupil_gets_a_login_at_the_first_e_id_login(school: Day) -> None:
    pupil = school.pupils[0]
    user = federated_login_resolve(identity=_e_id(pupil))
    assert user.person_id == pupil.pk
    assert federated_login_resolve(identity=_e_id(pupil)).pk == user.pk


def test_the_number_is_read_in_any_usual_form(school: Day) -> None:
    number = school.guardian.civic_no
    written = f"{number[2:8]}-{number[8:]}"  # ÅÅMMDD-NNNN
    identity = FederatedIdentity(method=Method.OIDC, issuer="test", civic_no=written)
    assert federated_login_resolve(identity=identity).person_id == school.guardian.pk


def test_a_switched_off_account_is_refused(school: Day) -> None:
    f.UserFactory(person=school.guardian, is_active=False)
    with pytest.raises(LoginRefused) as refused:
        federated_login_resolve(identity=_e_id(school.guardian))
    assert refused.value.reason == "inactive"


def test_a_malformed_number_is_refused_as_invalid(school: Day) -> None:
    identity = FederatedIdentity(method=Method.OIDC, issuer="test", civic_no="inte-ett-nummer")
    with pytest.raises(LoginRefused) as refused:
        federated_login_resolve(identity=identity)
    assert refused.value.reason == "invalid_identity"
    assert AuditEntry.objects.filter(action="auth.federated_refused").count() == 1


def test_a_central_administrator_chooses_the_methods_of_her_huvudman(school: Day) -> None:
    huvudman = school.school.huvudman
    central = f.DutyFactory(duty_at=huvudman, duty_role="Övrig arbetsledning").person
    login_methods_set(actor=school.actor(central), huvudman=huvudman, e_legitimation=False)
    assert LoginMethods.objects.get(huvudman=huvudman).e_legitimation is False
    entry = AuditEntry.objects.get(action="auth.login_methods_set")
    assert entry.changes == {"e_legitimation": [True, False]}
    with pytest.raises(LoginRefused):
        federated_login_resolve(identity=_e_id(school.guardian))


def test_a_rektor_cannot_choose_the_methods(school: Day) -> None:
    with pytest.raises(DomainError):
        login_methods_set(
            actor=school.actor(school.rektor), huvudman=school.school.huvudman, e_legitimation=False
        )
    assert not LoginMethods.objects.exists()


def test_the_command_lists_and_sets_the_methods(school: Day) -> None:
    name = school.school.huvudman.display_name
    call_command("login_methods", name, "--skolfederation", "off", stdout=StringIO())
    out = StringIO()
    call_command("login_methods", stdout=out)
    assert f"{name}: e-legitimation på, Skolfederation av, engångskod på" in out.getvalue()
