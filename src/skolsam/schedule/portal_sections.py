"""The timetable's section of the guardian and pupil portal (`core.portal`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from skolsam.core.portal import PortalSection

SECTIONS = [
    PortalSection(
        key="timetable",
        title=_("Schema"),
        audiences=frozenset({"guardian", "pupil"}),
        child_url_name="portal:child",
        order=5,
    ),
]
