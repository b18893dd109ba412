"""The register's section of the guardian and pupil portal: one's contact details."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from skolsam.core.portal import PortalSection

SECTIONS = [
    PortalSection(
        key="contact",
        title=_("Kontaktuppgifter"),
        audiences=frozenset({"guardian", "pupil"}),
        url_name="portal:contact",
        order=90,
    ),
]
