"""Read what staff type on the adaptation pages; the services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from skolsam.core.dates import date_field_validate
from skolsam.pupil_documentation.models import DESCRIPTION_MAX, EFFECT_MAX, Outcome

ALL_SUBJECTS = ""


class AdaptationForm(forms.Form):
    """A new adaptation: where (when the pupil has several units), in what, what, when."""

    organisation = forms.ChoiceField(label=_("Skolenhet"))
    syllabus = forms.ChoiceField(label=_("Ämne"), required=False)
    description = forms.CharField(
        label=_("Vad anpassas"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Till exempel: förlängd skrivtid, uppgifter uppdelade i delar, bildstöd."),
        error_messages={"required": _("Skriv vad som anpassas.")},
    )
    start_date = forms.DateField(
        label=_("Från och med"),
        validators=[date_field_validate],
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": _("Ange när anpassningen börjar.")},
    )
    follow_up_date = forms.DateField(
        label=_("Följs upp"),
        validators=[date_field_validate],
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": _("Ange när anpassningen ska följas upp.")},
    )

    def __init__(self, *args: Any, units: list[Any], subjects: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.units = {str(u.pk): u for u in units}
        self.subjects = {str(s.pk): s for s in subjects}
        unit = self.fields["organisation"]
        subject = self.fields["syllabus"]
        assert isinstance(unit, forms.ChoiceField) and isinstance(subject, forms.ChoiceField)
        unit.choices = [(k, u.display_name) for k, u in self.units.items()]
        subject.choices = [(ALL_SUBJECTS, _("Alla ämnen"))] + [
            (k, s.subject_name or s.course_name) for k, s in self.subjects.items()
        ]

    def chosen_unit(self) -> Any:
        return self.units[self.cleaned_data["organisation"]]

    def chosen_syllabus(self) -> Any | None:
        key = self.cleaned_data.get("syllabus") or ALL_SUBJECTS
        return self.subjects.get(key)


class EvaluationForm(forms.Form):
    """An evaluation: when, the effect, and whether the adaptation continues or ends."""

    evaluated_on = forms.DateField(
        label=_("Utvärderad"),
        validators=[date_field_validate],
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": _("Ange när anpassningen utvärderades.")},
    )
    effect = forms.CharField(
        label=_("Effekt"),
        max_length=EFFECT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Skriv vilken effekt anpassningen har haft.")},
    )
    outcome = forms.ChoiceField(
        label=_("Fortsätter anpassningen?"),
        choices=Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Välj om anpassningen fortsätter eller avslutas.")},
    )
    next_follow_up = forms.DateField(
        label=_("Nästa uppföljning"),
        required=False,
        validators=[date_field_validate],
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Om anpassningen fortsätter."),
    )
