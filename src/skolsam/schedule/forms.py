"""Validate the calendar forms, in Swedish: terms and days without teaching."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from skolsam.core.dates import date_field_validate
from skolsam.schedule.models import NonTeachingKind


class _DateInput(forms.DateInput):
    input_type = "date"


class CalendarForm(forms.Form):
    """Shows a service's DomainError on the fields it names, the rest above the form."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def add_domain_error(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for name, messages in error.message_dict.items():
                for message in messages:
                    self.add_error(name if name in self.fields else None, message)
        else:
            for message in error.messages:
                self.add_error(None, message)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("Slutdatum kan inte ligga före startdatum."))
        return data


class TermForm(CalendarForm):
    prefix = "termin"

    name = forms.CharField(
        label=_("Namn"), max_length=60, help_text=_("Till exempel Höstterminen 2026.")
    )
    school_year = forms.IntegerField(
        label=_("Läsår (året det börjar)"),
        min_value=2000,
        max_value=2100,
        help_text=_("2026 för läsåret 2026/27."),
    )
    start_date = forms.DateField(
        label=_("Första dagen"), widget=_DateInput, validators=[date_field_validate]
    )
    end_date = forms.DateField(
        label=_("Sista dagen"), widget=_DateInput, validators=[date_field_validate]
    )


class NonTeachingDayForm(CalendarForm):
    prefix = "lov"

    kind = forms.ChoiceField(label=_("Slag"), choices=NonTeachingKind.choices)
    name = forms.CharField(
        label=_("Namn"), max_length=80, help_text=_("Till exempel Höstlov eller Studiedag.")
    )
    start_date = forms.DateField(
        label=_("Första dagen"), widget=_DateInput, validators=[date_field_validate]
    )
    end_date = forms.DateField(
        label=_("Sista dagen"),
        required=False,
        widget=_DateInput,
        help_text=_("Tomt för en enda dag."),
    )
