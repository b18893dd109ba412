"""Forms for registering a pupil with guardians and for changing a person's names and contacts."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from skolsam.core.choices import RelationType
from skolsam.core.dates import today
from skolsam.core.forms import RegisterForm
from skolsam.people import civicno
from skolsam.people.services import ADDRESS_TYPES, EMAIL_TYPES, PHONE_TYPES, Address, PersonDetails

_PHONE = re.compile(r"^\+?[\d\s()-]{5,20}$")
_POSTAL_CODE = re.compile(r"^\d{3}\s?\d{2}$")


class CivicNoField(forms.CharField):
    """A civic number as people type it: 10 or 12 digits, with or without the hyphen."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("help_text", _("ÅÅÅÅMMDD-NNNN eller ÅÅMMDD-NNNN."))
        super().__init__(**kwargs)
        self.widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})

    def clean(self, value: Any) -> Any:
        text = super().clean(value)
        if not text:
            return text
        try:
            civicno.parse(text, today=today())
        except civicno.CivicNoError as exc:
            raise forms.ValidationError(str(exc)) from None
        return text


def clean_phone(value: str) -> str:
    value = " ".join(value.split())
    if value and not _PHONE.match(value):
        raise forms.ValidationError(
            _("Skriv telefonnumret med siffror, t.ex. 070-123 45 67 eller +46 70 123 45 67.")
        )
    return value


class AddressFieldsMixin(forms.Form):
    """A folkbokföring address: all three parts or none."""

    street_address = forms.CharField(label=_("Gatuadress"), max_length=200, required=False)
    postal_code = forms.CharField(
        label=_("Postnummer"),
        max_length=6,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
    )
    locality = forms.CharField(label=_("Postort"), max_length=100, required=False)

    def clean_postal_code(self) -> str:
        value = self.cleaned_data["postal_code"].strip()
        if value and not _POSTAL_CODE.match(value):
            raise forms.ValidationError(_("Postnumret har fem siffror, t.ex. 731 30."))
        return value.replace(" ", "")

    def address(self) -> Address | None:
        data = self.cleaned_data
        if not any(data.get(k) for k in ("street_address", "postal_code", "locality")):
            return None
        return Address(
            street_address=data["street_address"],
            postal_code=data["postal_code"],
            locality=data["locality"],
            municipality_code=data.get("municipality_code", ""),
        )

    def _check_address_complete(self) -> None:
        parts = {k: self.cleaned_data.get(k) for k in ("street_address", "postal_code", "locality")}
        if any(parts.values()):
            for name, value in parts.items():
                if not value and name not in self.errors:
                    self.add_error(
                        name, _("Fyll i hela adressen: gatuadress, postnummer och postort.")
                    )


class PupilForm(AddressFieldsMixin, RegisterForm):
    section_title = _("Eleven")
    given_name = forms.CharField(label=_("Förnamn"), max_length=100)
    middle_name = forms.CharField(label=_("Mellannamn (valfritt)"), max_length=100, required=False)
    family_name = forms.CharField(label=_("Efternamn"), max_length=100)
    civic_no = CivicNoField(label=_("Personnummer"))
    municipality_code = forms.CharField(
        label=_("Folkbokföringskommun, kommunkod (valfritt)"),
        max_length=4,
        required=False,
        help_text=_("Fyra siffror, t.ex. 1983 för Köping. Avgör elevens hemkommun."),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    service_fields = {"addresses": "street_address"}
    field_order = [
        "given_name",
        "middle_name",
        "family_name",
        "civic_no",
        "street_address",
        "postal_code",
        "locality",
        "municipality_code",
    ]

    def clean_municipality_code(self) -> str:
        value = self.cleaned_data["municipality_code"].strip()
        if value and not (len(value) == 4 and value.isdigit()):
            raise forms.ValidationError(_("Kommunkoden har fyra siffror, t.ex. 1983."))
        return value

    def clean(self) -> dict[str, Any]:
        super().clean()
        self._check_address_complete()
        return self.cleaned_data

    def details(self) -> PersonDetails:
        data = self.cleaned_data
        return PersonDetails(
            given_name=data["given_name"],
            middle_name=data["middle_name"],
            family_name=data["family_name"],
            civic_no=data["civic_no"],
            address=self.address(),
        )


class GuardianForm(AddressFieldsMixin, RegisterForm):
    """A guardian; found by civic number if already registered, otherwise created."""

    civic_no = CivicNoField(
        label=_("Personnummer"),
        help_text=_(
            "Finns personen redan i registret kopplas den som vårdnadshavare och dess "
            "uppgifter ändras inte."
        ),
    )
    given_name = forms.CharField(label=_("Förnamn"), max_length=100, required=False)
    family_name = forms.CharField(label=_("Efternamn"), max_length=100, required=False)
    relation_type = forms.ChoiceField(
        label=_("Relation"), choices=RelationType.choices, initial=RelationType.VARDNADSHAVARE
    )
    phone = forms.CharField(
        label=_("Mobilnummer"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    email = forms.EmailField(
        label=_("E-post"),
        required=False,
        error_messages={"invalid": _("Skriv en e-postadress, t.ex. namn@example.se.")},
    )
    same_address = forms.BooleanField(
        label=_("Samma adress som eleven"), required=False, initial=True
    )
    service_fields = {
        "emails": "email",
        "phone_numbers": "phone",
        "addresses": "street_address",
        "responsible": "civic_no",
    }
    field_order = [
        "civic_no",
        "given_name",
        "family_name",
        "relation_type",
        "phone",
        "email",
        "same_address",
        "street_address",
        "postal_code",
        "locality",
    ]

    def __init__(self, *args: Any, optional: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.optional = optional
        if optional:
            self.fields["civic_no"].required = False
        self.fields["street_address"].help_text = _(
            "Fyll i adressen om vårdnadshavaren inte bor med eleven."
        )
        for name in ("civic_no", "given_name", "family_name", "phone", "email"):
            self.fields[name].widget.attrs.setdefault("autocomplete", "off")

    def clean_phone(self) -> str:
        return clean_phone(self.cleaned_data["phone"])

    @property
    def is_empty(self) -> bool:
        """Tell whether an optional guardian was left blank (and is to be skipped)."""
        if not self.optional or not hasattr(self, "cleaned_data"):
            return False
        keys = ("civic_no", "given_name", "family_name", "phone", "email", "street_address")
        return not any(self.cleaned_data.get(k) for k in keys)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.optional and not data.get("civic_no") and not self.is_empty:
            self.add_error(
                "civic_no", _("Ange personnumret, eller töm alla fält för den här vårdnadshavaren.")
            )
        if not data.get("same_address"):
            self._check_address_complete()
        return data

    def details(self, pupil_address: Address | None) -> PersonDetails:
        data = self.cleaned_data
        address = pupil_address if data["same_address"] else self.address()
        return PersonDetails(
            given_name=data["given_name"],
            family_name=data["family_name"],
            civic_no=data["civic_no"],
            email=data["email"],
            phone=data["phone"],
            address=address,
            relation_type=data["relation_type"],
        )


class PersonEditForm(RegisterForm):
    """A person's names; the contact details come in the formsets beside it."""

    given_name = forms.CharField(label=_("Förnamn"), max_length=100)
    middle_name = forms.CharField(label=_("Mellannamn (valfritt)"), max_length=100, required=False)
    family_name = forms.CharField(label=_("Efternamn"), max_length=100)
    version = forms.IntegerField(widget=forms.HiddenInput)


# Every row field has an initial value, so an extra row left blank counts as unchanged and
# is skipped instead of being refused as incomplete.
class EmailRowForm(RegisterForm):
    type = forms.ChoiceField(
        label=_("Typ"), choices=[(t, t) for t in EMAIL_TYPES], initial=EMAIL_TYPES[0]
    )
    value = forms.EmailField(
        label=_("E-postadress"),
        error_messages={"invalid": _("Skriv en e-postadress, t.ex. namn@example.se.")},
    )


class PhoneRowForm(RegisterForm):
    type = forms.ChoiceField(
        label=_("Typ"), choices=[(t, t) for t in PHONE_TYPES], initial=PHONE_TYPES[0]
    )
    value = forms.CharField(
        label=_("Telefonnummer"), max_length=20, widget=forms.TextInput(attrs={"type": "tel"})
    )
    mobile = forms.BooleanField(label=_("Mobilnummer"), required=False, initial=True)

    def clean_value(self) -> str:
        return clean_phone(self.cleaned_data["value"])


class AddressRowForm(AddressFieldsMixin, RegisterForm):
    type = forms.ChoiceField(
        label=_("Typ"), choices=[(t, t) for t in ADDRESS_TYPES], initial=ADDRESS_TYPES[0]
    )
    care_of = forms.CharField(label=_("c/o (valfritt)"), max_length=100, required=False)
    municipality_code = forms.CharField(
        label=_("Kommunkod (valfritt)"),
        max_length=4,
        required=False,
        help_text=_("För folkbokföringsadressen: avgör hemkommunen."),
    )
    field_order = ["type", "care_of", "street_address", "postal_code", "locality"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        self._check_address_complete()
        return self.cleaned_data


class _RowFormSet(forms.BaseFormSet):
    def add_fields(self, form: Any, index: Any) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Ta bort raden")

    def rows(self) -> list[dict[str, Any]]:
        """Return the kept rows' cleaned data, skipping blank extra rows and deleted rows."""
        return [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


EmailFormSet = forms.formset_factory(EmailRowForm, formset=_RowFormSet, extra=1, can_delete=True)
PhoneFormSet = forms.formset_factory(PhoneRowForm, formset=_RowFormSet, extra=1, can_delete=True)
AddressFormSet = forms.formset_factory(
    AddressRowForm, formset=_RowFormSet, extra=1, can_delete=True
)


def address_rows(formset: Any, original: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Turn the address formset into SS 12000 addresses, keeping keys the form does not show.

    Row i of the formset starts from the person's address i, so fields such as `country`
    or `realEstateDesignation` survive an edit of the street.
    """
    result = []
    for i, form in enumerate(formset.forms):
        data = form.cleaned_data
        if not data or data.get("DELETE"):
            continue
        address = dict(original[i]) if i < len(original) else {}
        address.update(
            {
                "type": data["type"],
                "streetAddress": data["street_address"],
                "postalCode": data["postal_code"],
                "locality": data["locality"],
            }
        )
        for key, value in (
            ("careOf", data["care_of"]),
            ("municipalityCode", data["municipality_code"]),
        ):
            if not value:
                address.pop(key, None)
            elif str(address.get(key, "")) != value:  # keep 1983 an int if unchanged
                address[key] = value
        address.setdefault("country", "Sverige")
        result.append(address)
    return result


def address_initial(addresses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "type": a.get("type", "Folkbokföring"),
            "care_of": a.get("careOf", ""),
            "street_address": a.get("streetAddress", ""),
            "postal_code": a.get("postalCode", ""),
            "locality": a.get("locality", ""),
            "municipality_code": str(a.get("municipalityCode", "") or ""),
        }
        for a in addresses
    ]
