"""Forms for groups: create a group, add and end memberships, move a pupil to another class."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from skolsam.core.access import Actor
from skolsam.core.choices import GroupType, SchoolType
from skolsam.core.forms import DateField, RegisterForm
from skolsam.groups.models import Group
from skolsam.organisations.forms import UnitChoiceField, managed_school_units
from skolsam.people.forms import CivicNoField


class AsOfForm(forms.Form):
    """The class list's "as of date" picker."""

    datum = DateField(label=_("Visa klassen per datum"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class GroupChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.display_name} – {obj.organisation.display_name}"


class GroupCreateForm(RegisterForm):
    organisation = UnitChoiceField(label=_("Skolenhet"), queryset=None, empty_label=None)
    display_name = forms.CharField(
        label=_("Namn"), max_length=120, help_text=_("Till exempel 7B eller Ma2 7B.")
    )
    group_type = forms.ChoiceField(
        label=_("Typ av grupp"),
        choices=GroupType.choices,
        initial=GroupType.KLASS,
        help_text=_("En elev kan bara gå i en klass åt gången, men i många andra grupper."),
    )
    school_type = forms.ChoiceField(
        label=_("Skolform (valfritt)"),
        choices=[("", "–"), *SchoolType.choices],
        required=False,
    )
    start_date = DateField(label=_("Från och med"))
    end_date = DateField(
        label=_("Till och med (valfritt)"),
        required=False,
        help_text=_("Lämna tomt om gruppen gäller tills vidare."),
    )

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = managed_school_units(actor)  # type: ignore[attr-defined]
        self.fields["start_date"].initial = actor.on


class MembershipAddForm(RegisterForm):
    """Add a pupil, found by civic number among those the actor may change, to a group."""

    civic_no = CivicNoField(label=_("Elevens personnummer"))
    start_date = DateField(label=_("Från och med"))
    end_date = DateField(label=_("Till och med (valfritt)"), required=False)
    service_fields = {"group": "civic_no"}

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["start_date"].initial = actor.on


class MembershipEndForm(RegisterForm):
    end_date = DateField(
        label=_("Sista dag i gruppen"),
        help_text=_("Eleven står kvar i gruppen till och med den dagen. Historiken sparas."),
    )

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["end_date"].initial = actor.on


class ClassMoveForm(RegisterForm):
    """Move a pupil to another class: the old class ends the day before the new one starts."""

    to_group = GroupChoiceField(
        label=_("Ny klass"),
        queryset=None,
        empty_label=_("Välj klass"),
        help_text=_(
            "Klasser vid skolenheter där eleven är inskriven. Byter eleven skola, använd "
            "Byt skola i stället."
        ),
    )
    on = DateField(
        label=_("Första dag i den nya klassen"),
        help_text=_(
            "Eleven står kvar i sin nuvarande klass till och med dagen före och börjar i den "
            "nya klassen den här dagen. Det gamla medlemskapet avslutas, det tas inte bort."
        ),
    )
    service_fields = {"group": "to_group", "start_date": "on", "end_date": "on"}

    def __init__(self, *args: Any, actor: Actor, groups: QuerySet[Group], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_group"].queryset = groups  # type: ignore[attr-defined]
        self.fields["on"].initial = actor.on + timedelta(days=1)
