"""Configure djangosaml2 for Sweden Connect and Skolfederation, and keep its requests in the DB.

One service provider (entity id SKOLSAM_SAML_ENTITY_ID, one assertion consumer service at
/saml/acs/) takes part in both federations. djangosaml2's views speak the protocol
(`federation.views`); this module gives them

- the pysaml2 configuration of each federation (`sp_config`, also djangosaml2's
  SAML_CONFIG_LOADER): signed AuthnRequests, signed assertions wanted, unsolicited
  responses refused, only that federation's metadata;
- the outstanding AuthnRequests, kept in the database (`SamlRequest`) instead of
  djangosaml2's cookie session: the IdP posts the response cross-site, and neither the
  SameSite=Lax session cookie nor a SameSite=None cookie on plain http://127.0.0.1 comes with
  that POST. A response is accepted only as the answer to one of them, once, within ten
  minutes (`saml_request_consume`);
- what a checked response asserts (`saml_identity`), for the authentication backend.
"""

from __future__ import annotations

import base64
import functools
import shutil
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import SPConfig
from saml2.saml import NAMEID_FORMAT_TRANSIENT, AuthnContextClassRef
from saml2.samlp import RequestedAuthnContext, response_from_string
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

from skolsam.accounts.federation.keys import self_signed_pair
from skolsam.accounts.federation.services import FederatedIdentity, Method
from skolsam.accounts.models import SamlRequest

PERSONAL_IDENTITY_NUMBER = "urn:oid:1.2.752.29.4.13"
EDU_PERSON_PRINCIPAL_NAME = "urn:oid:1.3.6.1.4.1.5923.1.1.1.6"
# pysaml2 names an attribute it knows by its friendly name (eduPersonPrincipalName), one it
# does not by the name it came with; some IdPs send the friendly names themselves.
_ATTRIBUTE_NAMES = {
    PERSONAL_IDENTITY_NUMBER: (PERSONAL_IDENTITY_NUMBER, "personalIdentityNumber"),
    EDU_PERSON_PRINCIPAL_NAME: (EDU_PERSON_PRINCIPAL_NAME, "eduPersonPrincipalName"),
}
REQUEST_LIFETIME = timedelta(minutes=10)
# Where the ACS view puts the federation into djangosaml2's session_info for the backend.
FEDERATION_KEY = "skolsam_federation"


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

    def __init__(self, reason: str, *, issuer: str = ""):
        super().__init__(reason)
        self.reason = reason
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


def sp_keys() -> tuple[str, str]:
    """Return the service provider's key and certificate files (the demo makes a pair)."""
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


def sls_url() -> str:
    return f"{settings.SKOLSAM_BASE_URL}{reverse('saml_sls')}"


def _metadata_config(fed: Federation) -> dict[str, list[Any]]:
    if not fed.metadata.startswith(("http://", "https://")):
        return {"local": [fed.metadata]}
    # Only a local IdP (the demo's, the tests') may go without a signed metadata.
    local_idp = urlsplit(fed.metadata).hostname in ("127.0.0.1", "localhost", "::1")
    if not fed.metadata_cert and not local_idp:
        raise ImproperlyConfigured(
            f"Metadata for {fed.label} is fetched from {fed.metadata}: set the "
            "certificate that signs it (SKOLSAM_*_METADATA_CERT)."
        )
    return {"remote": [{"url": fed.metadata, "cert": fed.metadata_cert or None}]}


def sp_config_dict() -> dict[str, Any]:
    """Return the pysaml2 configuration of Skolsam's service provider, without IdP metadata."""
    xmlsec = settings.SKOLSAM_XMLSEC_BINARY
    if not (Path(xmlsec).exists() or shutil.which(xmlsec)):
        raise ImproperlyConfigured(
            f"xmlsec1 is not installed ({xmlsec}): apt-get install -y xmlsec1"
        )
    key, cert = sp_keys()
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
                "endpoints": {
                    "assertion_consumer_service": [(acs_url(), BINDING_HTTP_POST)],
                    "single_logout_service": [(sls_url(), BINDING_HTTP_REDIRECT)],
                },
                "allow_unsolicited": False,
                "authn_requests_signed": True,
                "logout_requests_signed": True,
                "logout_responses_signed": True,
                "want_assertions_signed": True,
                "want_response_signed": False,
                "want_assertions_or_response_signed": True,
                "signing_algorithm": SIG_RSA_SHA256,
                "digest_algorithm": DIGEST_SHA256,
                "name_id_format": NAMEID_FORMAT_TRANSIENT,
                "force_authn": False,
                "allow_create": False,
            }
        },
    }


@functools.lru_cache(maxsize=8)
def _config_for(key: tuple[Any, ...]) -> SPConfig:
    fed = key[0]
    settings_dict = sp_config_dict()
    if fed is not None:
        settings_dict["metadata"] = _metadata_config(fed)
    config = SPConfig()
    try:
        config.load(settings_dict)
    except Exception as error:  # pysaml2 raises many kinds when metadata cannot be loaded
        raise SamlUnavailable(str(error)) from error
    return config


def sp_config(fed: Federation | None) -> SPConfig:
    """Return the service provider's configuration with `fed`'s metadata (None: without)."""
    # Metadata is fetched again at least every hour, and whenever the settings change.
    key = (
        fed,
        settings.SKOLSAM_SAML_ENTITY_ID,
        settings.SKOLSAM_BASE_URL,
        settings.SKOLSAM_SAML_KEY_FILE,
        int(time.time() // 3600),
    )
    return _config_for(key)


def config_loader(request: HttpRequest | None = None) -> SPConfig:
    """Be djangosaml2's SAML_CONFIG_LOADER: the configuration without any IdP (metadata).

    The views that talk to an IdP know its federation and ask `sp_config` themselves.
    """
    return sp_config(None)


def federation_idp(fed: Federation) -> str:
    """Return the entity id of the IdP a login with `fed` goes to."""
    if fed.idp:
        return fed.idp
    idps = list(sp_config(fed).metadata.identity_providers())
    if len(idps) != 1:
        raise ImproperlyConfigured(
            f"The metadata of {fed.label} names {len(idps)} identity providers: set "
            "SKOLSAM_SWEDENCONNECT_IDP or SKOLSAM_SKOLFEDERATION_IDP to the one to use."
        )
    return str(idps[0])


def requested_authn_context(fed: Federation) -> RequestedAuthnContext | None:
    """Return the level of assurance to ask the IdP for (Sweden Connect: LoA3), if any."""
    if not fed.requested_context:
        return None
    return RequestedAuthnContext(
        authn_context_class_ref=[AuthnContextClassRef(text=fed.requested_context)],
        comparison="exact",
    )


def saml_request_record(*, fed: Federation, request_id: str, next_url: str) -> SamlRequest:
    """Keep an AuthnRequest sent to `fed`'s IdP until its answer comes (ten minutes)."""
    SamlRequest.objects.filter(created_at__lt=timezone.now() - REQUEST_LIFETIME).delete()
    return SamlRequest.objects.create(request_id=request_id, federation=fed.slug, next_url=next_url)


def _in_response_to(saml_response: str) -> str:
    """Read the request id a posted response says it answers (not yet checked: a lookup key)."""
    try:
        xml = base64.b64decode(saml_response, validate=True)
        response = response_from_string(xml)
    except Exception:  # base64, defusedxml and pysaml2 each raise their own kinds
        return ""
    return str(getattr(response, "in_response_to", "") or "")


def saml_request_consume(*, saml_response: str) -> SamlRequest:
    """Take the outstanding request a posted response answers, so it is answered only once.

    pysaml2 then checks that the signed response answers exactly this request
    (InResponseTo). Raises AssertionRefused when there is none in date, or it was answered.
    """
    now = timezone.now()
    request_id = _in_response_to(saml_response)
    request = (
        SamlRequest.objects.filter(request_id=request_id, created_at__gte=now - REQUEST_LIFETIME)
        .only("pk", "request_id", "federation", "next_url")
        .first()
        if request_id
        else None
    )
    if request is None:
        raise AssertionRefused("unknown_request")
    # One UPDATE: of two posts of the same response, only one finds it unused.
    if not SamlRequest.objects.filter(pk=request.pk, consumed_at__isnull=True).update(
        consumed_at=now
    ):
        raise AssertionRefused("replayed")
    return request


def response_check(*, fed: Federation, response: Any) -> None:
    """Refuse a response pysaml2 accepted but that `fed` must not: another IdP, weaker LoA."""
    issuer = response.issuer() or ""
    if response.assertion is None:
        raise AssertionRefused("no_assertion", issuer=issuer)
    if issuer != federation_idp(fed):
        raise AssertionRefused("wrong_issuer", issuer=issuer)
    contexts = [str(info[0]) for info in response.authn_info() if info and info[0]]
    if fed.requested_context and fed.requested_context not in contexts:
        raise AssertionRefused("weak_authn_context", issuer=issuer)


def _first(ava: dict[str, list[str]], attribute: str) -> str:
    for name in _ATTRIBUTE_NAMES[attribute]:
        for value in ava.get(name) or []:
            if value and str(value).strip():
                return str(value).strip()
    return ""


def saml_identity(*, fed: Federation, session_info: dict[str, Any]) -> FederatedIdentity:
    """Return who a checked response (djangosaml2's `session_info`) says is logging in."""
    ava: dict[str, list[str]] = session_info.get("ava") or {}
    issuer = str(session_info.get("issuer") or "")
    contexts = [str(info[0]) for info in session_info.get("authn_info") or [] if info and info[0]]
    detail = {"authn_context": contexts}
    if fed.method == Method.SWEDEN_CONNECT:
        return FederatedIdentity(
            method=fed.method,
            issuer=issuer,
            civic_no=_first(ava, PERSONAL_IDENTITY_NUMBER),
            strong=True,  # response_check refused anything below the requested LoA
            detail=detail,
        )
    mfa = set(settings.SKOLSAM_SKOLFEDERATION_MFA_CONTEXTS)
    return FederatedIdentity(
        method=fed.method,
        issuer=issuer,
        eppn=_first(ava, EDU_PERSON_PRINCIPAL_NAME),
        strong=bool(mfa.intersection(contexts)),
        detail=detail,
    )
