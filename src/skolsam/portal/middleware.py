"""Keep guardians and pupils to the portal: every staff page answers them like a missing one.

A login whose Actor is a guardian or pupil and nothing more (`core.portal.is_portal_only`)
reaches the portal, its account pages and the old guardian addresses (which redirect to
the portal); anything else is a 404, the same page as for a missing one. It also tells
`base.html` to show the portal's navigation (`request.portal_only`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.views.defaults import page_not_found

from skolsam.core.portal import is_portal_only, portal_sections
from skolsam.core.views import request_actor

# The account's own pages: login, logout, password, two-factor, recovery codes.
ALLOWED_NAMES = frozenset(
    {
        "start",
        "login",
        "logout",
        "account",
        "logout_everywhere",
        "password_change",
        "two_factor_setup",
        "two_factor_verify",
        "two_factor_recovery_codes",
        "password_reset",
        "password_reset_done",
        "password_reset_confirm",
        "password_reset_complete",
        # Federated login (accounts.federation): logging in again, or as someone else.
        "session_ended",
        "saml_login",
        "saml_acs",
        "saml_logout",
        "saml_sls",
        "oidc_login",
        "oidc_callback",
        "login_code",
        # Quick re-unlock with a PIN on this device (accounts.unlock).
        "unlock",
        "unlock_pin_set",
        "unlock_device_revoke",
        # The language chooser in every page's footer.
        "language_choose",
    }
)
# Domain pages that guardians and pupils use, served by their own app (messaging's inbox,
# threads, attachments, preferences and web push). Each still asks its own policy: a
# guardian reaches only what reached them.
ALLOWED_DOMAIN_PAGES = frozenset(
    {
        "messaging:inbox",
        "messaging:child_inbox",
        "messaging:read",
        "messaging:reply",
        "messaging:thread",
        "messaging:attachment",
        "messaging:preferences",
        "messaging:push_subscribe",
        "messaging:service_worker",
        "messaging:manifest",
        # A decision about special support as PDF (pupil_documentation.views_portal).
        "support_portal:decision_pdf",
    }
)
# Apps every page links to for everyone: the accessibility statement and its reports.
# The help's guides and their pictures (skolsam.help) are for them too.
ALLOWED_NAMESPACES = frozenset({"portal", "accessibility", "help"})
# The guardian pages that lived in attendance, kept as redirects to the portal.
ALLOWED_OLD = frozenset(
    {
        "attendance:guardian",
        "attendance:guardian_report",
        "attendance:guardian_leave",
        "attendance:guardian_consent",
        "attendance:notices_read",
        "attendance:schedule_submit",
    }
)


@cache
def section_pages() -> frozenset[str]:
    """Return the pages every declared portal section names (its family page and its tab
    on a child's page), so a new domain's section is reachable without editing this list;
    the domain's other pages for guardians are listed above, and each view checks its policy.
    """
    found = set()
    for section in portal_sections():
        for name in (section.url_name, section.child_url_name):
            if name:
                found.add(name)
    return frozenset(found)


class PortalOnlyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.portal_only = _portal_only(request)  # type: ignore[attr-defined]
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if not getattr(request, "portal_only", False):
            return None
        match = request.resolver_match
        if match is None:
            return None
        if (
            match.namespace in ALLOWED_NAMESPACES
            or match.view_name in section_pages()
            or match.view_name in ALLOWED_NAMES
            or match.view_name in ALLOWED_OLD
            or match.view_name in ALLOWED_DOMAIN_PAGES
        ):
            return None
        # Answered here, not raised: an exception from process_view skips the inner
        # middleware's process_exception, so with DEBUG on (the demo) Django would show its
        # debug page. This is the product's own "Sidan finns inte", as for a missing page.
        return page_not_found(request, Http404("Sidan finns inte."))


def _portal_only(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.is_superuser:
        return False
    if not getattr(request, "skolsam_build_actor", None):
        return False
    return is_portal_only(request_actor(request))
