"""Build API clients and their tokens for the SS 12000 API tests."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from skolsam.api.ss12000 import auth, services
from skolsam.api.ss12000.models import ApiClient
from skolsam.core.access import system_actor


def make_client(
    organisations: Iterable[Any], name: str = "Lärplattform", **kwargs: Any
) -> tuple[ApiClient, str]:
    """Register a client through the service and return it with its secret."""
    return services.api_client_create(
        actor=system_actor("test"), name=name, organisations=list(organisations), **kwargs
    )


def token_for(client: ApiClient) -> str:
    return auth.issue_token(client)[0]
