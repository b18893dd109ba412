"""Log in and out, set up and check two-factor authentication, change and reset passwords.

The login, logout and password pages are Django's own views with Swedish forms; failed
logins are counted by django-axes (settings AXES_*). Two-factor authentication is
enforced for every other page by accounts.middleware.TwoFactorMiddleware; the views here
that must work before it (set-up, verification, logout) are marked `two_factor_exempt`.
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from skolsam.accounts.federation.views import (
    SAML_FEDERATION_SESSION_KEY,
    SamlLogoutView,
    login_methods,
)
from skolsam.accounts.forms import (
    CurrentPasswordChangeForm,
    LoginForm,
    NewPasswordForm,
    PasswordResetRequestForm,
    RecoveryCodeForm,
    TotpCodeForm,
)
from skolsam.accounts.middleware import two_factor_exempt
from skolsam.accounts.qr import qr_svg
from skolsam.accounts.selectors import (
    has_totp_device,
    recovery_code_count,
    two_factor_required,
    two_factor_status,
)
from skolsam.accounts.services import (
    LoginFailure,
    login_failure_record,
    login_record,
    logout_record,
    password_reset_request_record,
    recovery_code_display,
    recovery_codes_create,
    sessions_end_everywhere,
    totp_enrolment_confirm,
    totp_enrolment_start,
    two_factor_verify,
    user_actor,
    user_password_set,
)
from skolsam.accounts.unlock import pin_allowed, unlock_devices_of
from skolsam.accounts.views_unlock import unlock_offered
from skolsam.core.errors import DomainError
from skolsam.core.views import request_actor

# --- login and logout --------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    """Log a user in, and write successes and failures to the audit log."""

    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["login_methods"] = login_methods()
        context["unlock_offered"] = unlock_offered(self.request)
        return context

    def form_valid(self, form: LoginForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_valid(form)
        login_record(user=form.get_user())
        return response

    def form_invalid(self, form: LoginForm) -> HttpResponse:  # type: ignore[override]
        # Only attempts whose password was checked (or refused by the lockout) count.
        if form.has_error(NON_FIELD_ERRORS, "invalid_login"):
            request: Any = self.request
            locked = bool(getattr(request, "axes_locked_out", False))
            failures = getattr(request, "axes_failures_since_start", None)
            # django-axes counts the failure that locks the pair out; attempts while locked
            # out are refused before the password is checked and not counted.
            outcome: LoginFailure = (
                "lockout" if locked and failures is not None else "locked" if locked else "failed"
            )
            login_failure_record(
                username=form.cleaned_data.get("username", ""), outcome=outcome, failures=failures
            )
        return super().form_invalid(form)


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """Answer a login attempt from a locked-out username and address (AXES_LOCKOUT_CALLABLE)."""
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    response = render(
        request,
        "accounts/locked_out.html",
        {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )
    response["Retry-After"] = str(minutes * 60)
    return response


class LogoutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            logout_record(user=request.user)
            if request.session.get(SAML_FEDERATION_SESSION_KEY):
                # Logged in through a SAML IdP: log out there too (single logout).
                return saml_logout(request)
        return super().post(request, *args, **kwargs)


login = LoginView.as_view()
logout = two_factor_exempt(LogoutView.as_view())
saml_logout = SamlLogoutView.as_view()


# --- the account page --------------------------------------------------------------------


@require_http_methods(["GET"])
@login_required
def account(request: HttpRequest) -> HttpResponse:
    """Show the user's login settings: two-factor status, password, sessions."""
    actor = request_actor(request)
    status = two_factor_status(user=request.user, actor=actor)
    pin = pin_allowed(user=request.user, actor=actor)
    context = {
        "status": status,
        # Guardians and pupils: quick re-unlock of this device with a PIN.
        "pin_allowed": pin,
        "unlock_devices": unlock_devices_of(user=request.user) if pin else [],
    }
    return render(request, "accounts/account.html", context)


@require_POST
@login_required
def logout_everywhere(request: HttpRequest) -> HttpResponse:
    """End every session of the user, on every device, this one included."""
    user = request.user
    sessions_end_everywhere(actor=request_actor(request), user=user)
    auth_logout(request)
    messages.success(request, "Du är utloggad på alla enheter. Logga in igen för att fortsätta.")
    return redirect(settings.LOGIN_URL)


# --- two-factor authentication -----------------------------------------------------------


def _next_url(request: HttpRequest) -> str:
    """Return the page to go on to: `next` when it is on this site, else the start page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


def _add_errors(form: Form, error: DomainError, field: str) -> None:
    for name, texts in error.message_dict.items():
        form.add_error(field if name in ("token", field) else None, texts)


def _verified_login(request: HttpRequest, device: Any) -> None:
    """Bind the verified device to the session and give the session a new key."""
    otp_login(request, device)
    # The session now grants more than before: a new key, so a key seen earlier is useless.
    request.session.cycle_key()


@two_factor_exempt
@sensitive_post_parameters("token")
@require_http_methods(["GET", "POST"])
@login_required
def setup_two_factor(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: scan the QR code (or type the key), confirm with a code."""
    user: Any = request.user
    if has_totp_device(user) and not user.is_verified():
        # Replacing the app needs the old one first, or a stolen password would be enough.
        return redirect(_with_next("two_factor_verify", reverse("two_factor_setup")))
    device = totp_enrolment_start(user=user)
    form = TotpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device_id = int(request.POST.get("device", ""))
        except ValueError:
            device_id = 0
        try:
            enrolment = totp_enrolment_confirm(
                actor=request_actor(request),
                user=user,
                device_id=device_id,
                token=form.cleaned_data["token"],
            )
        except DomainError as error:
            _add_errors(form, error, "token")
        else:
            _verified_login(request, enrolment.device)
            return render(
                request,
                "accounts/recovery_codes.html",
                {
                    "codes": [recovery_code_display(c) for c in enrolment.recovery_codes],
                    "just_enrolled": True,
                    "next": _next_url(request),
                },
            )
        device = totp_enrolment_start(user=user)
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    context = {
        "form": form,
        "device": device,
        "qr": qr_svg(device.config_url),
        "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
        "required": two_factor_required(user=user, actor=request_actor(request)),
        "replacing": has_totp_device(user),
        "next": _next_url(request),
    }
    return render(request, "accounts/two_factor_setup.html", context)


@two_factor_exempt
@sensitive_post_parameters("token", "recovery_code")
@require_http_methods(["GET", "POST"])
@login_required
def verify_two_factor(request: HttpRequest) -> HttpResponse:
    """Ask for a code from the app, or a recovery code, once per session."""
    user: Any = request.user
    if user.is_verified():
        return HttpResponseRedirect(_next_url(request))
    if not has_totp_device(user):
        if two_factor_required(user=user, actor=request_actor(request)):
            return redirect(_with_next("two_factor_setup", _next_url(request)))
        return HttpResponseRedirect(_next_url(request))

    using_recovery = "recovery_code" in request.POST
    code_form = TotpCodeForm(None if using_recovery else (request.POST or None))
    recovery_form = RecoveryCodeForm(request.POST if using_recovery else None)
    form: Form = recovery_form if using_recovery else code_form
    if request.method == "POST" and form.is_valid():
        field = "recovery_code" if using_recovery else "token"
        try:
            device = two_factor_verify(
                actor=request_actor(request),
                user=user,
                token=form.cleaned_data[field],
                kind="recovery" if using_recovery else "totp",
            )
        except DomainError as error:
            _add_errors(form, error, field)
        else:
            _verified_login(request, device)
            if using_recovery:
                left = recovery_code_count(user)
                messages.warning(
                    request,
                    f"Du loggade in med en reservkod. Du har {left} kvar. "
                    "Skapa nya reservkoder under Mitt konto om du har få kvar.",
                )
            return HttpResponseRedirect(_next_url(request))
    context = {
        "code_form": code_form,
        "recovery_form": recovery_form,
        "using_recovery": using_recovery,
        "next": _next_url(request),
    }
    return render(request, "accounts/two_factor_verify.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """Make a new set of recovery codes, shown once; the old set stops working."""
    if request.method == "GET":
        status = two_factor_status(user=request.user, actor=request_actor(request))
        return render(request, "accounts/recovery_codes_new.html", {"status": status})
    try:
        codes = recovery_codes_create(actor=request_actor(request), user=request.user)
    except DomainError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("account")
    return render(
        request,
        "accounts/recovery_codes.html",
        {"codes": [recovery_code_display(c) for c in codes], "next": reverse("account")},
    )


# --- passwords ---------------------------------------------------------------------------


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = CurrentPasswordChangeForm
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("account")

    def form_valid(self, form: CurrentPasswordChangeForm) -> HttpResponse:  # type: ignore[override]
        user_password_set(
            actor=request_actor(self.request),
            user=form.user,
            password=form.cleaned_data["new_password1"],
            how="change",
        )
        # Keep this session; the others end, since the session hash follows the password.
        update_session_auth_hash(self.request, form.user)
        messages.success(self.request, "Lösenordet är bytt. Du är utloggad på dina andra enheter.")
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetRequestForm
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.html"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form: PasswordResetRequestForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_valid(form)
        password_reset_request_record(users=list(form.get_users(form.cleaned_data["email"])))
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Set a new password from an e-mailed link. It never logs in: 2FA still comes after."""

    form_class = NewPasswordForm
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")
    post_reset_login = False

    def form_valid(self, form: NewPasswordForm) -> HttpResponse:  # type: ignore[override]
        user_password_set(
            actor=user_actor(form.user),
            user=form.user,
            password=form.cleaned_data["new_password1"],
            how="reset",
        )
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        return HttpResponseRedirect(self.get_success_url())


password_change = PasswordChangeView.as_view()
password_reset = PasswordResetView.as_view()
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="registration/password_reset_done.html",
)
password_reset_confirm = PasswordResetConfirmView.as_view()
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="registration/password_reset_complete.html",
)
