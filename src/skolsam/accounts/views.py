"""Log in and out, and reset a forgotten password by e-mail, with Django's own views."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.urls import reverse_lazy

from skolsam.accounts.forms import LoginForm, NewPasswordForm, PasswordResetRequestForm
from skolsam.audit.services import audit_record
from skolsam.core.access import Actor
from skolsam.core.dates import today


class LoginView(auth_views.LoginView):
    """Log a user in and write the login to the audit log."""

    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: LoginForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_valid(form)
        user = form.get_user()
        # Only who logged in matters here, so the actor is not built from the register.
        actor = Actor(user_id=user.pk, person_id=None, on=today(), label=user.get_username())
        audit_record(actor=actor, action="auth.login", object_type="User", object_id=user.pk)
        return response


login = LoginView.as_view()
logout = auth_views.LogoutView.as_view()
password_reset = auth_views.PasswordResetView.as_view(
    form_class=PasswordResetRequestForm,
    template_name="registration/password_reset_form.html",
    email_template_name="registration/password_reset_email.html",
    success_url=reverse_lazy("password_reset_done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="registration/password_reset_done.html",
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    form_class=NewPasswordForm,
    template_name="registration/password_reset_confirm.html",
    success_url=reverse_lazy("password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="registration/password_reset_complete.html",
)
