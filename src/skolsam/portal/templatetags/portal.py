"""The portal's navigation: the sections the domains declare for guardians or pupils."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from skolsam.core.portal import Audience, sections_for
from skolsam.core.views import request_actor

register = template.Library()


@register.inclusion_tag("portal/_nav_links.html", takes_context=True)
def portal_nav(context: Any) -> dict[str, Any]:
    """List the start page and every section with a page of its own; no query."""
    request = context["request"]
    actor = request_actor(request)
    audience: Audience = "guardian" if actor.responsible_for_ids else "pupil"
    links: list[tuple[str, Any, bool]] = [(reverse("portal:start"), "Översikt", True)]
    for section in sections_for(audience):
        if section.url_name:
            links.append((reverse(section.url_name), section.title, False))
    return {
        "links": [(url, title, request.path == url) for url, title, _x in links],
        "staff": not getattr(request, "portal_only", False),
    }


@register.filter
def acts_for_children(request: Any) -> bool:
    """Tell whether the logged-in staff member is also a parent: a portal link in the staff
    navigation ("Mina barn"). From the Actor, no query."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    return bool(request_actor(request).responsible_for_ids)


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    """{{ names|get_item:l.student_id }}: a dictionary's value in a template."""
    return mapping.get(key, "")
