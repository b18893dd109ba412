"""Real identity providers on 127.0.0.1 for the federated-login tests, started once a run.

SimpleSAMLphp (Debian) plays Sweden Connect and Skolfederation; oidc-provider-mock plays
the OpenID provider of the Swedish OIDC profile. Their users carry test personnummer
born in the 1960s, which the factories never hand out (they use 1976–1995 and 2010–2020),
so a test gives a person from the story the number of the IdP user it logs in as.

Without the Debian packages the tests are skipped with the install command, and fail
when CI is set: CI must run them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest
import requests
from django.test import Client
from django.urls import reverse

from skolsam.accounts.federation.keys import self_signed_pair
from skolsam.accounts.federation.localidp import (
    INSTALL_HINT,
    IdpUser,
    OidcProvider,
    SimpleSamlPhp,
    free_port,
    missing_packages,
)

PASSWORD = "demo-losenord"
KARIN_PNR = "196001062626"  # the story's guardian Karin, once a test gives it to her
UNKNOWN_PNR = "196001189114"  # nobody in the register
JOHAN_PNR = "196001209136"  # the guardian whose custody ended
STAFF_PNR = "196001252532"  # a teacher without a login
EVA_EPPN = "eva@scheeleskolan.example.se"

IDP_USERS = [
    IdpUser("karin", PASSWORD, "Karin", "Andersson", civic_no=KARIN_PNR),
    IdpUser("okand", PASSWORD, "Okänd", "Person", civic_no=UNKNOWN_PNR),
    IdpUser("johan", PASSWORD, "Johan", "Andersson", civic_no=JOHAN_PNR),
    IdpUser("larare", PASSWORD, "Maria", "Lärare", civic_no=STAFF_PNR),
    IdpUser("eva", PASSWORD, "Eva", "Administratör", eppn=EVA_EPPN),
    IdpUser("okand.personal", PASSWORD, "Okänd", "Personal", eppn="nobody@example.se"),
]
SP_ENTITY_ID = "http://testserver/saml/metadata/"
SP_ACS = "http://testserver/saml/acs/"
SP_SLS = "http://testserver/saml/sls/"


def _need_packages() -> None:
    missing = missing_packages()
    if missing:
        message = (
            f"The federated-login tests need Debian packages ({', '.join(missing)}): "
            f"run `{INSTALL_HINT}` (make system-packages does it as root)."
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def saml_idp(
    tmp_path_factory: pytest.TempPathFactory, sp_keys: tuple[Path, Path]
) -> Iterator[SimpleSamlPhp]:
    _need_packages()
    idp = SimpleSamlPhp(
        directory=tmp_path_factory.mktemp("simplesamlphp"), port=free_port(), users=IDP_USERS
    )
    idp.start()
    # With the certificate, the IdP refuses AuthnRequests and logout messages not signed by us.
    idp.add_service_provider(SP_ENTITY_ID, [SP_ACS], slo_urls=[SP_SLS], cert_file=sp_keys[1])
    yield idp
    idp.stop()


@pytest.fixture(scope="session")
def oidc_op(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcProvider]:
    log = tmp_path_factory.mktemp("oidc") / "op.log"
    op = OidcProvider(port=free_port(), users=IDP_USERS).start(log_file=log)
    yield op
    op.stop()


@pytest.fixture(scope="session")
def sp_keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    directory = tmp_path_factory.mktemp("sp")
    key, cert = directory / "sp.key", directory / "sp.crt"
    self_signed_pair(key, cert, common_name="Skolsam test SP")
    return key, cert


@pytest.fixture
def federation_settings(settings: Any, saml_idp: SimpleSamlPhp, sp_keys: tuple[Path, Path]) -> Any:
    """Point Skolsam's service provider at the local SAML IdP."""
    settings.SKOLSAM_BASE_URL = "http://testserver"
    settings.SKOLSAM_SAML_ENTITY_ID = SP_ENTITY_ID
    settings.SKOLSAM_SAML_KEY_FILE = str(sp_keys[0])
    settings.SKOLSAM_SAML_CERT_FILE = str(sp_keys[1])
    settings.SKOLSAM_SWEDENCONNECT_METADATA = saml_idp.metadata_url
    settings.SKOLSAM_SKOLFEDERATION_METADATA = saml_idp.metadata_url
    settings.SKOLSAM_SWEDENCONNECT_IDP = ""
    settings.SKOLSAM_SKOLFEDERATION_IDP = ""
    return settings


@pytest.fixture
def oidc_settings(settings: Any, oidc_op: OidcProvider) -> Any:
    """Point Skolsam's OpenID Connect client at the local OpenID provider."""
    issuer = oidc_op.issuer
    settings.SKOLSAM_OIDC_ISSUER = issuer
    settings.OIDC_RP_CLIENT_ID = "skolsam-test"
    settings.OIDC_RP_CLIENT_SECRET = "skolsam-test-secret"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{issuer}/oauth2/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{issuer}/oauth2/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{issuer}/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{issuer}/jwks"
    return settings


# --- driving the IdPs as a browser would ---------------------------------------------------


def _form(html: str) -> tuple[str, dict[str, str]]:
    """Return the first form's action and its inputs' values."""
    match = re.search(r"<form[^>]*action=\"([^\"]*)\"", html)
    action = unescape(match.group(1)) if match else ""
    fields: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]*)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            fields[unescape(name.group(1))] = unescape(value.group(1)) if value else ""
    return action, fields


def saml_idp_login(
    location: str,
    *,
    username: str,
    password: str = PASSWORD,
    browser: requests.Session | None = None,
) -> dict[str, str]:
    """Log in at SimpleSAMLphp from the AuthnRequest URL; return the form it posts back."""
    browser = browser or requests.Session()
    page = browser.get(location, timeout=20)
    page.raise_for_status()
    action, fields = _form(page.text)
    fields.update({"username": username, "password": password})
    answer = browser.post(requests.compat.urljoin(page.url, action), data=fields, timeout=20)
    answer.raise_for_status()
    _, posted = _form(answer.text)
    assert "SAMLResponse" in posted, answer.text[:2000]
    return {k: posted[k] for k in ("SAMLResponse", "RelayState") if k in posted}


def saml_login(
    client: Client,
    slug: str,
    *,
    username: str,
    next_url: str = "",
    browser: requests.Session | None = None,
) -> dict[str, str]:
    """Start a login on Skolsam and log in at the IdP; return what the IdP would post back.

    `browser` keeps the IdP's cookies (its session) for a test that goes on there.
    """
    url = reverse("saml_login", args=[slug]) + (f"?next={next_url}" if next_url else "")
    started = client.get(url)
    assert started.status_code == 302, started.content.decode()[:2000]
    return saml_idp_login(started["Location"], username=username, browser=browser)


def saml_idp_initiated(idp: SimpleSamlPhp, *, username: str) -> dict[str, str]:
    """Log in at SimpleSAMLphp without a request from Skolsam (IdP-initiated, unsolicited)."""
    location = f"{idp.base_url}/saml2/idp/SSOService.php?spentityid={SP_ENTITY_ID}"
    return saml_idp_login(location, username=username)


def oidc_authorize(location: str, *, sub: str) -> str:
    """Pick the predefined user at the OIDC mock; return the callback URL it redirects to."""
    answer = requests.post(location, data={"sub": sub}, allow_redirects=False, timeout=20)
    assert answer.status_code == 302, answer.text[:2000]
    return str(answer.headers["Location"])


def xmlsec_sign(xml: bytes, *, key: Path, cert: Path, node_id: str, workdir: Path) -> bytes:
    """Sign the element with ID `node_id` with xmlsec1 (for forging: an unknown key)."""
    source = workdir / "unsigned.xml"
    source.write_bytes(xml)
    out = workdir / "signed.xml"
    done = subprocess.run(  # noqa: S603
        [
            shutil.which("xmlsec1") or "xmlsec1",
            "--sign",
            "--privkey-pem",
            f"{key},{cert}",
            "--id-attr:ID",
            "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
            "--output",
            str(out),
            str(source),
        ],
        check=False,
        capture_output=True,
    )
    assert done.returncode == 0, done.stderr.decode()
    return out.read_bytes()
