"""Give every request an id and its client address for the audit log; answer a request
parameter that cannot be read with 400 and why; show our error pages."""

import re
from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.defaults import page_not_found

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


class ProductErrorPagesMiddleware:
    """Answer a missing or refused page with the product's own 404 page, in the demo too.

    With DEBUG on (the demo, development) Django answers `Http404` with its yellow debug
    page, which lists the URL patterns and says nothing a user can act on; a refused page
    must look like the product's "Sidan finns inte", whatever mode the server runs in.
    The 403 pages are the product's already: Django renders `403.html` and
    `403_csrf.html` in every mode. `SKOLSAM_DEBUG_ERROR_PAGES=true` gives a developer
    Django's debug 404 back. With DEBUG off this does nothing: Django renders `404.html`.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # A URL that matched no pattern never reached a view, nor process_exception.
        if response.status_code == 404 and request.resolver_match is None and _own_pages():
            return page_not_found(request, Http404())
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, Http404) and _own_pages():
            return page_not_found(request, exception)
        return None


def _own_pages() -> bool:
    return settings.DEBUG and not settings.SKOLSAM_DEBUG_ERROR_PAGES
