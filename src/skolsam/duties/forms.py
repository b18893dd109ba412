"""Forms for staff: register a staff member with a duty, add and end duties, assign roles."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from skolsam.core.access import Actor
from skolsam.core.choices import AssignmentRoleType, DutyRole
from skolsam.core.forms import DateField, RegisterForm
from skolsam.core.policy import Action
from skolsam.duties.models import Duty
from skolsam.organisations.access import organisation_policy
from skolsam.organisations.forms import UnitChoiceField
from skolsam.organisations.models import Organisation
from skolsam.people.forms import CivicNoField, clean_phone
from skolsam.people.services import PersonDetails


def managed_organisations(actor: Actor) -> QuerySet[Organisation]:
    """Return every organisation (not only school units) where `actor` may add staff."""
    return organisation_policy.objects(actor, Action.CREATE).order_by("display_name", "id")


class DutyFieldsForm(RegisterForm):
    duty_at = UnitChoiceField(label=_("Arbetsplats"), queryset=None)
    duty_role = forms.ChoiceField(label=_("Befattning"), choices=[("", "–"), *DutyRole.choices])
    duty_percent = forms.IntegerField(
        label=_("Tjänstgöringsgrad i procent (valfritt)"),
        required=False,
        min_value=1,
        max_value=100,
        error_messages={
            "min_value": _("Tjänstgöringsgraden ska vara 1–100 procent."),
            "max_value": _("Tjänstgöringsgraden ska vara 1–100 procent."),
            "invalid": _("Skriv tjänstgöringsgraden som ett heltal, t.ex. 80."),
        },
    )
    signature = forms.CharField(label=_("Signatur (valfritt)"), max_length=16, required=False)
    start_date = DateField(label=_("Från och med"))
    end_date = DateField(
        label=_("Till och med (valfritt)"),
        required=False,
        help_text=_("Lämna tomt om tjänsten gäller tills vidare."),
    )

    def __init__(
        self, *args: Any, actor: Actor, duty_at: Organisation | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["duty_at"].queryset = managed_organisations(actor)  # type: ignore[attr-defined]
        self.fields["start_date"].initial = actor.on
        if duty_at is not None:
            self.initial.setdefault("duty_at", duty_at)

    def duty_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "duty_at": data["duty_at"],
            "duty_role": data["duty_role"],
            "duty_percent": data["duty_percent"],
            "signature": data["signature"],
            "start_date": data["start_date"],
            "end_date": data["end_date"],
        }


class StaffRegisterForm(DutyFieldsForm):
    """A new staff member (or one already registered, found by civic number) and a duty."""

    civic_no = CivicNoField(
        label=_("Personnummer"),
        help_text=_(
            "Finns personen redan i registret får den tjänsten, och dess uppgifter ändras inte."
        ),
    )
    given_name = forms.CharField(label=_("Förnamn"), max_length=100, required=False)
    family_name = forms.CharField(label=_("Efternamn"), max_length=100, required=False)
    email = forms.EmailField(
        label=_("E-post i tjänsten (valfritt)"),
        required=False,
        error_messages={"invalid": _("Skriv en e-postadress, t.ex. namn@example.se.")},
    )
    phone = forms.CharField(
        label=_("Telefon (valfritt)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel"}),
    )
    service_fields = {"emails": "email", "phone_numbers": "phone"}
    field_order = [
        "civic_no",
        "given_name",
        "family_name",
        "email",
        "phone",
        "duty_at",
        "duty_role",
        "duty_percent",
        "signature",
        "start_date",
        "end_date",
    ]

    person_field_names = ("civic_no", "given_name", "family_name", "email", "phone")

    def person_fields(self) -> list[Any]:
        return [self[name] for name in self.person_field_names]

    def duty_fields(self) -> list[Any]:
        return [self[name] for name in self.fields if name not in self.person_field_names]

    def clean_phone(self) -> str:
        return clean_phone(self.cleaned_data["phone"])

    def person_details(self) -> PersonDetails:
        data = self.cleaned_data
        return PersonDetails(
            given_name=data["given_name"],
            family_name=data["family_name"],
            civic_no=data["civic_no"],
            email=data["email"],
            phone=data["phone"],
        )


class DutyEndForm(RegisterForm):
    end_date = DateField(
        label=_("Sista dag i tjänsten"),
        help_text=_("Tjänsten gäller till och med den dagen. Historiken sparas."),
    )

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["end_date"].initial = actor.on


class DutyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.person.full_name} – {obj.duty_role}"


class AssignmentRoleForm(RegisterForm):
    duty = DutyChoiceField(
        label=_("Personal"),
        queryset=None,
        empty_label=_("Välj personal"),
    )
    assignment_role_type = forms.ChoiceField(
        label=_("Roll"), choices=AssignmentRoleType.choices, initial=AssignmentRoleType.MENTOR
    )
    start_date = DateField(label=_("Från och med"))
    end_date = DateField(label=_("Till och med (valfritt)"), required=False)

    def __init__(self, *args: Any, actor: Actor, duties: QuerySet[Duty], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["duty"].queryset = duties  # type: ignore[attr-defined]
        self.fields["start_date"].initial = actor.on
