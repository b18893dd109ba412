"""Let the staff person card (people/person_detail.html) and the mentor's class page
(attendance/mentor.html) offer a pupil's adaptations to those who record or see them,
without the apps below importing this one."""

from __future__ import annotations

from typing import Any

from django import template

from skolsam.core.views import request_actor
from skolsam.pupil_documentation.access import may_document_group, may_document_pupil

register = template.Library()


@register.simple_tag(takes_context=True)
def may_see_adaptations(context: Any, person: Any) -> bool:
    """Tell whether the request's actor records or sees the person's adaptations (two or
    three queries, once per card)."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return False
    return may_document_pupil(request_actor(request), person)


@register.simple_tag(takes_context=True)
def may_see_group_adaptations(context: Any, group: Any) -> bool:
    """Tell whether the request's actor sees the adaptations of the group's pupils: asked
    once for a class list, so each row's link costs no query."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return False
    return may_document_group(request_actor(request), group)
