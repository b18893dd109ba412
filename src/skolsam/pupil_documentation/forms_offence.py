"""Read what staff type on the offensive-treatment pages; the services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from skolsam.core.dates import date_field_validate
from skolsam.pupil_documentation.models import OFFENCE_TEXT_MAX, PLACE_MAX


def _date(label: Any, required: Any = None) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required is not None,
        validators=[date_field_validate],
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": required, "invalid": _("Skriv datumet som ÅÅÅÅ-MM-DD.")},
    )


class OffenceReportForm(forms.Form):
    """A report: who was subjected, who is alleged, what happened, when and where."""

    subjected = forms.MultipleChoiceField(
        label=_("Elev eller elever som har blivit utsatta"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Välj minst en elev som har blivit utsatt.")},
    )
    pupil_actors = forms.MultipleChoiceField(
        label=_("Elev eller elever som uppges ha kränkt"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    staff_actors = forms.MultipleChoiceField(
        label=_("Personal som uppges ha kränkt"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Om personal uppges ha kränkt går anmälan direkt till huvudmannen."),
    )
    description = forms.CharField(
        label=_("Vad hände"),
        max_length=OFFENCE_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Beskriv vad som har hänt.")},
    )
    occurred_on = _date(_("När hände det"), _("Ange när det hände."))
    place = forms.CharField(
        label=_("Var hände det"),
        max_length=PLACE_MAX,
        error_messages={"required": _("Ange var det hände.")},
    )

    def __init__(self, *args: Any, pupils: list[Any], duties: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.pupils = {str(p.pk): p for p in pupils}
        self.duties = {str(d.pk): d for d in duties}
        names = [(k, p.full_name) for k, p in self.pupils.items()]
        for name in ("subjected", "pupil_actors"):
            field = self.fields[name]
            assert isinstance(field, forms.MultipleChoiceField)
            field.choices = names
        staff = self.fields["staff_actors"]
        assert isinstance(staff, forms.MultipleChoiceField)
        staff.choices = [(k, d.person.full_name) for k, d in self.duties.items()]

    def chosen(self, name: str) -> list[Any]:
        table = self.duties if name == "staff_actors" else self.pupils
        return [table[k] for k in self.cleaned_data.get(name) or []]


class InterviewForm(forms.Form):
    """An interview of the investigation."""

    held_on = _date(_("Datum för samtalet"), _("Ange när samtalet hölls."))
    interviewee = forms.CharField(
        label=_("Samtal med"),
        max_length=PLACE_MAX,
        error_messages={"required": _("Ange vem samtalet hölls med.")},
    )
    notes = forms.CharField(
        label=_("Anteckningar"),
        max_length=OFFENCE_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Skriv anteckningar från samtalet.")},
    )


class ConclusionForm(forms.Form):
    """The investigation's conclusions, measures and follow-up; closing the case."""

    conclusions = forms.CharField(
        label=_("Slutsatser"),
        max_length=OFFENCE_TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    measures = forms.CharField(
        label=_("Åtgärder"),
        max_length=OFFENCE_TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    follow_up_date = _date(_("Uppföljning"))
    close = forms.BooleanField(label=_("Avsluta ärendet"), required=False)
