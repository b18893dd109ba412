"""Give every view the request's Actor and htmx state."""

from __future__ import annotations

from django.http import HttpRequest

from skolsam.core.access import Actor, actor_for_session

_ACTOR_ATTR = "_skolsam_actor"


def request_actor(request: HttpRequest) -> Actor:
    """Return the Actor for the request's user, built once and kept on the request."""
    actor = getattr(request, _ACTOR_ATTR, None)
    if actor is None:
        actor = actor_for_session(request.user, getattr(request, "session", None))
        setattr(request, _ACTOR_ATTR, actor)
    return actor


def is_htmx(request: HttpRequest) -> bool:
    """Tell whether htmx asked for a fragment rather than a whole page.

    A history restore also carries HX-Request, but htmx then wants the whole page back.
    """
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )
