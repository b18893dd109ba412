"""Offer the Django admin to superusers only, for technical repair; never for daily work."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from skolsam.accounts.models import User


def _superusers_only(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and user.is_superuser)


admin.site.has_permission = _superusers_only  # type: ignore[method-assign]
admin.site.site_header = "Skolsam – teknisk administration"


@admin.register(User)
class SkolsamUserAdmin(UserAdmin):
    fieldsets = (*(UserAdmin.fieldsets or ()), ("Skolsam", {"fields": ("person",)}))
    raw_id_fields = ("person",)
