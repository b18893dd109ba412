"""Build API clients and their tokens for the SS 12000 API tests."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from skolsam.api.ss12000 import auth, services
from skolsam.api.ss12000.models import ApiClient
from skolsam.core.access import system_actor

# Most tests are about what a client sees, not what it may do: they get every scope.
EVERY_SCOPE = ("*:read", "*:write")


def make_client(
    organisations: Iterable[Any],
    name: str = "Lärplattform",
    scopes: Iterable[str] = EVERY_SCOPE,
    **kwargs: Any,
) -> tuple[ApiClient, str]:
    """Register a client through the service and return it with its secret."""
    return services.api_client_create(
        actor=system_actor("test"),
        name=name,
        organisations=list(organisations),
        scopes=scopes,
        **kwargs,
    )


def token_for(client: ApiClient, scopes: Iterable[str] | None = None) -> str:
    return auth.issue_token(client, scopes)[0]
