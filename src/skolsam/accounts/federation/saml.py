"""Be a SAML service provider for Sweden Connect and Skolfederation (pysaml2).

One service provider (entity id SKOLSAM_SAML_ENTITY_ID, one assertion consumer service at
/saml/acs/) takes part in both federations. A login starts with a signed AuthnRequest
(HTTP-Redirect) to the federation's IdP; its id is kept in the database with a random
RelayState (`SamlRequest`), and the posted response is accepted only as the answer to
that request, once, within ten minutes. The assertion must be signed by a key in the IdP's
metadata, be addressed to this service provider (audience, destination) and be in date;
pysaml2 checks that with xmlsec1.

djangosaml2's views and backend are not used: they create or update users from attributes,
and here an identity is only ever matched to the register (`federation.services`).
"""

from __future__ import annotations

import functools
import secrets
import shutil
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils import timezone
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.saml import NAMEID_FORMAT_TRANSIENT, AuthnContextClassRef
from saml2.samlp import RequestedAuthnContext
from saml2.xmldsig import SIG_RSA_SHA256

from skolsam.accounts.federation.keys import self_signed_pair
from skolsam.accounts.federation.services import FederatedIdentity, Method
from skolsam.accounts.models import SamlRequest

PERSONAL_IDENTITY_NUMBER = "urn:oid:1.2.752.29.4.13"
EDU_PERSON_PRINCIPAL_NAME = "urn:oid:1.3.6.1.4.1.5923.1.1.1.6"
# Friendly names some IdPs send instead of (or beside) the OID names.
_ATTRIBUTE_NAMES = {
    PERSONAL_IDENTITY_NUMBER: {PERSONAL_IDENTITY_NUMBER, "personalIdentityNumber"},
    EDU_PERSON_PRINCIPAL_NAME: {EDU_PERSON_PRINCIPAL_NAME, "eduPersonPrincipalName"},
}
REQUEST_LIFETIME = timedelta(minutes=10)


@dataclass(frozen=True)
class Federation:
    slug: str  # in URLs: /saml/<slug>/login/
    method: Method
    label: str
    metadata: str
    metadata_cert: str
    idp: str
    requested_context: str


class SamlUnavailable(Exception):
    """The federation's metadata could not be loaded (the IdP is down or misconfigured)."""


class AssertionRefused(Exception):
    """The response is not a valid answer to one of our requests; `reason` says why."""

    def __init__(self, reason: str, *, federation: Federation | None = None, issuer: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.federation = federation
        self.issuer = issuer


def federations() -> dict[str, Federation]:
    """Return the configured SAML federations by slug (one without metadata is left out)."""
    found = [
        Federation(
            slug="e-legitimation",
            method=Method.SWEDEN_CONNECT,
            label="e-legitimation",
            metadata=settings.SKOLSAM_SWEDENCONNECT_METADATA,
            metadata_cert=settings.SKOLSAM_SWEDENCONNECT_METADATA_CERT,
            idp=settings.SKOLSAM_SWEDENCONNECT_IDP,
            requested_context=settings.SKOLSAM_SWEDENCONNECT_LOA,
        ),
        Federation(
            slug="skolfederation",
            method=Method.SKOLFEDERATION,
            label="Skolfederation",
            metadata=settings.SKOLSAM_SKOLFEDERATION_METADATA,
            metadata_cert=settings.SKOLSAM_SKOLFEDERATION_METADATA_CERT,
            idp=settings.SKOLSAM_SKOLFEDERATION_IDP,
            requested_context="",
        ),
    ]
    return {f.slug: f for f in found if f.metadata}


def _sp_keys() -> tuple[str, str]:
    key, cert = settings.SKOLSAM_SAML_KEY_FILE, settings.SKOLSAM_SAML_CERT_FILE
    if key and cert:
        return key, cert
    if not settings.DEBUG:
        raise ImproperlyConfigured(
            "Set SKOLSAM_SAML_KEY_FILE and SKOLSAM_SAML_CERT_FILE to the service provider's "
            "key and certificate (README, 'Logga in med e-legitimation och Skolfederation')."
        )
    directory = Path(settings.VAR_DIR) / "saml"
    key_path, cert_path = directory / "sp.key", directory / "sp.crt"
    self_signed_pair(key_path, cert_path, common_name="Skolsam demo SP")
    return str(key_path), str(cert_path)


def acs_url() -> str:
    return f"{settings.SKOLSAM_BASE_URL}{reverse('saml_acs')}"


def _metadata_config(feds: tuple[Federation, ...]) -> dict[str, list[Any]]:
    remote: list[dict[str, Any]] = []
    local: list[str] = []
    for fed in feds:
        if fed.metadata.startswith(("http://", "https://")):
            # Only a local IdP (the demo's, the tests') may go without a signed metadata.
            local_idp = urlsplit(fed.metadata).hostname in ("127.0.0.1", "localhost", "::1")
            if not fed.metadata_cert and not local_idp:
                raise ImproperlyConfigured(
                    f"Metadata for {fed.label} is fetched from {fed.metadata}: set the "
                    "certificate that signs it (SKOLSAM_*_METADATA_CERT)."
                )
            entry = {"url": fed.metadata, "cert": fed.metadata_cert or None}
            if entry not in remote:
                remote.append(entry)
        elif fed.metadata not in local:
            local.append(fed.metadata)
    config: dict[str, list[Any]] = {}
    if remote:
        config["remote"] = remote
    if local:
        config["local"] = local
    return config


def sp_config_dict() -> dict[str, Any]:
    """Return the pysaml2 configuration of Skolsam's service provider."""
    xmlsec = settings.SKOLSAM_XMLSEC_BINARY
    if not (Path(xmlsec).exists() or shutil.which(xmlsec)):
        raise ImproperlyConfigured(
            f"xmlsec1 is not installed ({xmlsec}): apt-get install -y xmlsec1"
        )
    key, cert = _sp_keys()
    return {
        "entityid": settings.SKOLSAM_SAML_ENTITY_ID,
        "xmlsec_binary": xmlsec,
        "key_file": key,
        "cert_file": cert,
        "encryption_keypairs": [{"key_file": key, "cert_file": cert}],
        "allow_unknown_attributes": True,
        "accepted_time_diff": 60,
        "service": {
            "sp": {
                "name": "Skolsam",
                "endpoints": {"assertion_consumer_service": [(acs_url(), BINDING_HTTP_POST)]},
                "allow_unsolicited": False,
                "authn_requests_signed": True,
                "want_assertions_signed": True,
                "want_response_signed": False,
                "want_assertions_or_response_signed": True,
                "name_id_format": NAMEID_FORMAT_TRANSIENT,
            }
        },
    }


@functools.lru_cache(maxsize=8)
def _client_for(key: tuple[Any, ...]) -> Saml2Client:
    feds = key[0]
    config = SPConfig()
    settings_dict = sp_config_dict()
    settings_dict["metadata"] = _metadata_config(feds)
    try:
        config.load(settings_dict)
    except Exception as error:  # pysaml2 raises many kinds when metadata cannot be loaded
        raise SamlUnavailable(str(error)) from error
    return Saml2Client(config)


def _client() -> Saml2Client:
    # Metadata is fetched again at least every hour, and whenever the settings change.
    key = (
        tuple(federations().values()),
        settings.SKOLSAM_SAML_ENTITY_ID,
        settings.SKOLSAM_BASE_URL,
        settings.SKOLSAM_SAML_KEY_FILE,
        int(time.time() // 3600),
    )
    return _client_for(key)


def _idp_of(client: Saml2Client, fed: Federation) -> str:
    if fed.idp:
        return fed.idp
    idps = list(client.metadata.identity_providers())
    if len(idps) != 1:
        raise ImproperlyConfigured(
            f"The metadata of {fed.label} names {len(idps)} identity providers: set "
            "SKOLSAM_SWEDENCONNECT_IDP or SKOLSAM_SKOLFEDERATION_IDP to the one to use."
        )
    return idps[0]


def saml_login_start(*, fed: Federation, next_url: str) -> str:
    """Record a new AuthnRequest and return the IdP URL that carries it (HTTP-Redirect)."""
    client = _client()
    idp = _idp_of(client, fed)
    relay_state = secrets.token_urlsafe(32)
    extra: dict[str, Any] = {}
    if fed.requested_context:
        extra["requested_authn_context"] = RequestedAuthnContext(
            authn_context_class_ref=[AuthnContextClassRef(text=fed.requested_context)],
            comparison="exact",
        )
    request_id, info = client.prepare_for_authenticate(
        entityid=idp,
        relay_state=relay_state,
        binding=BINDING_HTTP_REDIRECT,
        sign=True,
        sigalg=SIG_RSA_SHA256,
        **extra,
    )
    SamlRequest.objects.filter(created_at__lt=timezone.now() - REQUEST_LIFETIME).delete()
    SamlRequest.objects.create(
        request_id=request_id, relay_state=relay_state, federation=fed.slug, next_url=next_url
    )
    return str(dict(info["headers"])["Location"])


def _attribute_values(assertion: Any) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for statement in assertion.attribute_statement or []:
        for attribute in statement.attribute or []:
            texts = [v.text.strip() for v in attribute.attribute_value or [] if v.text]
            for name in (attribute.name, attribute.friendly_name):
                if name:
                    values.setdefault(name, []).extend(texts)
    return values


def _first(values: dict[str, list[str]], attribute: str) -> str:
    for name in _ATTRIBUTE_NAMES[attribute]:
        if values.get(name):
            return values[name][0]
    return ""


def saml_response_accept(*, saml_response: str, relay_state: str) -> tuple[FederatedIdentity, str]:
    """Check a posted response and return the identity it asserts and the page to go on to.

    Raises AssertionRefused for anything but a valid, signed, in-date answer to an
    outstanding request of ours, addressed to us.
    """
    now = timezone.now()
    request = SamlRequest.objects.filter(
        relay_state=relay_state or "-", created_at__gte=now - REQUEST_LIFETIME
    ).first()
    if request is None:
        raise AssertionRefused("unknown_request")
    # Consume it first, in one UPDATE: a second post of the same response finds it used.
    if not SamlRequest.objects.filter(pk=request.pk, consumed_at__isnull=True).update(
        consumed_at=now
    ):
        raise AssertionRefused("replayed")
    fed = federations().get(request.federation)
    if fed is None:
        raise AssertionRefused("federation_off")
    client = _client()
    try:
        response = client.parse_authn_request_response(
            saml_response, BINDING_HTTP_POST, outstanding={request.request_id: request.next_url}
        )
    except Exception as error:  # pysaml2 signals each failed check with its own exception
        raise AssertionRefused(type(error).__name__, federation=fed) from error
    if response is None or response.assertion is None:
        raise AssertionRefused("no_assertion", federation=fed)
    issuer = response.issuer() or ""
    if issuer != _idp_of(client, fed):
        raise AssertionRefused("wrong_issuer", federation=fed, issuer=issuer)
    values = _attribute_values(response.assertion)
    contexts = [str(info[0]) for info in response.authn_info() if info and info[0]]
    detail = {"authn_context": contexts}
    if fed.method == Method.SWEDEN_CONNECT:
        if fed.requested_context and fed.requested_context not in contexts:
            raise AssertionRefused("weak_authn_context", federation=fed, issuer=issuer)
        identity = FederatedIdentity(
            method=fed.method,
            issuer=issuer,
            civic_no=_first(values, PERSONAL_IDENTITY_NUMBER),
            strong=True,
            detail=detail,
        )
    else:
        mfa = set(settings.SKOLSAM_SKOLFEDERATION_MFA_CONTEXTS)
        identity = FederatedIdentity(
            method=fed.method,
            issuer=issuer,
            eppn=_first(values, EDU_PERSON_PRINCIPAL_NAME),
            strong=bool(mfa.intersection(contexts)),
            detail=detail,
        )
    return identity, request.next_url


def sp_metadata_xml() -> str:
    """Return this service provider's metadata, for registration in the federations."""
    from saml2.metadata import entity_descriptor

    config = SPConfig()
    config.load(sp_config_dict())
    return str(entity_descriptor(config))
