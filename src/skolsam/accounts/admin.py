"""Offer the Django admin to superusers only, for technical repair; never for daily work.

The admin needs a session verified with two-factor authentication (django-otp), and its
login page is Skolsam's own, so admins pass the same lockout, audit log and 2FA as
everyone else.
"""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse

from skolsam.accounts.models import LoginMethods, User


def _verified_superusers_only(request: HttpRequest) -> bool:
    user: Any = request.user
    verified = getattr(user, "is_verified", None)
    return bool(user.is_active and user.is_superuser and verified is not None and verified())


def _login_through_skolsam(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    """Send the admin's login to Skolsam's login page, keeping where to come back to.

    A logged-in user who is not a verified superuser gets 404, as elsewhere in Skolsam;
    sending them to the login page would only bounce them back here.
    """
    if request.user.is_authenticated:
        raise Http404
    next_url = request.GET.get("next") or reverse("admin:index")
    return redirect_to_login(next_url, login_url=reverse("login"))


admin.site.has_permission = _verified_superusers_only  # type: ignore[method-assign]
admin.site.login = _login_through_skolsam  # type: ignore[method-assign]
admin.site.site_header = "Skolsam – teknisk administration"


@admin.register(User)
class SkolsamUserAdmin(UserAdmin):
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("Skolsam", {"fields": ("person", "edu_person_principal_name")}),
    )
    raw_id_fields = ("person",)


@admin.register(LoginMethods)
class LoginMethodsAdmin(admin.ModelAdmin):
    """Which ways of logging in each huvudman offers (a central administrator's setting)."""

    list_display = ("huvudman", "e_legitimation", "skolfederation", "one_time_code")
    raw_id_fields = ("huvudman",)
