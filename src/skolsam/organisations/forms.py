"""Offer the organisations an actor manages in the register's forms.

The shared form kit (date fields, `RegisterForm` and its DomainError routing) is in
`core.forms`; the civic number field is `people.forms.CivicNoField`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from skolsam.core.access import Actor
from skolsam.core.choices import OrganisationType, SchoolType
from skolsam.core.policy import Action
from skolsam.organisations.access import organisation_policy
from skolsam.organisations.models import Organisation


class UnitChoiceField(forms.ModelChoiceField):
    """Choose one of the school units the actor manages; shows the unit code too."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("empty_label", _("Välj enhet"))
        super().__init__(**kwargs)

    def label_from_instance(self, obj: Any) -> str:
        code = f" ({obj.school_unit_code})" if obj.school_unit_code else ""
        return f"{obj.display_name}{code}"


def managed_school_units(actor: Actor) -> QuerySet[Organisation]:
    """Return the school units where `actor` may enrol pupils, create groups and add staff."""
    return (
        organisation_policy.objects(actor, Action.CREATE)
        .filter(organisation_type=OrganisationType.SKOLENHET)
        .order_by("display_name", "id")
    )


def school_type_choices(units: Iterable[Organisation]) -> list[tuple[str, str]]:
    """Return the school types offered by any of `units`, in the code list's order.

    The form offers the types of every unit the actor manages (narrowed to the chosen
    unit where htmx can), and the service says precisely when a unit does not offer one.
    """
    offered = {t for unit in units for t in unit.school_types}
    return [(value, str(label)) for value, label in SchoolType.choices if value in offered]
