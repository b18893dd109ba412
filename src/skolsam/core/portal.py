"""Declare the sections a domain adds to the guardian and pupil portal.

The portal (`skolsam.portal`) owns no domain logic: it lays out what the domains declare.
A domain that shows something to guardians or pupils puts a module `portal_sections.py`
in its app with a list `SECTIONS` of `PortalSection`; the portal finds them with
`portal_sections()` (as the admin finds each app's `admin.py`), so a
new module (grades, documentation, e-services) adds its section without touching the
portal's core. This module lives in `core` so that domains below the portal can declare
sections without importing it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING, Literal
from uuid import UUID

from django.apps import apps
from django.utils.functional import Promise
from django.utils.module_loading import module_has_submodule

if TYPE_CHECKING:
    from skolsam.core.access import Actor

Audience = Literal["guardian", "pupil"]

# Counts a section shows on the portal's start cards (e.g. unread messages), keyed by the
# child's Person id; the key None is for what is not about one child (the adult's own).
Summary = Callable[["Actor", date], dict[UUID | None, int]]


@dataclass(frozen=True)
class PortalSection:
    """One entry of the portal's navigation, declared by the domain that serves it."""

    key: str
    # Marked for translation (gettext_lazy): the portal's languages will differ.
    title: str | Promise
    audiences: frozenset[Audience]
    # A URL name taking no arguments: the section's page for the whole family.
    url_name: str | None = None
    # A URL name taking `child_id`: the section's tab on one child's page.
    child_url_name: str | None = None
    summary: Summary | None = None
    # Whether the child's tab shows for this adult and child (one answer per page); None:
    # whenever the section is shown. A tab that would lead to the missing page is left out.
    child_visible: Callable[[Actor, UUID], bool] | None = None
    order: int = 100
    extra: dict[str, str] = field(default_factory=dict)


@cache
def portal_sections() -> tuple[PortalSection, ...]:
    """Return every app's declared sections, in their order."""
    found: list[PortalSection] = []
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, "portal_sections"):
            found.extend(import_module(f"{config.name}.portal_sections").SECTIONS)
    keys = [s.key for s in found]
    if len(keys) != len(set(keys)):
        raise RuntimeError(f"Two portal sections share a key: {sorted(keys)}")
    return tuple(sorted(found, key=lambda s: (s.order, s.key)))


def sections_for(audience: Audience) -> list[PortalSection]:
    """Return the sections shown to guardians or to pupils."""
    return [s for s in portal_sections() if audience in s.audiences]


def is_portal_only(actor: Actor) -> bool:
    """Tell whether the actor is a guardian or pupil and nothing more: no staff pages.

    Staff (any duty), central administrators, auditors and API-client managers keep the
    staff pages; a teacher who is also a parent reaches the portal too, from a link.
    """
    return not (
        actor.is_system
        or actor.staff_org_ids
        or actor.central_org_ids
        or actor.can_search_audit
        or actor.can_manage_api_clients
    )
