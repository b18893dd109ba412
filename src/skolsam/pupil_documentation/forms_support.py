"""Read what staff type on the special support pages; the services check the rules."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from skolsam.core.dates import date_field_validate
from skolsam.pupil_documentation.models import (
    DECISION_TEXT_MAX,
    NOTE_MAX,
    OBSERVATION_MAX,
    PARTICIPANTS_MAX,
    DecisionKind,
)


def _day(label: Any, required: Any = None, help_text: Any = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required is not None,
        validators=[date_field_validate],
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": required or "", "invalid": _("Ange ett giltigt datum.")},
        help_text=help_text,
    )


def _area(label: Any, max_length: int, required: Any = None, rows: int = 4) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required is not None,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": required or ""},
    )


class ReportForm(forms.Form):
    """A report to the rektor: at which unit (when the pupil has several), what, when."""

    organisation = forms.ChoiceField(label=_("Skolenhet"))
    observed_on = _day(_("När såg du det?"), _("Ange när du såg det du anmäler."))
    observation = _area(
        _("Vad har du sett?"),
        OBSERVATION_MAX,
        _("Skriv vad du har sett som tyder på att eleven kan behöva särskilt stöd."),
    )

    def __init__(self, *args: Any, units: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.units = {str(u.pk): u for u in units}
        unit = self.fields["organisation"]
        assert isinstance(unit, forms.ChoiceField)
        unit.choices = [(k, u.display_name) for k, u in self.units.items()]
        unit.error_messages["invalid_choice"] = _("Välj en skolenhet där eleven går.")

    def chosen_unit(self) -> Any:
        return self.units[self.cleaned_data["organisation"]]


class OpenForm(forms.Form):
    """The rektor opens the investigation and assigns it."""

    assigned_to = forms.ChoiceField(label=_("Utreds av"))

    def __init__(self, *args: Any, staff: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.staff = {str(p.pk): p for p in staff}
        field = self.fields["assigned_to"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(k, p.full_name) for k, p in self.staff.items()]
        field.error_messages["invalid_choice"] = _(
            "Välj någon som arbetar vid skolenheten att göra utredningen."
        )
        field.error_messages["required"] = field.error_messages["invalid_choice"]

    def chosen(self) -> Any:
        return self.staff[self.cleaned_data["assigned_to"]]


class NoteForm(forms.Form):
    """A meeting or conversation of the investigation."""

    held_on = _day(_("Datum"), _("Ange när mötet hölls."))
    participants = forms.CharField(
        label=_("Deltagare"),
        max_length=PARTICIPANTS_MAX,
        help_text=_("Till exempel: eleven, vårdnadshavare, mentor, specialpedagog."),
        error_messages={"required": _("Skriv vilka som deltog.")},
    )
    text = _area(_("Vad kom fram"), NOTE_MAX, _("Skriv vad som kom fram."))


class ConcludeForm(forms.Form):
    conclusion = _area(
        _("Utredningens slutsats"), DECISION_TEXT_MAX, _("Skriv utredningens slutsats.")
    )


class DecisionForm(forms.Form):
    """The rektor's decision: an action programme or a decision not to make one."""

    kind = forms.ChoiceField(
        label=_("Beslut"),
        choices=DecisionKind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Välj åtgärdsprogram eller beslut om att inte upprätta åtgärdsprogram."),
            "invalid_choice": _(
                "Välj åtgärdsprogram eller beslut om att inte upprätta åtgärdsprogram."
            ),
        },
    )
    decided_on = _day(_("Beslutsdatum"), _("Ange beslutsdatumet."))
    needs = _area(_("Elevens behov (åtgärdsprogram)"), DECISION_TEXT_MAX)
    measures = _area(_("Åtgärder (åtgärdsprogram)"), DECISION_TEXT_MAX)
    responsible = forms.CharField(
        label=_("Ansvarig för åtgärderna (åtgärdsprogram)"),
        max_length=PARTICIPANTS_MAX,
        required=False,
    )
    evaluation_1 = _day(_("Utvärderas (åtgärdsprogram)"))
    evaluation_2 = _day(_("Utvärderas också"))
    evaluation_3 = _day(_("Utvärderas också"))
    reasons = _area(
        _("Motivering (krävs för beslut om att inte upprätta åtgärdsprogram)"), DECISION_TEXT_MAX
    )
    guardians_notified_on = _day(
        _("Vårdnadshavarna underrättades"),
        help_text=_(
            "Lämna tomt om de inte har underrättats ännu; registrera det sedan i en ny version."
        ),
    )

    def evaluation_dates(self) -> list[date]:
        return [
            d
            for d in (self.cleaned_data.get(f"evaluation_{i}") for i in (1, 2, 3))
            if d is not None
        ]
