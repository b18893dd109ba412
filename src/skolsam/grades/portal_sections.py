"""Grades' section of the guardian and pupil portal (`core.portal`): published grades and
the what-if merit calculator."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from skolsam.core.portal import PortalSection

SECTIONS = [
    PortalSection(
        key="grades",
        title=_("Betyg"),
        audiences=frozenset({"guardian", "pupil"}),
        url_name="grades_portal:family",
        child_url_name="grades_portal:child",
        order=40,
    ),
]
