"""Log in through the real SimpleSAMLphp: Sweden Connect by personnummer, Skolfederation by
eduPersonPrincipalName; and refuse whatever is not a genuine answer to our own request.

The responses are SimpleSAMLphp's own, posted to Skolsam's assertion consumer service as
the browser would; the attacks tamper with a genuine response.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY

from skolsam.accounts.federation.keys import self_signed_pair
from skolsam.accounts.models import LoginMethods, StrongLoginDevice, User
from skolsam.audit.models import AuditEntry
from skolsam.people.models import Person
from skolsam.testing import factories as f
from skolsam.testing.story import Day, build_day

from .conftest import (
    EVA_EPPN,
    JOHAN_PNR,
    KARIN_PNR,
    STAFF_PNR,
    saml_idp_initiated,
    saml_login,
    xmlsec_sign,
)

# They start real IdPs (once a run) and go through them: the slow lane.
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("federation_settings")]
ACS = reverse("saml_acs")


@pytest.fixture
def school(db: Any) -> Day:
    """Scheeleskolan's 7B; Karin, Johan and Maria carry the numbers the IdP asserts."""
    day = build_day()
    Person.objects.filter(pk=day.guardian.pk).update(civic_no=KARIN_PNR)
    Person.objects.filter(pk=day.former_guardian.pk).update(civic_no=JOHAN_PNR)
    Person.objects.filter(pk=day.teacher.pk).update(civic_no=STAFF_PNR)
    return day


def _refusals(**detail: Any) -> list[AuditEntry]:
    entries = list(AuditEntry.objects.filter(action="auth.federated_refused").order_by("pk"))
    return [e for e in entries if all(e.detail.get(k) == v for k, v in detail.items())]


def test_a_guardian_logs_in_with_e_id_and_gets_a_login_at_the_first_time(school: Day) -> None:
    client = Client()
    posted = saml_login(client, "e-legitimation", username="karin")
    response = client.post(ACS, posted)
    assert response.status_code == 302
    assert response["Location"] == reverse("start")

    user = User.objects.get(person=school.guardian)
    assert int(client.session[SESSION_KEY]) == user.pk
    assert not user.has_usable_password()
    # An e-ID login at LoA3 counts as two-factor: the session is verified.
    device = StrongLoginDevice.objects.get(user=user)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    # The start page sends a guardian on to the portal, which answers.
    landed = client.get(reverse("start"), follow=True)
    assert landed.status_code == 200
    assert landed.request["PATH_INFO"].startswith("/portal/")

    login = AuditEntry.objects.get(action="auth.federated_login")
    assert login.person_id == school.guardian.pk
    assert login.detail["method"] == "sweden_connect"
    assert login.detail["strong"] is True
    assert "http://id.elegnamnden.se/loa/1.0/loa3" in login.detail["authn_context"]
    assert AuditEntry.objects.filter(
        action="auth.federated_account_created", person_id=school.guardian.pk
    ).exists()

    # The next time, the same login is used again.
    again = Client()
    again.post(ACS, saml_login(again, "e-legitimation", username="karin"))
    assert int(again.session[SESSION_KEY]) == user.pk
    assert User.objects.filter(person=school.guardian).count() == 1


def test_the_login_goes_on_to_the_page_asked_for_but_never_off_the_site(school: Day) -> None:
    client = Client()
    posted = saml_login(client, "e-legitimation", username="karin", next_url="/konto/")
    assert client.post(ACS, posted)["Location"] == "/konto/"
    other = Client()
    posted = saml_login(other, "e-legitimation", username="karin", next_url="https://evil.example/")
    assert other.post(ACS, posted)["Location"] == reverse("start")


def test_someone_not_in_the_register_gets_a_clear_page_and_no_account(school: Day) -> None:
    users_before = User.objects.count()
    client = Client()
    response = client.post(ACS, saml_login(client, "e-legitimation", username="okand"))
    assert response.status_code == 403
    assert "Vi hittar dig inte i registret" in response.content.decode()
    assert SESSION_KEY not in client.session
    assert User.objects.count() == users_before
    (refusal,) = _refusals(reason="unknown")
    assert refusal.person_id is None
    assert refusal.detail["civic_no"] == "19600118XXXX"  # the birth date, not the number


def test_a_guardian_whose_custody_ended_is_not_let_in(school: Day) -> None:
    client = Client()
    response = client.post(ACS, saml_login(client, "e-legitimation", username="johan"))
    assert response.status_code == 403
    assert "Vi hittar dig inte i registret" in response.content.decode()
    assert not User.objects.filter(person=school.former_guardian).exists()
    (refusal,) = _refusals(reason="unknown")
    assert refusal.person_id == school.former_guardian.pk


def test_staff_without_a_login_are_sent_to_their_administrator(school: Day) -> None:
    client = Client()
    response = client.post(ACS, saml_login(client, "e-legitimation", username="larare"))
    assert response.status_code == 403
    assert "Du har inget konto i Skolsam" in response.content.decode()
    assert not User.objects.filter(person=school.teacher).exists()
    assert _refusals(reason="no_account")[0].person_id == school.teacher.pk


def test_a_huvudman_that_does_not_offer_e_id_refuses_it_with_a_page(school: Day) -> None:
    LoginMethods.objects.create(huvudman_id=school.school.huvudman_id, e_legitimation=False)
    client = Client()
    response = client.post(ACS, saml_login(client, "e-legitimation", username="karin"))
    assert response.status_code == 403
    page = response.content.decode()
    assert "Inloggningssättet erbjuds inte" in page
    assert "e-legitimation (Sweden Connect)" in page
    assert SESSION_KEY not in client.session
    assert _refusals(reason="method_not_offered")[0].person_id == school.guardian.pk


def test_staff_log_in_through_skolfederation_by_their_eppn(school: Day) -> None:
    teacher = f.UserFactory(person=school.teacher, edu_person_principal_name=EVA_EPPN)
    client = Client()
    response = client.post(ACS, saml_login(client, "skolfederation", username="eva"))
    assert response.status_code == 302
    assert int(client.session[SESSION_KEY]) == teacher.pk
    # A password-class Skolfederation login is not two-factor.
    assert DEVICE_ID_SESSION_KEY not in client.session
    entry = AuditEntry.objects.get(action="auth.federated_login")
    assert entry.detail["method"] == "skolfederation"
    assert entry.person_id == school.teacher.pk


def test_a_rektor_from_skolfederation_still_needs_the_authenticator_app(school: Day) -> None:
    f.UserFactory(person=school.rektor, edu_person_principal_name=EVA_EPPN)
    client = Client()
    client.post(ACS, saml_login(client, "skolfederation", username="eva"))
    response = client.get(reverse("start"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor_setup"))


def test_an_eppn_on_no_account_is_refused(school: Day) -> None:
    client = Client()
    response = client.post(ACS, saml_login(client, "skolfederation", username="okand.personal"))
    assert response.status_code == 403
    assert "Vi hittar dig inte i registret" in response.content.decode()
    assert _refusals(reason="unknown", eppn="nobody@example.se")


def test_the_login_page_offers_the_configured_ways(school: Day) -> None:
    page = Client().get(reverse("login")).content.decode()
    assert "Logga in med e-legitimation" in page
    assert "Logga in med Skolfederation" in page
    assert reverse("login_code") in page


def test_the_service_provider_publishes_its_metadata(school: Day) -> None:
    response = Client().get(reverse("saml_metadata"))
    assert response.status_code == 200
    xml = response.content.decode()
    assert 'entityID="http://testserver/saml/metadata/"' in xml
    assert "http://testserver/saml/acs/" in xml


def test_logging_out_ends_the_session_at_the_idp_too(school: Day, saml_idp: Any) -> None:
    client, browser = Client(), requests.Session()
    client.post(ACS, saml_login(client, "e-legitimation", username="karin", browser=browser))
    user = User.objects.get(person=school.guardian)
    assert int(client.session[SESSION_KEY]) == user.pk

    # The logout button sends Karin on to the IdP with a signed LogoutRequest ...
    started = client.post(reverse("logout"))
    assert started.status_code == 302
    assert "/saml2/idp/SingleLogoutService.php?SAMLRequest=" in started["Location"]
    assert "Signature=" in started["Location"]
    assert SESSION_KEY not in client.session
    assert AuditEntry.objects.filter(action="auth.logout", object_id=str(user.pk)).exists()
    # ... which ends its session and answers Skolsam's single logout service.
    location = started["Location"]
    while location.startswith(saml_idp.base_url):
        at_idp = browser.get(location, allow_redirects=False, timeout=20)
        assert at_idp.status_code in (302, 303), at_idp.text[:2000]
        location = requests.compat.urljoin(location, at_idp.headers["Location"])
    answer = urlsplit(location)
    assert answer.path == reverse("saml_sls")
    assert "SAMLResponse=" in answer.query
    finished = client.get(f"{answer.path}?{answer.query}")
    assert finished.status_code == 302
    assert finished["Location"] == reverse("login")
    assert SESSION_KEY not in client.session

    # Back at the IdP, Karin must log in again: the IdP's session is gone.
    again = Client().get(reverse("saml_login", args=["e-legitimation"]))
    page = browser.get(again["Location"], timeout=20)
    assert 'name="password"' in page.text


def test_logging_out_works_when_the_federation_is_gone(
    school: Day, federation_settings: Any
) -> None:
    client = Client()
    client.post(ACS, saml_login(client, "e-legitimation", username="karin"))
    assert SESSION_KEY in client.session
    federation_settings.SKOLSAM_SWEDENCONNECT_METADATA = ""
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert SESSION_KEY not in client.session


# --- attacks -----------------------------------------------------------------------------


def _xml(posted: dict[str, str]) -> bytes:
    return base64.b64decode(posted["SAMLResponse"])


def _post(client: Client, posted: dict[str, str], xml: bytes) -> Any:
    return client.post(ACS, {**posted, "SAMLResponse": base64.b64encode(xml).decode()})


def _assert_refused(client: Client, response: Any, saml_reason: str | None = None) -> None:
    assert response.status_code == 403
    assert "Inloggningen kunde inte genomföras" in response.content.decode()
    assert SESSION_KEY not in client.session
    refusals = _refusals(reason="invalid_identity")
    assert refusals
    if saml_reason:
        assert refusals[-1].detail["saml"] == saml_reason


def _strip_signatures(xml: bytes) -> bytes:
    return re.sub(rb"<ds:Signature.*?</ds:Signature>", b"", xml, flags=re.S)


def test_an_unsigned_assertion_is_refused(school: Day) -> None:
    client = Client()
    posted = saml_login(client, "e-legitimation", username="karin")
    assert b"<ds:Signature" in _xml(posted)
    _assert_refused(client, _post(client, posted, _strip_signatures(_xml(posted))))
    assert not User.objects.filter(person=school.guardian).exists()


def test_an_assertion_changed_after_signing_is_refused(school: Day) -> None:
    client = Client()
    posted = saml_login(client, "e-legitimation", username="okand")
    # Someone without an account swaps in Karin's personnummer.
    forged = _xml(posted).replace(b"196001189114", KARIN_PNR.encode())
    _assert_refused(client, _post(client, posted, forged))
    assert not User.objects.filter(person=school.guardian).exists()


def _resigned(posted: dict[str, str], *, key: Path, cert: Path, workdir: Path) -> bytes:
    """Give the assertion Karin's personnummer and sign it again with `key`.

    SimpleSAMLphp signs the response and the assertion; the forger drops the outer
    signature (an unsigned response with a signed assertion is valid) and signs the
    assertion again.
    """
    xml = _xml(posted).replace(b"196001189114", KARIN_PNR.encode())
    outer = re.search(rb"<ds:Signature.*?</ds:Signature>", xml, flags=re.S)
    assert outer and xml.index(outer.group(0)) < xml.index(b"<saml:Assertion")
    xml = xml.replace(outer.group(0), b"", 1)
    return xmlsec_sign(xml, key=key, cert=cert, node_id="", workdir=workdir)


def test_an_assertion_signed_with_another_key_is_refused(
    school: Day, tmp_path: Path, saml_idp: Any
) -> None:
    key, cert = tmp_path / "evil.key", tmp_path / "evil.crt"
    self_signed_pair(key, cert, common_name="Skolsam local IdP")
    client = Client()
    posted = saml_login(client, "e-legitimation", username="okand")
    _assert_refused(
        client, _post(client, posted, _resigned(posted, key=key, cert=cert, workdir=tmp_path))
    )
    assert not User.objects.filter(person=school.guardian).exists()

    # The control: the same change signed with the IdP's own key is accepted, so what
    # refused the forgery above was the key.
    genuine = Client()
    posted = saml_login(genuine, "e-legitimation", username="okand")
    resigned = _resigned(posted, key=saml_idp.key_file, cert=saml_idp.cert_file, workdir=tmp_path)
    assert _post(genuine, posted, resigned).status_code == 302
    assert int(genuine.session[SESSION_KEY]) == User.objects.get(person=school.guardian).pk


def test_a_response_is_accepted_once(school: Day) -> None:
    client = Client()
    posted = saml_login(client, "e-legitimation", username="karin")
    assert client.post(ACS, posted).status_code == 302
    thief = Client()
    _assert_refused(thief, thief.post(ACS, posted), "replayed")


def test_a_response_for_another_service_provider_is_refused(
    school: Day, federation_settings: Any
) -> None:
    client = Client()
    posted = saml_login(client, "e-legitimation", username="karin")
    # The same IdP's genuine assertion, but meant for another audience than this SP.
    federation_settings.SKOLSAM_SAML_ENTITY_ID = "http://annan-tjanst.example/saml/"
    _assert_refused(client, client.post(ACS, posted))


def test_a_response_to_no_request_of_ours_is_refused(school: Day, saml_idp: Any) -> None:
    # An IdP-initiated login: genuine and signed, but unsolicited.
    client = Client()
    posted = saml_idp_initiated(saml_idp, username="karin")
    _assert_refused(client, client.post(ACS, posted), "unknown_request")
    assert not User.objects.filter(person=school.guardian).exists()
    _assert_refused(client, client.post(ACS, {}), "unknown_request")
    _assert_refused(client, client.post(ACS, {"SAMLResponse": "inte base64"}), "unknown_request")


def test_the_posted_relay_state_does_not_choose_where_the_login_goes_on_to(school: Day) -> None:
    client = Client()
    posted = saml_login(client, "e-legitimation", username="karin", next_url="/konto/")
    answer = client.post(ACS, {**posted, "RelayState": "https://evil.example/"})
    assert answer["Location"] == "/konto/"


def test_an_e_id_login_below_the_requested_level_of_assurance_is_refused(school: Day) -> None:
    # Eva's account at the IdP has no personnummer: her assertion is not at LoA3.
    f.UserFactory(person=school.teacher, edu_person_principal_name=EVA_EPPN)
    client = Client()
    posted = saml_login(client, "e-legitimation", username="eva")
    _assert_refused(client, client.post(ACS, posted), "weak_authn_context")


def test_a_response_from_another_idp_than_the_federations_is_refused(
    school: Day, federation_settings: Any
) -> None:
    client = Client()
    posted = saml_login(client, "e-legitimation", username="karin")
    # The federation now names another IdP; the same signed response no longer fits it.
    federation_settings.SKOLSAM_SWEDENCONNECT_IDP = "http://annan-idp.example/saml/"
    _assert_refused(client, client.post(ACS, posted), "wrong_issuer")
    assert not User.objects.filter(person=school.guardian).exists()
