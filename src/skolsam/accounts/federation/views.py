"""Start and finish federated logins, refuse them with a clear page, and the one-time code.

Every view here works before login. A refusal is audited by the service that decides it
and answered with `accounts/federation/refused.html` (status 403): nobody is logged in.
"""

from __future__ import annotations

import logging
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import login as auth_login
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from mozilla_django_oidc.views import OIDCAuthenticationRequestView

from skolsam.accounts.federation import saml
from skolsam.accounts.federation.login_codes import login_code_issue, login_code_redeem
from skolsam.accounts.federation.oidc import OidcRefused, oidc_callback_identity, oidc_enabled
from skolsam.accounts.federation.services import (
    METHOD_LABELS,
    FederatedIdentity,
    LoginRefused,
    Method,
    federated_login_record,
    federated_login_resolve,
    login_refusal_record,
    strong_login_device,
)
from skolsam.accounts.middleware import two_factor_exempt
from skolsam.accounts.views_unlock import unlock_offered
from skolsam.core.errors import DomainError
from skolsam.core.policy import Action
from skolsam.core.views import request_actor
from skolsam.people.access import person_policy

logger = logging.getLogger(__name__)
LOGIN_METHOD_SESSION_KEY = "skolsam_login_method"
_BACKEND = "django.contrib.auth.backends.ModelBackend"


def login_methods() -> list[dict[str, str]]:
    """Return the federated ways of logging in this installation offers, for the login page."""
    methods = []
    feds = saml.federations()
    if "e-legitimation" in feds:
        methods.append(
            {
                "url": reverse("saml_login", args=["e-legitimation"]),
                "label": "Logga in med e-legitimation",
                "hint": "BankID, Freja eID+ m.fl.",
            }
        )
    if oidc_enabled():
        methods.append(
            {
                "url": reverse("oidc_login"),
                "label": "Logga in med e-legitimation (OpenID Connect)",
                "hint": "Via Sveriges OIDC-profil",
            }
        )
    if "skolfederation" in feds:
        methods.append(
            {
                "url": reverse("saml_login", args=["skolfederation"]),
                "label": "Logga in med Skolfederation",
                "hint": "För personal och elever",
            }
        )
    return methods


def _safe_next(request: HttpRequest, target: str) -> str:
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


def _refused(request: HttpRequest, reason: str, method: Method | None) -> HttpResponse:
    context = {"reason": reason, "method_label": METHOD_LABELS.get(method, "") if method else ""}
    return render(request, "accounts/federation/refused.html", context, status=403)


def _unavailable(request: HttpRequest, label: str) -> HttpResponse:
    return render(request, "accounts/federation/unavailable.html", {"label": label}, status=503)


def _complete(request: HttpRequest, identity: FederatedIdentity, next_url: str) -> HttpResponse:
    """Match the identity, log the user in (strong logins count as two-factor), go on."""
    try:
        user = federated_login_resolve(identity=identity)
    except LoginRefused as refusal:
        return _refused(request, refusal.reason, refusal.method)
    auth_login(request, user, backend=_BACKEND)
    if identity.strong:
        otp_login(request, strong_login_device(user=user))
    request.session[LOGIN_METHOD_SESSION_KEY] = str(identity.method)
    federated_login_record(user=user, identity=identity)
    return HttpResponseRedirect(_safe_next(request, next_url))


# --- SAML ------------------------------------------------------------------------------


@require_GET
def saml_login(request: HttpRequest, slug: str) -> HttpResponse:
    """Send the browser to the federation's IdP with a signed AuthnRequest."""
    fed = saml.federations().get(slug)
    if fed is None:
        raise Http404("Inloggningssättet finns inte.")
    next_url = _safe_next(request, request.GET.get("next", ""))
    try:
        location = saml.saml_login_start(fed=fed, next_url=next_url)
    except (saml.SamlUnavailable, ImproperlyConfigured):
        logger.warning("SAML login with %s could not start", fed.slug, exc_info=True)
        return _unavailable(request, fed.label)
    return HttpResponseRedirect(location)


@csrf_exempt  # posted by the IdP; the signed response and its one-time request id protect it
@require_POST
def saml_acs(request: HttpRequest) -> HttpResponse:
    """Take the IdP's response: check it, match the person, log them in or refuse."""
    try:
        identity, next_url = saml.saml_response_accept(
            saml_response=request.POST.get("SAMLResponse", ""),
            relay_state=request.POST.get("RelayState", ""),
        )
    except saml.AssertionRefused as refusal:
        fed = refusal.federation
        method = fed.method if fed else Method.SWEDEN_CONNECT
        login_refusal_record(
            method=method,
            reason="invalid_identity",
            issuer=refusal.issuer,
            detail={"saml": refusal.reason},
        )
        return _refused(request, "invalid_identity", method)
    except (saml.SamlUnavailable, ImproperlyConfigured):
        logger.warning("SAML response could not be checked", exc_info=True)
        return _unavailable(request, "SAML")
    return _complete(request, identity, next_url)


@require_GET
def saml_metadata(request: HttpRequest) -> HttpResponse:
    """Publish this service provider's metadata for the federations' registration."""
    try:
        xml = saml.sp_metadata_xml()
    except ImproperlyConfigured:
        raise Http404("SAML är inte konfigurerat.") from None
    return HttpResponse(xml, content_type="application/samlmetadata+xml")


# --- OpenID Connect --------------------------------------------------------------------


@require_GET
def oidc_login(request: HttpRequest) -> HttpResponse:
    """Send the browser to the OpenID provider (state, nonce and PKCE in the session)."""
    if not oidc_enabled():
        raise Http404("Inloggningssättet finns inte.")
    return OIDCAuthenticationRequestView.as_view()(request)


@require_GET
def oidc_callback(request: HttpRequest) -> HttpResponse:
    """Finish an OpenID Connect login: state from this session, then the token, then match."""
    if not oidc_enabled():
        raise Http404("Inloggningssättet finns inte.")
    states: dict[str, Any] = request.session.get("oidc_states", {})
    state = request.GET.get("state", "")
    issuer = settings.SKOLSAM_OIDC_ISSUER
    if request.GET.get("error") or not request.GET.get("code") or state not in states:
        reason = "provider_error" if request.GET.get("error") else "state"
        login_refusal_record(
            method=Method.OIDC, reason="invalid_identity", issuer=issuer, detail={"oidc": reason}
        )
        return _refused(request, "invalid_identity", Method.OIDC)
    entry = states.pop(state)
    request.session["oidc_states"] = states
    next_url = request.session.pop("oidc_login_next", "") or ""
    try:
        identity = oidc_callback_identity(
            request, nonce=entry.get("nonce", ""), code_verifier=entry.get("code_verifier")
        )
    except OidcRefused as refusal:
        login_refusal_record(
            method=Method.OIDC,
            reason="invalid_identity",
            issuer=issuer,
            detail={"oidc": refusal.reason},
        )
        return _refused(request, "invalid_identity", Method.OIDC)
    return _complete(request, identity, next_url)


# --- one-time codes --------------------------------------------------------------------


class LoginCodeForm(forms.Form):
    civic_no = forms.CharField(
        label="Personnummer",
        max_length=20,
        help_text="ÅÅÅÅMMDD-NNNN",
        error_messages={"required": "Fyll i ditt personnummer."},
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    code = forms.CharField(
        label="Engångskod från sms",
        max_length=20,
        error_messages={"required": "Fyll i koden från sms:et."},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


@sensitive_post_parameters("civic_no", "code")
@require_http_methods(["GET", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    """Log a guardian in once with personnummer and the code the school sent by SMS."""
    form = LoginCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = login_code_redeem(
                civic_no=form.cleaned_data["civic_no"], code=form.cleaned_data["code"]
            )
        except DomainError as error:
            for name, texts in error.message_dict.items():
                form.add_error(name if name in form.fields else None, texts)
        except LoginRefused as refusal:
            return _refused(request, refusal.reason, refusal.method)
        else:
            identity = FederatedIdentity(method=Method.ONE_TIME_CODE, issuer="skolsam")
            auth_login(request, user, backend=_BACKEND)
            request.session[LOGIN_METHOD_SESSION_KEY] = str(Method.ONE_TIME_CODE)
            federated_login_record(user=user, identity=identity)
            return HttpResponseRedirect(reverse(settings.LOGIN_REDIRECT_URL))
    return render(request, "accounts/federation/login_code.html", {"form": form})


@require_http_methods(["GET", "POST"])
def login_code_send(request: HttpRequest, person_id: str) -> HttpResponse:
    """Let a school administrator send a guardian a one-time code, after an ID check."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse(settings.LOGIN_URL)}?next={request.path}")
    actor = request_actor(request)
    person = person_policy.get(actor, Action.CHANGE, person_id, "Personen finns inte.")
    error = ""
    if request.method == "POST":
        if request.POST.get("identity_checked") != "on":
            error = "Bekräfta att du har kontrollerat vårdnadshavarens identitet."
        else:
            try:
                login_code_issue(actor=actor, person=person)
            except DomainError as failure:
                error = " ".join(failure.messages)
            else:
                return render(
                    request, "accounts/federation/login_code_sent.html", {"person": person}
                )
    return render(
        request,
        "accounts/federation/login_code_send.html",
        {"person": person, "error": error},
        status=400 if error else 200,
    )


# --- session ended ---------------------------------------------------------------------


@two_factor_exempt
@require_GET
def session_ended(request: HttpRequest) -> HttpResponse:
    """Say plainly that the session ended because nothing happened for a while."""
    minutes = max(1, settings.SKOLSAM_SESSION_IDLE_SECONDS // 60)
    next_url = _safe_next(request, request.GET.get("next", ""))
    return render(
        request,
        "registration/session_ended.html",
        {
            "minutes": minutes,
            "max_hours": max(1, settings.SESSION_COOKIE_AGE // 3600),
            "next": next_url,
            "idle": request.GET.get("orsak") != "maxtid",
            "unlock_offered": unlock_offered(request),
        },
    )
