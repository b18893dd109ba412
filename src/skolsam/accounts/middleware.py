"""Enforce session lifetimes and two-factor authentication for every page, in one place."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import translation

from skolsam.accounts.actor import actor_for_session, session_memo
from skolsam.accounts.selectors import has_totp_device, two_factor_required
from skolsam.core.views import BUILDER_ATTR, is_htmx, request_actor
from skolsam.people.access import own_language

SESSION_STARTED = "skolsam_session_started"
# (user id, language code) of the logged-in person, read once per session.
SESSION_LANGUAGE = "skolsam_language"
SESSION_SEEN = "skolsam_session_seen"
# Write the last-seen time at most this often, so a busy user does not cost a session
# write on every request; the idle timeout is then exact to within this many seconds.
_SEEN_RESOLUTION = 60


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    """Redirect the browser; for htmx, ask for a full page load instead of a swapped page."""
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


def _with_next(url: str, request: HttpRequest) -> str:
    if request.method == "GET":
        return f"{url}?{urlencode({'next': request.get_full_path()})}"
    return url


class ActorMiddleware:
    """Give the request the means to build its Actor, once, when a view first asks for it.

    `core.views.request_actor` calls it; the Actor comes from the session while the
    register has not changed (`accounts.actor.actor_for_session`).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        setattr(
            request,
            BUILDER_ATTR,
            lambda: actor_for_session(request.user, getattr(request, "session", None)),
        )
        return self.get_response(request)


class SessionTimeoutMiddleware:
    """End a logged-in session after a stretch without requests and after a maximum age.

    Django's own expiry (SESSION_COOKIE_AGE) is reset whenever the session is saved, so it
    cannot express "at most eight hours after login"; both limits are kept in the session.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            session = request.session
            started = session.get(SESSION_STARTED)
            seen = session.get(SESSION_SEEN)
            if started is None or seen is None:
                session[SESSION_STARTED] = started or now
                session[SESSION_SEEN] = now
            elif (
                now - seen > settings.SKOLSAM_SESSION_IDLE_SECONDS
                or now - started > settings.SESSION_COOKIE_AGE
            ):
                idle = now - seen > settings.SKOLSAM_SESSION_IDLE_SECONDS
                logout(request)
                # A page of its own says why, and offers to log in again to the same page.
                url = _with_next(reverse("session_ended"), request)
                if not idle:
                    url += ("&" if "?" in url else "?") + "orsak=maxtid"
                return _redirect(request, url)
            elif now - seen >= _SEEN_RESOLUTION:
                session[SESSION_SEEN] = now
        return self.get_response(request)


def two_factor_exempt(view: Any) -> Any:
    """Mark a view as reachable before two-factor verification (set-up, verify, logout)."""
    view.two_factor_exempt = True
    return view


class TwoFactorMiddleware:
    """Send users who need two-factor authentication to set-up or verification first.

    A user needs to verify in this session when their role requires it
    (`selectors.two_factor_required`) or when they have enrolled an app of their own
    accord. Every view is covered unless marked with `two_factor_exempt`; a URL that does
    not resolve gets its 404 without reaching a view. Verified sessions cost nothing
    extra: django-otp's middleware has already loaded the device.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        user: Any = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        if getattr(view_func, "two_factor_exempt", False) or _is_static(request):
            return None
        actor = request_actor(request)
        # Kept in the session beside the Actor: enrolling a device raises the version.
        if session_memo(request.session, "totp", lambda: has_totp_device(user)):
            return _redirect(request, _with_next(reverse("two_factor_verify"), request))
        if two_factor_required(user=user, actor=actor):
            return _redirect(request, _with_next(reverse("two_factor_setup"), request))
        return None


def _is_static(request: HttpRequest) -> bool:
    static_url = settings.STATIC_URL or ""
    prefix = static_url if static_url.startswith("/") else f"/{static_url}"
    return request.path.startswith(prefix)


def language_codes() -> set[str]:
    return {code for code, _name in settings.LANGUAGES}


def remember_language(request: HttpRequest, language: str) -> None:
    """Keep a logged-in person's newly chosen language for the rest of their session."""
    request.session[SESSION_LANGUAGE] = [str(request.user.pk), language]


def request_language(request: HttpRequest) -> str:
    """Return the language of this request: the person's choice, the chooser's cookie, or Swedish.

    Never the browser's Accept-Language: the pages' own text is Swedish, and a browser that
    asks for English must not get English month names inside a Swedish page unless the
    person chose English. A logged-in person's choice is read once per session.
    """
    user: Any = request.user
    if user.is_authenticated and user.person_id is not None:
        memo = request.session.get(SESSION_LANGUAGE)
        if not (isinstance(memo, list) and len(memo) == 2 and memo[0] == str(user.pk)):
            memo = [str(user.pk), own_language(user.person_id)]
            request.session[SESSION_LANGUAGE] = memo
        if memo[1] in language_codes():
            return memo[1]
        return settings.LANGUAGE_CODE
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if cookie in language_codes():
        return cookie
    return settings.LANGUAGE_CODE


class LanguageMiddleware:
    """Activate the request's language (`request_language`) for the view and the templates."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = request_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
