"""Be an OpenID Connect client of the Swedish OIDC profile (mozilla-django-oidc).

mozilla-django-oidc starts the login (state, nonce and PKCE kept in the session). The
callback is ours: it checks the state against the session, exchanges the code, and checks
the ID token's signature against the provider's JWKS and its issuer, audience, expiry and
nonce, then matches the personnummer claim to the register (`federation.services`).
"""

from __future__ import annotations

from typing import Any

import jwt
import requests
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from skolsam.accounts.federation.services import FederatedIdentity, Method

PERSONAL_IDENTITY_NUMBER_CLAIM = "https://id.oidc.se/claim/personalIdentityNumber"


class OidcRefused(Exception):
    def __init__(self, reason: str, issuer: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.issuer = issuer


def oidc_enabled() -> bool:
    return bool(settings.SKOLSAM_OIDC_ISSUER and settings.OIDC_RP_CLIENT_ID)


class SwedishOidcBackend(OIDCAuthenticationBackend):
    """Verify the ID token strictly; never create or update users from claims."""

    def retrieve_matching_jwk(self, token: Any) -> Any:
        """Pick the provider's key by the token's `kid`; without one, the only signing key.

        (mozilla-django-oidc insists on a `kid`, which the OIDC core spec does not require
        when the provider publishes a single key.)
        """
        response = requests.get(self.OIDC_OP_JWKS_ENDPOINT, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        header = jwt.get_unverified_header(token)
        keys = [
            k
            for k in response.json().get("keys", [])
            if k.get("use", "sig") == "sig" and k.get("alg", header.get("alg")) == header.get("alg")
        ]
        if "kid" in header:
            keys = [k for k in keys if k.get("kid") == header["kid"]]
        if len(keys) != 1:
            raise SuspiciousOperation("id_token:no_matching_key")
        return jwt.PyJWK(keys[0])

    def get_payload_data(self, token: Any, key: Any) -> dict[str, Any]:
        header = jwt.get_unverified_header(token)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation("unexpected_alg")
        try:
            return jwt.decode(
                token,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=settings.SKOLSAM_OIDC_ISSUER,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
                leeway=60,
            )
        except jwt.PyJWTError as error:
            raise SuspiciousOperation(f"id_token:{type(error).__name__}") from error


def oidc_callback_identity(
    request: HttpRequest, *, nonce: str, code_verifier: str | None
) -> FederatedIdentity:
    """Exchange the callback's code and return the identity its verified ID token names."""
    backend = SwedishOidcBackend()
    backend.request = request
    from django.urls import reverse
    from mozilla_django_oidc.utils import absolutify

    token_payload = {
        "client_id": backend.OIDC_RP_CLIENT_ID,
        "client_secret": backend.OIDC_RP_CLIENT_SECRET,
        "grant_type": "authorization_code",
        "code": request.GET.get("code", ""),
        "redirect_uri": absolutify(request, reverse(settings.OIDC_AUTHENTICATION_CALLBACK_URL)),
    }
    if code_verifier:
        token_payload["code_verifier"] = code_verifier
    issuer = settings.SKOLSAM_OIDC_ISSUER
    try:
        token_info = backend.get_token(token_payload)
    except Exception as error:  # requests' HTTPError on a refused code, or no answer
        raise OidcRefused("token_exchange", issuer) from error
    id_token = token_info.get("id_token")
    if not id_token:
        raise OidcRefused("no_id_token", issuer)
    try:
        payload = backend.verify_token(id_token, nonce=nonce)
    except SuspiciousOperation as error:
        raise OidcRefused(str(error) or "id_token", issuer) from error
    except Exception as error:  # PyJWT on a malformed token, requests on the JWKS
        raise OidcRefused(f"id_token:{type(error).__name__}", issuer) from error
    claims = dict(payload)
    if PERSONAL_IDENTITY_NUMBER_CLAIM not in claims and token_info.get("access_token"):
        # The profile lets the OP put the number in the ID token or in userinfo.
        try:
            userinfo = backend.get_userinfo(token_info["access_token"], id_token, payload)
        except Exception as error:
            raise OidcRefused("userinfo", issuer) from error
        if userinfo.get("sub") == payload.get("sub"):
            claims.update(userinfo)
    return FederatedIdentity(
        method=Method.OIDC,
        issuer=issuer,
        civic_no=str(claims.get(PERSONAL_IDENTITY_NUMBER_CLAIM, "")),
        strong=True,
        detail={"acr": str(claims.get("acr", ""))},
    )
