"""Give every request an id and record its client address for the audit log; answer a
request parameter that cannot be read with 400 and why."""

import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from skolsam.core import context
from skolsam.core.errors import BadParameter

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def client_address(request: HttpRequest) -> str | None:
    """Return the caller's address, trusting X-Forwarded-For only when configured."""
    if settings.SKOLSAM_TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR")


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else context.new_request_id()
        token = context.set_current(context.RequestContext(request_id, client_address(request)))
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-ID"] = request_id
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """Answer a parameter a view could not read (`BadParameter`) with 400 and its message.

        One place for every page, so an impossible date in any address gets the same
        Swedish explanation instead of a 5xx or a silently different page.
        """
        if not isinstance(exception, BadParameter):
            return None
        from django.shortcuts import render

        return render(request, "core/bad_request.html", {"reasons": exception.messages}, status=400)
