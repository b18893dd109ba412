"""Authenticate a SAML login for djangosaml2 by matching it to the register, never by creating.

djangosaml2's own `Saml2Backend.authenticate` looks a user up by a mapped attribute and
creates or updates users from the assertion's attributes. Here nothing is taken from the
attributes but the identifier: the personnummer (Sweden Connect) or eduPersonPrincipalName
(Skolfederation), matched to the User→Person link by `federated_login_resolve` with all its
rules (login methods per huvudman, ePPN on the account, audit of every refusal).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from djangosaml2.backends import Saml2Backend

from skolsam.accounts.federation.saml import FEDERATION_KEY, federations, saml_identity
from skolsam.accounts.federation.services import federated_login_resolve
from skolsam.accounts.models import User


class RegisterSaml2Backend(Saml2Backend):
    """Match a checked SAML assertion to an existing account; refuse with LoginRefused."""

    def authenticate(
        self,
        request: HttpRequest | None,
        session_info: dict[str, Any] | None = None,
        attribute_mapping: dict[str, Any] | None = None,
        create_unknown_user: bool = False,
        assertion_info: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> User | None:
        """Return the account the assertion logs in to; LoginRefused (audited) otherwise.

        Only djangosaml2's assertion consumer service calls this with `session_info` (and
        the federation the request went to); any other authenticate() call is not ours.
        """
        if not session_info or FEDERATION_KEY not in session_info:
            return None
        fed = federations().get(session_info[FEDERATION_KEY])
        if fed is None:
            return None
        return federated_login_resolve(identity=saml_identity(fed=fed, session_info=session_info))

    def get_or_create_user(self, *args: Any, **kwargs: Any) -> tuple[None, bool]:
        """Never look up or create a user the djangosaml2 way (by a mapped attribute)."""
        return None, False

    def _update_user(self, user: Any, *args: Any, **kwargs: Any) -> Any:
        """Never write an assertion's attributes onto an account."""
        return user
