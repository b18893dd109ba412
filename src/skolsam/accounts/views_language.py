"""Let anyone choose the language Skolsam speaks to them, from any page's footer."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from skolsam.accounts.middleware import language_codes, remember_language, two_factor_exempt
from skolsam.core.errors import BadParameter
from skolsam.core.views import request_actor
from skolsam.people.access import person_for_actor
from skolsam.people.services import person_language_set


@require_POST
@two_factor_exempt
def language_choose(request: HttpRequest) -> HttpResponse:
    """Set the chosen language: on the person (notices follow it) and in a cookie."""
    language = request.POST.get("language", "")
    if language not in language_codes():
        raise BadParameter(_("Välj ett av språken i listan."))
    user: Any = request.user
    if user.is_authenticated and user.person_id is not None:
        actor = request_actor(request)
        person = person_for_actor(actor, user.person_id)
        person_language_set(actor=actor, person=person, language=language)
        remember_language(request, language)
    # Back to the page it was chosen on: same-origin requests carry the Referer
    # (Referrer-Policy same-origin); anything else goes to the start.
    target = request.POST.get("next") or request.headers.get("Referer", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response
