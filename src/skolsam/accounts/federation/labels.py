"""The words guardians and pupils read about the ways of logging in, in their language.

Kept apart from the flows (services, views) so that the portal's catalogue test, which
asks for Arabic, Somali and Persian too, reads exactly these (core/tests/test_catalogues.py,
GUARDIAN_SURFACES). Keyed by `services.Method`'s values.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

METHOD_LABELS: dict[str, Promise | str] = {
    "sweden_connect": _("e-legitimation (Sweden Connect)"),
    "oidc": _("e-legitimation (OpenID Connect)"),
    "skolfederation": "Skolfederation",
    "one_time_code": _("engångskod"),
}

# The login page's buttons: (label, hint) per way of logging in.
BUTTONS: dict[str, tuple[Promise, Promise]] = {
    "e-legitimation": (_("Logga in med e-legitimation"), _("BankID, Freja eID+ m.fl.")),
    "oidc": (
        _("Logga in med e-legitimation (OpenID Connect)"),
        _("Via Sveriges OIDC-profil"),
    ),
    "skolfederation": (_("Logga in med Skolfederation"), _("För personal och elever")),
}
