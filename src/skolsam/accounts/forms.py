"""Give the login, password and two-factor forms Swedish labels and the right autocomplete hints."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Användarnamn"),
        max_length=150,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "username",
                "autocapitalize": "none",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
    )
    password = forms.CharField(
        label=_("Lösenord"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        # One message for a wrong name and a wrong password: which one was wrong is a hint.
        "invalid_login": _("Fel användarnamn eller lösenord. Kontrollera och försök igen."),
        "inactive": _("Kontot är inte aktivt. Kontakta skolans administratör."),
    }


class PasswordResetRequestForm(PasswordResetForm):
    email = forms.EmailField(
        label=_("E-postadress"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class NewPasswordForm(SetPasswordForm):
    error_messages = {"password_mismatch": _("De två lösenorden är inte likadana.")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = _("Nytt lösenord")
        self.fields["new_password1"].help_text = _(
            "Minst 12 tecken. Undvik vanliga ord, bara siffror och likhet med ditt namn."
        )
        self.fields["new_password2"].label = _("Upprepa det nya lösenordet")
        self.fields["new_password2"].help_text = ""
        for name in ("new_password1", "new_password2"):
            self.fields[name].widget.attrs["autocomplete"] = "new-password"


class CurrentPasswordChangeForm(PasswordChangeForm):
    error_messages = {
        "password_mismatch": _("De två lösenorden är inte likadana."),
        "password_incorrect": _("Det nuvarande lösenordet stämmer inte. Skriv det igen."),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = _("Nuvarande lösenord")
        self.fields["old_password"].widget.attrs["autocomplete"] = "current-password"
        self.fields["new_password1"].label = _("Nytt lösenord")
        self.fields["new_password1"].help_text = _(
            "Minst 12 tecken. Undvik vanliga ord, bara siffror och likhet med ditt namn."
        )
        self.fields["new_password2"].label = _("Upprepa det nya lösenordet")
        self.fields["new_password2"].help_text = ""
        for name in ("new_password1", "new_password2"):
            self.fields[name].widget.attrs["autocomplete"] = "new-password"


class TotpCodeForm(forms.Form):
    """A six-digit code from the authenticator app."""

    token = forms.CharField(
        label=_("Kod från appen"),
        help_text=_("Sex siffror. Koden byts var 30:e sekund."),
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autocapitalize": "none",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
        error_messages={"required": _("Skriv koden som appen visar.")},
    )


class RecoveryCodeForm(forms.Form):
    """One of the recovery codes the user saved when enrolling."""

    recovery_code = forms.CharField(
        label=_("Reservkod"),
        help_text=_("Åtta tecken, till exempel abcd-efgh. Varje kod fungerar en gång."),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
        error_messages={"required": _("Skriv en av dina reservkoder.")},
    )


def _pin_field(label: Any, autocomplete: str, autofocus: bool = False) -> forms.CharField:
    attrs: dict[str, Any] = {
        "autocomplete": autocomplete,
        "inputmode": "numeric",
        "pattern": "[0-9]*",
        "maxlength": "6",
    }
    if autofocus:
        attrs["autofocus"] = True
    return forms.CharField(
        label=label,
        max_length=6,
        strip=True,
        widget=forms.PasswordInput(attrs=attrs),
        error_messages={"required": _("Skriv PIN-koden.")},
    )


class PinSetForm(forms.Form):
    """A new 4–6 digit PIN for this device, typed twice (the service checks the rest)."""

    pin = _pin_field(_("Ny PIN-kod (4–6 siffror)"), "new-password", autofocus=True)
    pin_again = _pin_field(_("Samma PIN-kod igen"), "new-password")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("pin") and data.get("pin_again") and data["pin"] != data["pin_again"]:
            self.add_error("pin_again", _("PIN-koderna är inte lika."))
        return data


class PinUnlockForm(forms.Form):
    """The PIN that unlocks Skolsam on this device."""

    pin = _pin_field(_("PIN-kod"), "current-password", autofocus=True)
