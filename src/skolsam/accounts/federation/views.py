"""Start and finish federated logins, refuse them with a clear page, and the one-time code.

Every view here works before login. A refusal is audited by the service that decides it
and answered with `accounts/federation/refused.html` (status 403): nobody is logged in.
"""

from __future__ import annotations

import logging
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods
from django_otp import login as otp_login
from djangosaml2 import views as djangosaml2_views
from djangosaml2.cache import DjangoSessionCacheAdapter
from mozilla_django_oidc.views import OIDCAuthenticationRequestView
from saml2.config import SPConfig

from skolsam.accounts.federation import saml
from skolsam.accounts.federation.labels import BUTTONS, METHOD_LABELS
from skolsam.accounts.federation.login_codes import login_code_issue, login_code_redeem
from skolsam.accounts.federation.oidc import OidcRefused, oidc_callback_identity, oidc_enabled
from skolsam.accounts.federation.services import (
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


def login_methods() -> list[dict[str, Any]]:
    """Return the federated ways of logging in this installation offers, for the login page."""
    methods = []
    feds = saml.federations()
    if "e-legitimation" in feds:
        methods.append(
            {
                "url": reverse("saml_login", args=["e-legitimation"]),
                "label": BUTTONS["e-legitimation"][0],
                "hint": BUTTONS["e-legitimation"][1],
            }
        )
    if oidc_enabled():
        methods.append(
            {
                "url": reverse("oidc_login"),
                "label": BUTTONS["oidc"][0],
                "hint": BUTTONS["oidc"][1],
            }
        )
    if "skolfederation" in feds:
        methods.append(
            {
                "url": reverse("saml_login", args=["skolfederation"]),
                "label": BUTTONS["skolfederation"][0],
                "hint": BUTTONS["skolfederation"][1],
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


def _logged_in(request: HttpRequest, user: Any, identity: FederatedIdentity) -> None:
    """Finish a federated login: a strong one counts as two-factor; audit it."""
    if identity.strong:
        otp_login(request, strong_login_device(user=user))
    request.session[LOGIN_METHOD_SESSION_KEY] = str(identity.method)
    federated_login_record(user=user, identity=identity)


def _complete(request: HttpRequest, identity: FederatedIdentity, next_url: str) -> HttpResponse:
    """Match the identity, log the user in (strong logins count as two-factor), go on."""
    try:
        user = federated_login_resolve(identity=identity)
    except LoginRefused as refusal:
        return _refused(request, refusal.reason, refusal.method)
    auth_login(request, user, backend=_BACKEND)
    _logged_in(request, user, identity)
    return HttpResponseRedirect(_safe_next(request, next_url))


# --- SAML (djangosaml2's views) ---------------------------------------------------------

# Where djangosaml2 keeps its outstanding queries in `request.saml_session`.
_OUTSTANDING_KEY = DjangoSessionCacheAdapter.key_prefix + "_outstanding_queries"
SAML_FEDERATION_SESSION_KEY = "skolsam_saml_federation"


class SamlSession:
    """Stand in for djangosaml2's `request.saml_session` (its SamlSessionMiddleware is not used).

    Everything djangosaml2 keeps there (the IdP's identity and the subject id, for single
    logout) goes into the ordinary session, except the outstanding AuthnRequests: those come
    from and go to `SamlRequest` rows (`saml.saml_request_record`, `saml_request_consume`),
    because the IdP's cross-site POST carries no session cookie back.
    """

    def __init__(self, session: SessionBase, outstanding: dict[str, str] | None = None):
        self.session = session
        self.outstanding = dict(outstanding or {})

    def get(self, key: str, default: Any = None) -> Any:
        if key == _OUTSTANDING_KEY:
            return dict(self.outstanding)
        return self.session.get(key, default)

    def __getitem__(self, key: str) -> Any:
        if key == _OUTSTANDING_KEY:
            return dict(self.outstanding)
        return self.session[key]

    def __setitem__(self, key: str, value: Any) -> None:
        if key == _OUTSTANDING_KEY:
            self.outstanding = dict(value)
        else:
            self.session[key] = value

    def __contains__(self, key: str) -> bool:
        return key == _OUTSTANDING_KEY or key in self.session

    @property
    def modified(self) -> bool:
        return self.session.modified

    @modified.setter
    def modified(self, value: bool) -> None:
        self.session.modified = value


def _forget_saml(request: HttpRequest) -> None:
    """Drop what pysaml2 put in the session about a login that did not happen."""
    for key in [k for k in request.session.keys() if k.startswith("_saml2")]:  # noqa: SIM118
        del request.session[key]


def _saml_refused(
    request: HttpRequest, reason: str, *, fed: saml.Federation | None, issuer: str = ""
) -> HttpResponse:
    _forget_saml(request)
    method = fed.method if fed else Method.SWEDEN_CONNECT
    login_refusal_record(
        method=method, reason="invalid_identity", issuer=issuer, detail={"saml": reason}
    )
    return _refused(request, "invalid_identity", method)


class SamlLoginView(djangosaml2_views.LoginView):
    """Send the browser to the federation's IdP with a signed AuthnRequest (HTTP-Redirect)."""

    http_method_names = ["get"]
    federation: saml.Federation

    def get_sp_config(self, request: HttpRequest) -> SPConfig:
        return saml.sp_config(self.federation)

    def should_prevent_auth(self, request: HttpRequest) -> bool:
        # Someone logged in may log in again, or as someone else (a shared computer).
        return False

    def load_sso_kwargs(self, sso_kwargs: dict[str, Any]) -> None:
        context = saml.requested_authn_context(self.federation)
        if context is not None:
            sso_kwargs["requested_authn_context"] = context

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        fed = saml.federations().get(kwargs.get("slug", ""))
        if fed is None:
            raise Http404("Inloggningssättet finns inte.")
        self.federation = fed
        try:
            idp = saml.federation_idp(fed)
        except (saml.SamlUnavailable, ImproperlyConfigured):
            logger.warning("SAML login with %s could not start", fed.slug, exc_info=True)
            return _unavailable(request, fed.label)
        # The IdP is the federation's and the page to go on to is checked here: nothing else
        # of the query string (djangosaml2's idp, scoping, idphint) reaches the request.
        query = QueryDict(mutable=True)
        query.update({"next": _safe_next(request, request.GET.get("next", "")), "idp": idp})
        request.GET = query  # type: ignore[assignment]
        store = SamlSession(request.session)
        request.saml_session = store  # type: ignore[attr-defined]
        try:
            response = super().get(request)
        except (saml.SamlUnavailable, ImproperlyConfigured):
            logger.warning("SAML login with %s could not start", fed.slug, exc_info=True)
            return _unavailable(request, fed.label)
        if response.status_code != 302 or len(store.outstanding) != 1:
            logger.warning("djangosaml2 made no AuthnRequest for %s", fed.slug)
            return _unavailable(request, fed.label)
        ((request_id, next_url),) = store.outstanding.items()
        saml.saml_request_record(fed=fed, request_id=request_id, next_url=next_url)
        return response


class SamlAcsView(djangosaml2_views.AssertionConsumerServiceView):
    """Take the IdP's response: check it, match the person, log them in or refuse.

    Exempt from CSRF (by djangosaml2): the IdP posts it, and the signed response answering
    one outstanding request of ours, once, protects it.
    """

    http_method_names = ["post"]
    federation: saml.Federation | None = None
    next_url = ""
    refusal: saml.AssertionRefused | None = None

    def get_sp_config(self, request: HttpRequest) -> SPConfig:
        return saml.sp_config(self.federation)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            outstanding = saml.saml_request_consume(
                saml_response=request.POST.get("SAMLResponse", "")
            )
        except saml.AssertionRefused as refusal:
            return _saml_refused(request, refusal.reason, fed=None)
        self.federation = saml.federations().get(outstanding.federation)
        if self.federation is None:
            return _saml_refused(request, "federation_off", fed=None)
        self.next_url = outstanding.next_url
        request.saml_session = SamlSession(  # type: ignore[attr-defined]
            request.session, {outstanding.request_id: outstanding.next_url}
        )
        try:
            return super().post(request)
        except LoginRefused as refusal:  # from the backend, already audited
            _forget_saml(request)
            return _refused(request, refusal.reason, refusal.method)
        except (saml.SamlUnavailable, ImproperlyConfigured):
            logger.warning("SAML response could not be checked", exc_info=True)
            return _unavailable(request, "SAML")

    def custom_validation(self, response: Any) -> None:
        assert self.federation is not None
        try:
            saml.response_check(fed=self.federation, response=response)
        except saml.AssertionRefused as refusal:
            self.refusal = refusal
            raise

    def handle_acs_failure(
        self,
        request: HttpRequest,
        exception: Exception | None = None,
        status: int = 403,
        **kwargs: Any,
    ) -> HttpResponse:
        # pysaml2 signals each failed check (signature, audience, time...) with its own kind.
        if self.refusal is not None:
            reason, issuer = self.refusal.reason, self.refusal.issuer
        else:
            reason, issuer = type(exception).__name__, ""
        return _saml_refused(request, reason, fed=self.federation, issuer=issuer)

    def authenticate_user(
        self, request: HttpRequest, session_info: dict[str, Any], *args: Any
    ) -> Any:
        # The backend needs the federation the request went to: the same IdP may serve both.
        assert self.federation is not None
        session_info = {**session_info, saml.FEDERATION_KEY: self.federation.slug}
        return super().authenticate_user(request, session_info, *args)

    def post_login_hook(
        self, request: HttpRequest, user: Any, session_info: dict[str, Any]
    ) -> None:
        assert self.federation is not None
        identity = saml.saml_identity(fed=self.federation, session_info=session_info)
        _logged_in(request, user, identity)
        request.session[SAML_FEDERATION_SESSION_KEY] = self.federation.slug

    def customize_relay_state(self, relay_state: str) -> str:
        # Go on to the page kept with the request: the posted RelayState is the browser's.
        return self.next_url


def _session_federation(request: HttpRequest) -> saml.Federation | None:
    return saml.federations().get(request.session.get(SAML_FEDERATION_SESSION_KEY, ""))


class SamlLogoutView(djangosaml2_views.LogoutInitView):
    """Log out here and at the IdP a SAML login came from (single logout, HTTP-Redirect).

    POST only, from the ordinary logout button (`accounts.views.logout` hands a SAML
    session over): djangosaml2's GET would let any page log the user out.
    """

    http_method_names = ["post"]

    def get_sp_config(self, request: HttpRequest) -> SPConfig:
        return saml.sp_config(_session_federation(request))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        fed = _session_federation(request)
        if fed is None:
            auth_logout(request)
            return redirect(settings.LOGOUT_REDIRECT_URL)
        request.saml_session = SamlSession(request.session)  # type: ignore[attr-defined]
        try:
            response = super().get(request, *args, **kwargs)
        except (saml.SamlUnavailable, ImproperlyConfigured):
            logger.warning("SAML logout at %s could not start", fed.slug, exc_info=True)
            response = None
        to_idp = (
            response is not None
            and response.status_code == 302
            and response["Location"].startswith(("http://", "https://"))
        )
        if response is None or not to_idp:
            # Logged out here all the same; the IdP did not know the session, has no single
            # logout, or is down.
            auth_logout(request)
            return redirect(settings.LOGOUT_REDIRECT_URL)
        # djangosaml2 has logged out locally; the IdP's answer needs the federation again.
        request.session[SAML_FEDERATION_SESSION_KEY] = fed.slug
        return response


class SamlSlsView(djangosaml2_views.LogoutView):
    """Take the IdP's logout response, or its logout request when the user logs out there.

    Whatever the message, the session here ends. When the IdP did not confirm its logout,
    the login page says so instead of djangosaml2's error page.
    """

    http_method_names = ["get", "post"]

    def get_sp_config(self, request: HttpRequest) -> SPConfig:
        return saml.sp_config(_session_federation(request))

    def do_logout_service(
        self, request: HttpRequest, data: Any, binding: str, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        request.saml_session = SamlSession(request.session)  # type: ignore[attr-defined]
        try:
            response: HttpResponse = super().do_logout_service(
                request, data, binding, *args, **kwargs
            )
        except Exception:  # pysaml2 refuses a malformed or wrongly signed message its own way
            logger.warning("SAML logout message refused", exc_info=True)
            response = HttpResponse(status=400)
        if response.status_code in (301, 302) or (
            "SAMLRequest" in data and response.status_code == 200
        ):
            return response  # on to the page, or the answer to the IdP's logout request
        auth_logout(request)
        messages.warning(
            request,
            "Du är utloggad från Skolsam, men inloggningstjänsten bekräftade inte att du "
            "loggades ut där. Stäng webbläsaren om datorn är delad.",
        )
        return redirect(settings.LOGOUT_REDIRECT_URL)


class SamlMetadataView(djangosaml2_views.MetadataView):
    """Publish this service provider's metadata for the federations' registration."""

    http_method_names = ["get"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().get(request, *args, **kwargs)
        except ImproperlyConfigured:
            raise Http404("SAML är inte konfigurerat.") from None


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
