"""Let shared templates (start page, person card) offer the administrators' pages."""

from __future__ import annotations

from typing import Any

from django import template

from skolsam.core.policy import Action
from skolsam.core.views import request_actor
from skolsam.people.access import person_policy

register = template.Library()


@register.simple_tag(takes_context=True)
def may_administer(context: Any, person: Any) -> bool:
    """Tell whether the request's actor may change `person` (one query, administrators only)."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return False
    actor = request_actor(request)
    return person_policy.can(actor, Action.CHANGE, person)
