"""Validate the auditors' search: person, actor, action and a date range."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from django import forms
from django.utils.translation import gettext_lazy as _

from skolsam.core.dates import date_field_validate
from skolsam.core.forms import DateInput
from skolsam.people import civicno
from skolsam.people.selectors import person_find_id_by_civic_no


class AuditSearchForm(forms.Form):
    person = forms.CharField(
        label=_("Person"),
        required=False,
        max_length=64,
        help_text=_("Personnummer (t.ex. ÅÅMMDD-NNNN) eller personens id."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    actor = forms.CharField(
        label=_("Utförd av"),
        required=False,
        max_length=150,
        help_text=_("Användarnamn."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    action = forms.CharField(
        label=_("Händelse"),
        required=False,
        max_length=64,
        help_text=_("T.ex. person.view, eller person för alla person-händelser."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    date_from = forms.DateField(
        label=_("Från och med"),
        required=False,
        widget=DateInput(),
        validators=[date_field_validate],
    )
    date_to = forms.DateField(
        label=_("Till och med"),
        required=False,
        widget=DateInput(),
        validators=[date_field_validate],
    )

    def __init__(self, *args: Any, today: date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_person(self) -> UUID | None:
        """Turn a civic number or a person id into the id the log is keyed on."""
        text = self.cleaned_data["person"].strip()
        if not text:
            return None
        try:
            return UUID(text)
        except ValueError:
            pass
        stored = civicno.search_forms(text, today=self.today)
        if stored is None:
            raise forms.ValidationError(
                _("Skriv ett giltigt personnummer eller ett person-id."), code="invalid"
            )
        person_id = person_find_id_by_civic_no(civic_no=stored)
        if person_id is None:
            raise forms.ValidationError(
                _("Det finns ingen person med det personnumret i registret."), code="not_found"
            )
        return person_id

    def clean_actor(self) -> str:
        return self.cleaned_data["actor"].strip()

    def clean_action(self) -> str:
        return self.cleaned_data["action"].strip().lower()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("Slutdatum kan inte ligga före startdatum."))
        return data

    def filters(self) -> dict[str, Any]:
        """Return the cleaned filters as keyword arguments for `audit_entry_list`."""
        data = self.cleaned_data
        return {
            "person_id": data.get("person"),
            "actor": data.get("actor", ""),
            "action": data.get("action", ""),
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
        }
