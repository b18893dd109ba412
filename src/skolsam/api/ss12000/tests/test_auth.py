"""Tokens: Skolsam's own client-credentials endpoint, and ES256 JWTs from Skolverket.

The register is the story's (skolsam.testing.story): a client of Köping finds Alva, never
Maja in Arboga.
"""

from __future__ import annotations

import base64
import http.server
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client

from skolsam.api.ss12000 import services
from skolsam.api.ss12000.auth import _jwks_client
from skolsam.api.ss12000.tests.conftest import Api
from skolsam.api.ss12000.tests.factories import make_client
from skolsam.core.access import system_actor

SKOLVERKET = "https://dnp.skolverket.example/issuer"


def _token(client_id: str, secret: str, *, basic: bool = False) -> tuple[int, dict]:
    http = Client()
    if basic:
        credentials = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        response = http.post(
            "/oauth/token",
            {"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {credentials}"},
        )
    else:
        response = http.post(
            "/oauth/token",
            {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
        )
    return response.status_code, json.loads(response.content)


def test_client_credentials_give_a_working_token(db: Any, story: Any) -> None:
    client, secret = make_client([story.koping])
    status, body = _token(client.client_id, secret)
    assert status == 200 and body["token_type"] == "Bearer" and body["expires_in"] > 0
    assert Api(body["access_token"]).get("/persons", {"limit": 1})["data"]
    status, body = _token(client.client_id, secret, basic=True)
    assert status == 200


def test_wrong_secret_and_wrong_grant_are_refused(db: Any, story: Any) -> None:
    client, secret = make_client([story.koping])
    assert _token(client.client_id, secret + "x") == (
        401,
        {"error": "invalid_client", "error_description": "Fel klient-id eller hemlighet."},
    )
    assert _token("ss12k_nobody", secret)[0] == 401
    response = Client().post("/oauth/token", {"grant_type": "password"})
    assert response.status_code == 400
    assert json.loads(response.content)["error"] == "unsupported_grant_type"


def test_secret_is_stored_hashed(db: Any, story: Any) -> None:
    client, secret = make_client([story.koping])
    client.refresh_from_db()
    assert secret not in client.secret_hash
    assert client.secret_hash.startswith("argon2")


def test_rotation_and_revocation_end_old_tokens(db: Any, story: Any) -> None:
    client, secret = make_client([story.koping])
    _, body = _token(client.client_id, secret)
    api = Api(body["access_token"])
    api.get("/groups")
    new_secret = services.api_client_rotate(actor=system_actor("test"), client=client)
    api.get("/groups", status=401)
    assert _token(client.client_id, secret)[0] == 401
    _, body = _token(client.client_id, new_secret)
    fresh = Api(body["access_token"])
    fresh.get("/groups")
    services.api_client_revoke(actor=system_actor("test"), client=client)
    fresh.get("/groups", status=401)
    assert _token(client.client_id, new_secret)[0] == 401


def test_expired_and_forged_tokens_are_refused(db: Any, story: Any) -> None:
    client, _ = make_client([story.koping])
    now = int(time.time())
    claims = {"iss": "skolsam", "sub": client.client_id, "aud": "ss12000", "ver": 1}
    from skolsam.api.ss12000.auth import signing_key

    expired = jwt.encode({**claims, "iat": now - 7200, "exp": now - 3600}, signing_key(), "HS256")
    Api(expired).get("/persons", status=401)
    forged = jwt.encode(
        {**claims, "iat": now, "exp": now + 60},
        "not-the-key-but-long-enough-for-hs256-0123456789",
        "HS256",
    )
    Api(forged).get("/persons", status=401)
    unsigned = jwt.encode({**claims, "iat": now, "exp": now + 60}, None, "none")  # type: ignore[arg-type]
    Api(unsigned).get("/persons", status=401)


# --- Skolverket: ES256 with a JWKS ---------------------------------------------------------


@pytest.fixture
def skolverket_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _jwks(key: ec.EllipticCurvePrivateKey, kid: str = "dnp-1") -> dict:
    public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
    return {"keys": [{**public, "kid": kid, "use": "sig", "alg": "ES256"}]}


def _dnp_token(key: ec.EllipticCurvePrivateKey, organisation: str, **overrides) -> str:
    now = int(time.time())
    claims = {
        "iss": SKOLVERKET,
        "aud": "skolsam",
        "iat": now,
        "exp": now + 300,
        "organization_id": organisation,
        "requested_access": ["persons", "groups"],
        **overrides,
    }
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, key, algorithm="ES256", headers={"kid": "dnp-1"})


def _issuer(**where: str) -> list[dict]:
    return [
        {
            "issuer": SKOLVERKET,
            "algorithms": ["ES256"],
            "audience": "skolsam",
            "client_claim": "organization_id",
            "required_claims": ["organization_id", "requested_access"],
            **where,
        }
    ]


@pytest.fixture
def dnp_client(db: Any, story: Any) -> Any:
    client, secret = make_client(
        [story.koping],
        name="Skolverket DNP",
        consumer_profile="skolverket-dnp",
        issuer=SKOLVERKET,
        external_id="2120001629",
    )
    assert secret == ""
    return client


def test_skolverket_es256_token_with_jwks_file(
    story, dnp_client, skolverket_key, tmp_path: Path, settings
) -> None:
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(_jwks(skolverket_key)))
    settings.SKOLSAM_SS12000_EXTERNAL_ISSUERS = _issuer(jwks_file=str(jwks))
    api = Api(_dnp_token(skolverket_key, "2120001629"))
    ids = {p["id"] for p in api.get("/persons")["data"]}
    assert str(story.pupil_in_7b.pk) in ids and str(story.pupil_in_arboga.pk) not in ids
    # Missing required claims, another organisation, or another key: refused.
    Api(_dnp_token(skolverket_key, "2120001629", requested_access=None)).get("/persons", status=401)
    Api(_dnp_token(skolverket_key, "5560000000")).get("/persons", status=401)
    other = ec.generate_private_key(ec.SECP256R1())
    Api(_dnp_token(other, "2120001629")).get("/persons", status=401)
    Api(_dnp_token(skolverket_key, "2120001629", aud="someone-else")).get("/persons", status=401)


@pytest.fixture
def jwks_server(skolverket_key) -> Iterator[str]:
    body = json.dumps(_jwks(skolverket_key)).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json"
    server.shutdown()
    _jwks_client.cache_clear()


def test_skolverket_es256_token_with_jwks_url(
    story, dnp_client, skolverket_key, jwks_server: str, settings
) -> None:
    settings.SKOLSAM_SS12000_EXTERNAL_ISSUERS = _issuer(jwks_url=jwks_server)
    api = Api(_dnp_token(skolverket_key, "2120001629"))
    assert api.get(f"/persons/{story.pupil_in_7b.pk}")["id"] == str(story.pupil_in_7b.pk)
    api.get(f"/persons/{story.pupil_in_arboga.pk}", status=404)


def test_skolverket_token_gets_the_scopes_registered_here(
    story, dnp_client, skolverket_key, tmp_path: Path, settings
) -> None:
    """The national tests read; their issuer's token cannot make them write."""
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(_jwks(skolverket_key)))
    settings.SKOLSAM_SS12000_EXTERNAL_ISSUERS = _issuer(jwks_file=str(jwks))
    services.api_client_set_scopes(
        actor=system_actor("test"), client=dnp_client, scopes=["persons:read", "groups:read"]
    )
    # The issuer's own `scope` claim is another vocabulary: it widens nothing here.
    api = Api(_dnp_token(skolverket_key, "2120001629", scope="attendances:write duties:read"))
    api.get("/persons")
    api.get("/groups")
    api.get("/duties", status=403)
    api.post("/attendances", {}, status=403, check=False)
