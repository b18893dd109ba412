"""Let shared templates (start page, person card) offer the administrators' pages."""

from __future__ import annotations

from typing import Any

from django import template

from skolsam.core.views import request_actor
from skolsam.people.access import may_edit_person

register = template.Library()


@register.simple_tag(takes_context=True)
def may_administer(context: Any, person: Any) -> bool:
    """Tell whether the request's actor may change `person` (one query, administrators only)."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return False
    actor = request_actor(request)
    return bool(actor.admin_org_ids) and may_edit_person(actor, person)
