"""Validate what guardians and pupils type in the portal, in Swedish (marked for translation)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from skolsam.attendance.forms import DayField


class AbsenceForm(forms.Form):
    """Report one or several children absent: today, whole day, by default."""

    children = forms.MultipleChoiceField(
        label=_("Vem är borta?"), widget=forms.CheckboxSelectMultiple
    )
    scope = forms.ChoiceField(
        label=_("Hur länge"),
        choices=(
            ("day", _("Hela dagen")),
            ("part", _("Del av dagen")),
            ("days", _("Flera dagar")),
        ),
        widget=forms.RadioSelect,
        initial="day",
    )
    first_day = DayField(label=_("Datum (första dagen)"))
    last_day = DayField(
        label=_("Sista dagen"), required=False, help_text=_("Bara för flera dagar.")
    )
    start = forms.TimeField(
        label=_("Från klockan"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    end = forms.TimeField(
        label=_("Till klockan"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )

    def __init__(self, *args: Any, children: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["children"].choices = [(str(c.pk), c.full_name) for c in children]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        scope = data.get("scope")
        if scope == "part":
            if not data.get("start"):
                self.add_error("start", _("Ange från vilken tid barnet är borta."))
            if not data.get("end"):
                self.add_error("end", _("Ange till vilken tid barnet är borta."))
            if data.get("start") and data.get("end") and data["end"] <= data["start"]:
                self.add_error("end", _("Sluttiden måste vara efter starttiden."))
        if scope == "days":
            last = data.get("last_day")
            if not last:
                self.add_error("last_day", _("Ange sista dagen."))
            elif data.get("first_day") and last < data["first_day"]:
                self.add_error("last_day", _("Sista dagen kan inte vara före första dagen."))
        return data


class LeaveForm(forms.Form):
    child = forms.ChoiceField(label=_("Barn"))
    start_date = DayField(label=_("Första dagen"))
    end_date = DayField(label=_("Sista dagen"))
    reason = forms.CharField(
        label=_("Skäl"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, children: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["child"].choices = [(str(c.pk), c.full_name) for c in children]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("start_date")
            and data.get("end_date")
            and data["end_date"] < data["start_date"]
        ):
            self.add_error("end_date", _("Sista dagen kan inte vara före första dagen."))
        return data


class ContactForm(forms.Form):
    """One's own or a child's e-mail and mobile; the address is the population register's."""

    email = forms.CharField(label=_("E-post"), required=False, max_length=254)
    phone = forms.CharField(label=_("Mobilnummer"), required=False, max_length=32)
