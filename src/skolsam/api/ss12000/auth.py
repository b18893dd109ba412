"""Issue and verify the API's bearer JWTs. All signing and verifying is PyJWT's.

Two kinds of token are accepted:

- Skolsam's own, from `POST /oauth/token` (OAuth 2.0 client credentials): HS256 with
  `SKOLSAM_SS12000_SIGNING_KEY`, carrying the client id (`sub`), the client's secret
  version (`ver`), so rotating a secret ends the old tokens at once, and the granted
  scopes (`scope`, space-delimited as in RFC 9068), which a token request may narrow;
- an external issuer's, configured in `SKOLSAM_SS12000_EXTERNAL_ISSUERS`, verified against
  that issuer's JWKS (a URL or a file) with its algorithms and required claims. The claim
  named `client_claim` (Skolverket: `organization_id`) picks the ApiClient registered with
  that issuer and value. Such a token carries the client's scopes as registered here:
  the issuer's own `scope` claim, if any, speaks another vocabulary and is not read.

Either way a request may use a scope only while the client still holds it: removing a
scope takes effect from the next request, not when the token expires.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import jwt
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.utils import timezone

from skolsam.api.ss12000 import scopes
from skolsam.api.ss12000.models import ApiClient

AUDIENCE = "ss12000"
ALGORITHM = "HS256"


class AuthError(Exception):
    """The request's credentials are missing or not valid."""


@dataclass(frozen=True)
class ExternalIssuer:
    issuer: str
    algorithms: tuple[str, ...]
    client_claim: str
    required_claims: tuple[str, ...]
    audience: str | None = None
    jwks_url: str = ""
    jwks_file: str = ""
    extra: dict = field(default_factory=dict, compare=False, hash=False)


def signing_key() -> str:
    configured = settings.SKOLSAM_SS12000_SIGNING_KEY
    if configured:
        return configured
    return hashlib.sha256(f"ss12000-token:{settings.SECRET_KEY}".encode()).hexdigest()


def new_client_id() -> str:
    return "ss12k_" + secrets.token_hex(12)


def new_client_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return make_password(secret)


def authenticate_client(client_id: str, client_secret: str) -> ApiClient | None:
    """Return the active local client with these credentials, or None."""
    client = ApiClient.objects.filter(client_id=client_id, is_active=True, issuer="").first()
    if client is None or not client.secret_hash:
        # Same work either way, so timing does not tell which client ids exist.
        check_password(client_secret, make_password(None))
        return None
    if not check_password(client_secret, client.secret_hash):
        return None
    return client


def token_scopes(client: ApiClient, requested: str | None) -> list[str]:
    """Return the scopes a token request is granted (RFC 6749 section 3.3).

    Without a `scope` parameter (or with an empty one) the token gets every scope the
    client holds. With one it gets exactly those asked for, which must all be held: a
    token never reaches beyond its client, and asking for more is refused (`invalid_scope`)
    rather than quietly trimmed, so a misconfigured client fails where it can be seen.
    `*:read` and `*:write` here ask for every read (write) scope the client holds.
    """
    held = list(client.scopes)
    if requested is None or not requested.strip():
        return held
    asked: set[str] = set()
    named: list[str] = []
    for item in requested.split():
        resource, _, access = item.partition(":")
        if resource == scopes.WILDCARD and access in (scopes.READ, scopes.WRITE):
            asked |= {s for s in held if s.endswith(f":{access}")}
        else:
            named.append(item)
    asked |= scopes.expand(named)
    beyond = [s for s in scopes.ALL_SCOPES if s in asked and s not in held]
    if beyond:
        raise scopes.ScopeError(
            {"scope": f"Klienten har inte {', '.join(beyond)} och kan inte få det i en token."}
        )
    if not asked:
        raise scopes.ScopeError({"scope": "Klienten har inget av de begärda scopen."})
    return scopes.check(asked)


def issue_token(client: ApiClient, granted: Iterable[str] | None = None) -> tuple[str, int]:
    """Return a signed access token for the client and its lifetime in seconds.

    The token carries `granted` (from `token_scopes`), or all the client's scopes.
    """
    lifetime = settings.SKOLSAM_SS12000_TOKEN_SECONDS
    now = timezone.now()
    claims = {
        "iss": settings.SKOLSAM_SS12000_TOKEN_ISSUER,
        "sub": client.client_id,
        "aud": AUDIENCE,
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int(now.timestamp()) + lifetime,
        "jti": uuid.uuid4().hex,
        "ver": client.secret_version,
        "scope": scopes.as_string(client.scopes if granted is None else granted),
    }
    return jwt.encode(claims, signing_key(), algorithm=ALGORITHM), lifetime


def external_issuers() -> dict[str, ExternalIssuer]:
    issuers = {}
    for raw in settings.SKOLSAM_SS12000_EXTERNAL_ISSUERS:
        item = ExternalIssuer(
            issuer=raw["issuer"],
            algorithms=tuple(raw.get("algorithms") or ("ES256",)),
            client_claim=raw.get("client_claim", "organization_id"),
            required_claims=tuple(raw.get("required_claims") or ()),
            audience=raw.get("audience"),
            jwks_url=raw.get("jwks_url", ""),
            jwks_file=raw.get("jwks_file", ""),
        )
        issuers[item.issuer] = item
    return issuers


@lru_cache(maxsize=16)
def _jwks_client(url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url, cache_keys=True, lifespan=300, timeout=5)


def _external_key(issuer: ExternalIssuer, token: str) -> Any:
    if issuer.jwks_url:
        try:
            return _jwks_client(issuer.jwks_url).get_signing_key_from_jwt(token).key
        except jwt.PyJWKClientError as exc:
            raise AuthError(f"Nyckeln kunde inte hämtas från utfärdaren: {exc}") from None
    if issuer.jwks_file:
        try:
            keyset = jwt.PyJWKSet.from_json(Path(issuer.jwks_file).read_text())
        except (OSError, jwt.PyJWKSetError) as exc:
            raise AuthError(f"Utfärdarens nycklar kunde inte läsas: {exc}") from None
        kid = jwt.get_unverified_header(token).get("kid")
        for key in keyset.keys:
            if kid is None or key.key_id == kid:
                return key.key
        raise AuthError("Ingen nyckel hos utfärdaren matchar tokenens kid.")
    raise AuthError("Utfärdaren saknar JWKS.")


@dataclass(frozen=True)
class Authenticated:
    client: ApiClient
    claims: dict
    # What this request may do: the token's scopes that the client still holds.
    scopes: frozenset[str]


def authenticate_bearer(authorization: str) -> Authenticated:
    """Verify an `Authorization: Bearer <jwt>` header and return the client it speaks for."""
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise AuthError("Anropet saknar en Bearer-token.")
    try:
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise AuthError("Tokenen går inte att läsa.") from None
    iss = unverified.get("iss")
    if iss == settings.SKOLSAM_SS12000_TOKEN_ISSUER:
        return _authenticate_local(token)
    issuer = external_issuers().get(iss) if isinstance(iss, str) else None
    if issuer is None:
        raise AuthError("Tokenens utfärdare är okänd.")
    return _authenticate_external(issuer, token)


def _authenticate_local(token: str) -> Authenticated:
    try:
        claims = jwt.decode(
            token,
            signing_key(),
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=settings.SKOLSAM_SS12000_TOKEN_ISSUER,
            options={"require": ["exp", "iat", "sub", "aud", "iss"]},
        )
    except jwt.PyJWTError as exc:
        raise AuthError(f"Tokenen är inte giltig: {exc}") from None
    client = ApiClient.objects.filter(client_id=claims["sub"], is_active=True, issuer="").first()
    if client is None or claims.get("ver") != client.secret_version:
        raise AuthError("Klienten finns inte, är spärrad eller har fått en ny hemlighet.")
    held = frozenset(client.scopes)
    claimed = claims.get("scope")
    if claimed is None:
        # Issued before tokens carried scopes: the client's own scopes are the ceiling.
        return Authenticated(client=client, claims=claims, scopes=held)
    if not isinstance(claimed, str):
        raise AuthError("Tokenens scope ska vara en sträng.")
    return Authenticated(client=client, claims=claims, scopes=held & set(claimed.split()))


def _authenticate_external(issuer: ExternalIssuer, token: str) -> Authenticated:
    key = _external_key(issuer, token)
    options: Any = {"require": ["exp", "iat", "iss", *issuer.required_claims, issuer.client_claim]}
    if issuer.audience is None:
        options["verify_aud"] = False
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=list(issuer.algorithms),
            audience=issuer.audience,
            issuer=issuer.issuer,
            options=options,
        )
    except jwt.PyJWTError as exc:
        raise AuthError(f"Tokenen är inte giltig: {exc}") from None
    client = ApiClient.objects.filter(
        issuer=issuer.issuer, external_id=str(claims[issuer.client_claim]), is_active=True
    ).first()
    if client is None:
        raise AuthError("Ingen aktiv klient är registrerad för tokenens organisation.")
    return Authenticated(client=client, claims=claims, scopes=frozenset(client.scopes))
