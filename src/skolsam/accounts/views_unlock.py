"""Set a PIN on this device, unlock with it after the session ended, revoke a device.

The rules are in `accounts.unlock`; these views set and clear the device cookie.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from skolsam.accounts.forms import PinSetForm, PinUnlockForm
from skolsam.accounts.unlock import (
    COOKIE_NAME,
    SESSION_UNLOCKED,
    UNLOCK_DAYS,
    UnlockRefused,
    pin_allowed,
    unlock_device_for_token,
    unlock_device_revoke,
    unlock_pin_set,
    unlock_with_pin,
)
from skolsam.core.errors import DomainError
from skolsam.core.views import request_actor

_BACKEND = "django.contrib.auth.backends.ModelBackend"
# Beside the federated logins' own key (accounts.federation.views).
LOGIN_METHOD_SESSION_KEY = "skolsam_login_method"


def unlock_offered(request: HttpRequest) -> bool:
    """Tell whether this device may unlock with a PIN (for the login and /utloggad/ pages)."""
    return unlock_device_for_token(request.COOKIES.get(COOKIE_NAME)) is not None


def _set_cookie(request: HttpRequest, response: HttpResponse, token: str) -> None:
    response.set_cookie(
        COOKIE_NAME,
        token,
        max_age=UNLOCK_DAYS * 24 * 3600,
        httponly=True,
        secure=request.is_secure() or settings.SESSION_COOKIE_SECURE,
        samesite="Lax",
    )


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("portal:start")


@sensitive_post_parameters("pin", "pin_again")
@require_http_methods(["GET", "POST"])
@login_required
def pin_set(request: HttpRequest) -> HttpResponse:
    """Set a PIN on this device (a guardian or pupil, after a full login)."""
    actor = request_actor(request)
    if not pin_allowed(user=request.user, actor=actor):
        raise Http404(_("Sidan finns inte."))
    if request.session.get(SESSION_UNLOCKED):
        messages.error(
            request, _("Logga in med e-legitimation eller lösenord för att byta PIN-kod.")
        )
        return redirect("account")
    form = PinSetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token = unlock_pin_set(
                actor=actor,
                user=request.user,
                pin=form.cleaned_data["pin"],
                label=request.headers.get("User-Agent", ""),
                replaces=request.COOKIES.get(COOKIE_NAME),
            )
        except DomainError as error:
            for name, texts in error.message_dict.items():
                form.add_error(name if name in form.fields else None, texts)
        else:
            messages.success(
                request,
                _("PIN-koden är sparad. Den fungerar på den här enheten i %(days)d dagar.")
                % {"days": UNLOCK_DAYS},
            )
            response = redirect("account")
            _set_cookie(request, response, token)
            return response
    status = 400 if request.method == "POST" else 200
    return render(
        request, "accounts/pin_set.html", {"form": form, "days": UNLOCK_DAYS}, status=status
    )


@require_POST
@login_required
def device_revoke(request: HttpRequest, device_id: int) -> HttpResponse:
    """Revoke one of one's own PIN devices (a lost phone)."""
    try:
        unlock_device_revoke(actor=request_actor(request), user=request.user, device_id=device_id)
    except DomainError as error:
        raise Http404(_("Sidan finns inte.")) from error
    messages.success(request, _("Enheten kan inte längre låsas upp med PIN-kod."))
    return redirect("account")


def _refused(request: HttpRequest) -> HttpResponse:
    messages.error(
        request, _("Den här enheten kan inte längre låsas upp med PIN-kod. Logga in igen.")
    )
    response = HttpResponseRedirect(reverse(settings.LOGIN_URL))
    response.delete_cookie(COOKIE_NAME, samesite="Lax")
    return response


@sensitive_post_parameters("pin")
@require_http_methods(["GET", "POST"])
def unlock(request: HttpRequest) -> HttpResponse:
    """Unlock Skolsam on this device with its PIN: a new session for a guardian or pupil."""
    if request.user.is_authenticated:
        return HttpResponseRedirect(_safe_next(request))
    token = request.COOKIES.get(COOKIE_NAME)
    if request.method == "GET" and unlock_device_for_token(token) is None:
        return _refused(request) if token else redirect(settings.LOGIN_URL)
    form = PinUnlockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = unlock_with_pin(token=token, pin=form.cleaned_data["pin"])
        except UnlockRefused:
            return _refused(request)
        except DomainError as error:
            for texts in error.message_dict.values():
                form.add_error("pin", texts)
        else:
            auth_login(request, user, backend=_BACKEND)
            request.session[SESSION_UNLOCKED] = True
            request.session[LOGIN_METHOD_SESSION_KEY] = "pin"
            return HttpResponseRedirect(_safe_next(request))
    context: dict[str, Any] = {"form": form, "next": request.GET.get("next", "")}
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/unlock.html", context, status=status)
