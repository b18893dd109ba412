"""The header's help disclosure: `{% load page_help %}{% page_help %}` on any page."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.http import HttpRequest

from skolsam.core.views import request_actor
from skolsam.help.texts import ERROR_PAGE, TRANSLATED_HELP, guide, guide_roles, help_template

register = template.Library()

# Django's error views put these in the context of 404.html, 403.html and 403_csrf.html.
_ERROR_CONTEXT = ("exception", "request_path", "reason")


@register.inclusion_tag("help/_disclosure.html", takes_context=True)
def page_help(context: template.Context, page: str = "") -> dict[str, Any]:
    """Render the help of the current page for the reader's role.

    The page is `page` when given, else the URL name of the request. An error page gets
    the error help whatever URL raised it: a forbidden page must answer exactly like a
    missing one, and its help would tell which page it was.
    """
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    if not page:
        if match is None or any(key in context for key in _ERROR_CONTEXT):
            page = ERROR_PAGE
        else:
            page = match.view_name
    user = getattr(request, "user", None)
    roles: list[str] = []
    if isinstance(request, HttpRequest) and user is not None and user.is_authenticated:
        roles = guide_roles(request_actor(request))
    help_text = help_template(page, roles)
    return {
        "help_text": help_text,
        # A guardian's or pupil's page has its help in the reader's language; staff
        # texts are Swedish, and the panel says so to screen readers.
        "translated": help_text in TRANSLATED_HELP,
        "guides": [g for g in (guide(role) for role in roles) if g],
        "helpdesk": settings.SKOLSAM_HELPDESK,
        "LANGUAGE_CODE": context.get("LANGUAGE_CODE"),
    }
