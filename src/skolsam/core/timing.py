"""Say how long the server spent on a request and how many SQL statements it ran.

With `SKOLSAM_SERVER_TIMING=true` every response carries a `Server-Timing` header
(https://www.w3.org/TR/server-timing/), which browsers' developer tools show beside the
request and `bench/http_pages.py` reads:

    Server-Timing: app;dur=12.4, db;dur=3.1;desc="7"

`app` is the whole time inside Django's middleware stack in milliseconds, `db` the time in
the database and `desc` the number of statements (session, login, two-factor and every
query of the view alike). It is off by default: the header tells anyone who can make a
request how much work a page costs, which is for operators and benchmarks, not the public.

The same setting adds the framework floor, `/_timing/golv/`: a page that needs a logged-in
user and goes through every middleware, but runs no view logic and renders one line. A
page's cost next to the floor is what the page itself adds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import connections
from django.http import HttpRequest, HttpResponse


class _Counter:
    def __init__(self) -> None:
        self.statements = 0
        self.seconds = 0.0

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.statements += 1


class ServerTimingMiddleware:
    """Count statements and time on every database connection for the whole request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        counter = _Counter()
        started = time.perf_counter()
        wrappers = [connections[alias].execute_wrapper(counter) for alias in connections]
        for wrapper in wrappers:
            wrapper.__enter__()
        try:
            response = self.get_response(request)
        finally:
            for wrapper in reversed(wrappers):
                wrapper.__exit__(None, None, None)
        app_ms = (time.perf_counter() - started) * 1000
        response["Server-Timing"] = (
            f'app;dur={app_ms:.2f}, db;dur={counter.seconds * 1000:.2f};desc="{counter.statements}"'
        )
        return response


@login_required
def floor(request: HttpRequest) -> HttpResponse:
    """Answer a logged-in user with one line: the cost of the framework alone."""
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")
