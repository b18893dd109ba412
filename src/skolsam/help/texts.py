"""Find a page's help text and the guides for the reader's role.

A page's help is a small template named after its URL name, one file per page:
`help/pages/<name>.html`, or `help/pages/<namespace>/<name>.html` for a namespaced URL
(`attendance:register` is `help/pages/attendance/register.html`). A text for one role
only sits beside it as `<name>.<role>.html` and wins for a reader whose first role (the
most specific of `GUIDE_ROLES` they have) is that role: a teacher who is also a guardian
reads the staff text of the start page, which covers her children too. The texts are generic: they never name a
person, a school or a group, and only speak of what the page itself offers.

Staff texts are Swedish only. The texts of the pages guardians and pupils read
(`TRANSLATED_HELP`) are marked for translation: such a file opens with `{% load i18n %}`
and holds nothing but `{% translate %}` and `{% blocktranslate %}` around its sentences,
and its strings are in the portal's catalogues (en, ar, so, fa).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.template import TemplateDoesNotExist
from django.template.loader import get_template, select_template

from skolsam.core.access import Actor
from skolsam.core.choices import DutyRole


@dataclass(frozen=True)
class Guide:
    """A user guide in docs/guide/: its file's stem and its title."""

    role: str
    title: str


# In the order a help text's role variant is chosen: the most specific role first.
GUIDES = (
    Guide("central-administrator", "Guide för central administratör"),
    Guide("rektor", "Guide för rektor"),
    Guide("school-administrator", "Guide för skoladministratör"),
    Guide("mentor", "Guide för mentor"),
    Guide("teacher", "Guide för lärare och annan personal"),
    Guide("guardian", "Guide för vårdnadshavare"),
    Guide("pupil", "Guide för elev"),
)
GUIDE_ROLES = tuple(g.role for g in GUIDES)
_BY_ROLE = {g.role: g for g in GUIDES}

# The page shown on error pages: a forbidden page answers like a missing one, so its
# help must not tell which page it was.
ERROR_PAGE = "error"


def guide(role: str) -> Guide | None:
    """Return the guide for `role`, or None for an unknown role."""
    return _BY_ROLE.get(role)


def guide_roles(actor: Actor | None) -> list[str]:
    """Name the guides written for what `actor` does, most specific first.

    Read from the Actor alone (no query): the duties' roles, the groups one teaches or
    mentors (the Actor does not tell them apart, so a teacher with groups is offered the
    mentor guide too), the children one acts for, and the permissions to search the audit
    log or manage API clients (the central administrator's guide covers both). Anyone
    else with a person is a pupil, as the portal has it.
    """
    # A system actor has no person, duties or relations, so it gets no guide either.
    if actor is None:
        return []
    roles: list[str] = []
    if actor.is_central_admin or actor.can_search_audit or actor.can_manage_api_clients:
        roles.append("central-administrator")
    if DutyRole.REKTOR in actor.roles or DutyRole.FORSKOLECHEF in actor.roles:
        roles.append("rektor")
    if DutyRole.SKOLADMINISTRATOR in actor.roles:
        roles.append("school-administrator")
    if actor.group_ids:
        roles.append("mentor")
    if actor.is_staff_member:
        roles.append("teacher")
    if actor.responsible_for_ids:
        roles.append("guardian")
    elif not roles and actor.person_id:
        # As the portal decides (portal.views.audience_of): a person who is neither staff
        # nor acting for a child uses the portal as a pupil.
        roles.append("pupil")
    return roles


def page_key(view_name: str) -> str:
    """Turn a URL name (`attendance:register`) into its help file's stem."""
    return view_name.replace(":", "/")


def help_template_names(view_name: str, roles: list[str] | None = None) -> list[str]:
    """List the templates that may hold `view_name`'s help, the role variants first."""
    stem = f"help/pages/{page_key(view_name)}"
    return [f"{stem}.{role}.html" for role in roles or []] + [f"{stem}.html"]


def has_help(view_name: str) -> bool:
    """Tell whether `view_name` has a help text for every reader (its generic file)."""
    try:
        get_template(help_template_names(view_name)[-1])
    except TemplateDoesNotExist:
        return False
    return True


# The help texts guardians and pupils read, translated like every portal string. A staff
# page of the portal (the preview) keeps Swedish.
TRANSLATED_HELP = (
    "help/pages/grades_portal/child.html",
    "help/pages/grades_portal/family.html",
    "help/pages/support_portal/child.html",
    "help/pages/support_portal/family.html",
    "help/pages/portal/absence_report.html",
    "help/pages/portal/absence_today.html",
    "help/pages/portal/child.html",
    "help/pages/portal/consent.html",
    "help/pages/portal/contact.html",
    "help/pages/portal/holiday_schedule.html",
    "help/pages/portal/leave.html",
    "help/pages/portal/notices.html",
    "help/pages/portal/schedule_submit.html",
    "help/pages/portal/start.html",
    "help/pages/messaging/preferences.html",
    "help/pages/unlock.html",
    "help/pages/unlock_pin_set.html",
)


def help_template(view_name: str, roles: list[str]) -> str | None:
    """Return the template of `view_name`'s help for a reader with `roles`, or None."""
    try:
        return select_template(help_template_names(view_name, roles[:1])).template.name
    except TemplateDoesNotExist:
        return None
