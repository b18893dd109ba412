"""Give every view the request's Actor and htmx state."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

from skolsam.core.access import Actor

_ACTOR_ATTR = "_skolsam_actor"
# Set on every request by accounts.middleware.ActorMiddleware: core defines the Actor but
# cannot build it, since building it reads the register apps above core.
BUILDER_ATTR = "skolsam_build_actor"


def request_actor(request: HttpRequest) -> Actor:
    """Return the Actor for the request's user, built once and kept on the request."""
    actor = getattr(request, _ACTOR_ATTR, None)
    if actor is None:
        build = getattr(request, BUILDER_ATTR, None)
        if build is None:
            raise ImproperlyConfigured(
                "skolsam.accounts.middleware.ActorMiddleware is not in MIDDLEWARE."
            )
        actor = build()
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
