"""Carry the current request's id and client address to the audit log.

The middleware sets these per request; management commands and tasks run with the
defaults, which the audit log records as such.
"""

import uuid
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    client_address: str | None


_current: ContextVar[RequestContext | None] = ContextVar("skolsam_request", default=None)


def current() -> RequestContext | None:
    """Return the context of the request being served, if any."""
    return _current.get()


def set_current(ctx: RequestContext | None) -> object:
    """Install a context and return the token that restores the previous one."""
    return _current.set(ctx)


def reset(token: object) -> None:
    """Restore the context that was current before `set_current`."""
    _current.reset(token)  # type: ignore[arg-type]


def new_request_id() -> str:
    """Make a fresh request id."""
    return uuid.uuid4().hex
