"""Forms for enrolments: where a pupil is enrolled, a move to another school, an ending."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from skolsam.core.access import Actor
from skolsam.core.choices import GroupType
from skolsam.core.forms import DateField, RegisterForm
from skolsam.groups.forms import GroupChoiceField
from skolsam.groups.selectors import group_list_for_management
from skolsam.organisations.forms import (
    UnitChoiceField,
    managed_school_units,
    school_type_choices,
)
from skolsam.organisations.models import Organisation


class PlacementFieldsForm(RegisterForm):
    """Where a pupil is enrolled: unit, school type, year, dates and (optionally) class.

    The class and school-type choices follow the chosen unit when htmx reloads the section;
    without JavaScript every managed unit's classes are offered and the service checks
    that the class belongs to the unit.
    """

    section_title = _("Inskrivning")
    school_unit = UnitChoiceField(label=_("Skolenhet"), queryset=None)
    school_type = forms.ChoiceField(label=_("Skolform"))
    school_year = forms.IntegerField(
        label=_("Årskurs (valfritt)"),
        required=False,
        min_value=0,
        max_value=10,
        help_text=_("0 för förskoleklass."),
        error_messages={
            "min_value": _("Årskursen måste vara mellan 0 och 10."),
            "max_value": _("Årskursen måste vara mellan 0 och 10."),
            "invalid": _("Skriv årskursen som en siffra."),
        },
    )
    start_date = DateField(label=_("Första skoldag"))
    end_date = DateField(
        label=_("Sista dag (valfritt)"),
        required=False,
        help_text=_("Lämna tomt om inskrivningen gäller tills vidare."),
    )
    group = GroupChoiceField(
        label=_("Klass (valfritt)"),
        queryset=None,
        required=False,
        empty_label=_("Ingen klass nu"),
    )
    service_fields = {"enroled_at": "school_unit"}
    field_order = [
        "school_unit",
        "school_type",
        "group",
        "school_year",
        "start_date",
        "end_date",
    ]
    # The fields whose choices depend on the unit; htmx reloads them when it changes.
    dependent_fields = ("school_type", "group")

    def __init__(
        self,
        *args: Any,
        actor: Actor,
        unit: Organisation | None = None,
        reload_url: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        units = managed_school_units(actor)
        self.fields["school_unit"].queryset = units  # type: ignore[attr-defined]
        if reload_url:
            self.fields["school_unit"].widget.attrs.update(
                {
                    "hx-get": reload_url,
                    "hx-trigger": "change",
                    "hx-target": "#placement-dependent",
                    "hx-swap": "innerHTML",
                    "aria-controls": "placement-dependent",
                }
            )
        chosen = unit or self._bound_unit(units)
        offered = [chosen] if chosen is not None and not self.is_bound else list(units)
        self.fields["school_type"].choices = [("", "–"), *school_type_choices(offered)]  # type: ignore[attr-defined]
        groups = group_list_for_management(actor=actor, on=actor.on).filter(
            group_type=GroupType.KLASS
        )
        if chosen is not None and not self.is_bound:
            groups = groups.filter(organisation=chosen)
        self.fields["group"].queryset = groups  # type: ignore[attr-defined]
        self.fields["start_date"].initial = actor.on
        if chosen is not None:
            self.initial.setdefault("school_unit", chosen)
            if len(chosen.school_types) == 1:
                self.initial.setdefault("school_type", chosen.school_types[0])

    def dependent(self) -> list[Any]:
        return [self[name] for name in self.dependent_fields if name in self.fields]

    def independent(self) -> list[Any]:
        return [
            self[name]
            for name in self.fields
            if name not in self.dependent_fields and name != "school_unit"
        ]

    def _bound_unit(self, units: Any) -> Organisation | None:
        if not self.is_bound:
            return None
        value = self.data.get(self.add_prefix("school_unit"))
        try:
            return units.filter(pk=value).first() if value else None
        except (ValueError, TypeError):
            return None


class MoveSchoolForm(PlacementFieldsForm):
    """The new school of a pupil who moves; the old enrolment ends the day before."""

    service_fields = {"enroled_at": "school_unit", "on": "start_date", "end_date": "start_date"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["end_date"]
        self.fields["school_unit"].label = _("Ny skolenhet")
        self.fields["start_date"].label = _("Första dag på den nya skolan")
        self.fields["start_date"].help_text = _(
            "Inskrivningen och grupperna på den gamla skolan avslutas dagen före."
        )
        self.fields["group"].label = _("Klass på den nya skolan (valfritt)")


class EnrolmentEndForm(RegisterForm):
    end_date = DateField(
        label=_("Sista dag på skolan"),
        help_text=_("Eleven är inskriven till och med den dagen. Historiken sparas."),
    )
    leave_groups = forms.BooleanField(
        label=_("Avsluta också elevens klass och grupper vid skolenheten samma dag"),
        required=False,
        initial=True,
    )

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["end_date"].initial = actor.on
