"""Grades' section of the guardian and pupil portal (`core.portal`): published grades and
the what-if merit calculator."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from skolsam.core.portal import PortalSection
from skolsam.grades.access import may_see_grades_of

SECTIONS = [
    PortalSection(
        key="grades",
        title=_("Betyg"),
        audiences=frozenset({"guardian", "pupil"}),
        url_name="grades_portal:family",
        child_url_name="grades_portal:child",
        # An annan ansvarig sees the child but not her grades: no tab that leads nowhere.
        child_visible=may_see_grades_of,
        order=40,
    ),
]
