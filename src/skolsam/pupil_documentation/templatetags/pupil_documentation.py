"""Let the staff person card (people/person_detail.html), the mentor's class page
(attendance/mentor.html) and the school unit page (organisations/school_unit.html) offer a pupil's adaptations to those who record or see them,
without the apps below importing this one."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import dateformat

from skolsam.core.views import request_actor
from skolsam.pupil_documentation.access import (
    may_document_group,
    may_document_pupil,
    may_document_unit,
)

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


@register.simple_tag(takes_context=True)
def may_see_unit_adaptations(context: Any, unit: Any) -> bool:
    """Tell whether the request's actor is the unit's rektor or pupil health, who see its
    list of pupils with adaptations."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return False
    return may_document_unit(request_actor(request), unit)


@register.filter
def document_day(value: Any) -> str:
    """{{ decision.decided_on|document_day }} → "3 december 2026": a printed decision's
    date, always with the year (never "i dag", which a paper outlives)."""
    if value is None:
        return ""
    return dateformat.format(value, "j F Y")
