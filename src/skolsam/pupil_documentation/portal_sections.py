"""Special support's section of the guardian and pupil portal (`core.portal`): the
pupil's decided action programmes and decisions not to make one."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from skolsam.core.portal import PortalSection
from skolsam.pupil_documentation.access import may_see_decisions_of

SECTIONS = [
    PortalSection(
        key="special_support",
        title=_("Särskilt stöd"),
        audiences=frozenset({"guardian", "pupil"}),
        url_name="support_portal:family",
        child_url_name="support_portal:child",
        # Only for a child with a decision: no empty tab for every family.
        child_visible=may_see_decisions_of,
        order=50,
    ),
]
