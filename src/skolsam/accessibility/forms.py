"""The report form: which huvudman, where, what happened, and how to answer."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from skolsam.accessibility.access import huvudman_choices
from skolsam.accessibility.services import DESCRIPTION_MAX
from skolsam.core.forms import RegisterForm


class ReportForm(RegisterForm):
    huvudman = forms.ChoiceField(label=_("Skolhuvudman det gäller"))
    page_url = forms.CharField(
        label=_("Sidan där problemet finns"),
        required=False,
        max_length=500,
        help_text=_("Adressen eller sidans namn, om du vet den."),
    )
    description = forms.CharField(
        label=_("Beskriv problemet"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=DESCRIPTION_MAX,
        help_text=_(
            "Vad försökte du göra, och vad hände? Till exempel: knappen går inte att nå med tangentbordet."
        ),
    )
    contact_name = forms.CharField(
        label=_("Ditt namn (frivilligt)"), required=False, max_length=200
    )
    contact_email = forms.EmailField(
        label=_("Din e-postadress (frivilligt)"),
        required=False,
        help_text=_("Om du vill ha svar. Vi använder den bara för att svara dig."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["huvudman"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Välj …"))] + [
            (str(o.pk), o.display_name) for o in huvudman_choices()
        ]


class HandleForm(RegisterForm):
    response = forms.CharField(
        label=_("Vad ni gjorde eller svarade"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=DESCRIPTION_MAX,
    )
