"""Decide who may change how people log in: a huvudman's login methods, a login's ePPN.

Two policies (`core.policy`), so that the system actor's bypass stays in `Policy.can`:

- `login_methods_policy` (Organisation, a huvudman): CHANGE by its central administrators;
- `eppn_policy` (User): CHANGE by nobody but the system (a management command, the
  federation's own matching); Django admin edits the field under its own permission.
"""

from __future__ import annotations

from typing import Any

from skolsam.accounts.models import User
from skolsam.core.access import Actor
from skolsam.core.policy import Action, Policy
from skolsam.organisations.models import Organisation


class LoginMethodsPolicy(Policy[Organisation]):
    """CHANGE: which ways of logging in a huvudman offers, its central administrators' call."""

    model = Organisation
    actions = frozenset({Action.CHANGE})

    def allows(self, actor: Actor, action: Action, obj: Any) -> bool:
        return obj.pk in actor.central_org_ids

    def allows_any(self, actor: Actor, action: Action) -> bool:
        return bool(actor.central_org_ids)


class EppnPolicy(Policy[User]):
    """CHANGE: the ePPN a Skolfederation login is matched to; no person may set it."""

    model = User
    actions = frozenset({Action.CHANGE})

    def allows(self, actor: Actor, action: Action, obj: Any) -> bool:
        return False

    def allows_any(self, actor: Actor, action: Action) -> bool:
        return False


login_methods_policy = LoginMethodsPolicy()
eppn_policy = EppnPolicy()
