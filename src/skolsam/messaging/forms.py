"""The compose, thread and search forms."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from skolsam.core.forms import RegisterForm
from skolsam.messaging.models import Category, Frequency


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by the service (type by content, size)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class ComposeForm(RegisterForm):
    service_fields = {"to_guardians": "to_guardians"}

    audience = forms.ChoiceField(label=_("Till"))
    to_guardians = forms.BooleanField(label=_("Vårdnadshavare"), required=False, initial=True)
    to_pupils = forms.BooleanField(label=_("Elever"), required=False)
    category = forms.ChoiceField(
        label=_("Slag"),
        choices=[(Category.NEWS, _("Nyhet")), (Category.WEEKLY_LETTER, _("Veckobrev"))],
    )
    subject = forms.CharField(label=_("Rubrik"), max_length=200)
    body = forms.CharField(label=_("Meddelande"), widget=forms.Textarea(attrs={"rows": 8}))
    replies_allowed = forms.BooleanField(label=_("Mottagarna kan svara"), required=False)
    attachments = MultipleFileField(
        label=_("Bifoga filer (valfritt)"),
        required=False,
        help_text=_("PDF, bilder (PNG, JPEG), Word- eller Excel-filer, högst 10 MB var."),
    )

    def __init__(self, *args: Any, groups: list[Any], organisations: list[Any], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.groups = {str(g.pk): g for g in groups}
        self.organisations = {str(o.pk): o for o in organisations}
        choices: list[tuple[str, Any]] = [("", _("Välj grupp eller enhet"))]
        choices += [(f"g:{g.pk}", str(g.display_name)) for g in groups]
        choices += [(f"o:{o.pk}", str(o.display_name)) for o in organisations]
        self.fields["audience"].choices = choices  # type: ignore[attr-defined]
        self.fields["audience"].error_messages["invalid_choice"] = _(
            "Välj en grupp eller enhet i listan."
        )

    def audience_objects(self) -> tuple[Any | None, Any | None]:
        kind, _sep, pk = self.cleaned_data["audience"].partition(":")
        if kind == "g":
            return self.groups.get(pk), None
        return None, self.organisations.get(pk)


class ThreadForm(RegisterForm):
    subject = forms.CharField(label=_("Rubrik"), max_length=200)
    body = forms.CharField(label=_("Meddelande"), widget=forms.Textarea(attrs={"rows": 6}))
    replies_allowed = forms.BooleanField(
        label=_("Vårdnadshavarna kan svara"), required=False, initial=True
    )


class PostForm(RegisterForm):
    body = forms.CharField(label=_("Meddelande"), widget=forms.Textarea(attrs={"rows": 4}))


class StaffPostForm(PostForm):
    replies_allowed = forms.BooleanField(
        label=_("Vårdnadshavarna kan svara"), required=False, initial=True
    )


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Sök i meddelanden"), max_length=200, required=False)


class PreferenceForm(RegisterForm):
    """One choice per category; statutory notices are not offered (they always go at once)."""

    nyhet = forms.ChoiceField(label=_("Nyheter"), choices=Frequency.choices, required=False)
    veckobrev = forms.ChoiceField(label=_("Veckobrev"), choices=Frequency.choices, required=False)
    konversation = forms.ChoiceField(
        label=_("Konversationer"), choices=Frequency.choices, required=False
    )
    # Optional reminders (messaging.Reminder): off unless ticked.
    franvaro_i_dag = forms.BooleanField(
        label=_("Påminn mig kl. 07:10 när ett barn var frånvaroanmält i går"),
        help_text=_(
            "Du får frågan om barnet är borta i dag också och kan anmäla frånvaro för i dag "
            "med ett tryck. Ingen påminnelse skickas om dagen redan är anmäld eller inte är "
            "en skoldag."
        ),
        required=False,
    )

    def frequencies(self) -> dict[str, str]:
        return {c: self.cleaned_data[c] for c in ("nyhet", "veckobrev", "konversation")}

    def reminders(self) -> set[str]:
        return {r for r in ("franvaro_i_dag",) if self.cleaned_data.get(r)}


def uuid_list(text: str) -> list[uuid.UUID]:
    """Read a comma-separated list of ids (the files of the preview step); skip anything else."""
    found = []
    for part in text.split(","):
        try:
            found.append(uuid.UUID(part.strip()))
        except ValueError:
            continue
    return found
