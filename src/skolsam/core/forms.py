"""Hold the form kit every app's forms share: date inputs and a service's refusal shown on
the fields it names.

The forms check what they can on their own (required fields, formats) so the user sees every
mistake at once; the services stay the authority on the domain rules and their `DomainError`
is put on the same fields (`RegisterForm.add_domain_error`). Fields that name a domain's
values live with that domain: `people.forms.CivicNoField`, `organisations.forms.UnitChoiceField`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _

from skolsam.core.dates import date_field_validate
from skolsam.core.errors import DomainError


class DateInput(forms.DateInput):
    """A native date picker (keyboard and screen-reader friendly on phones), ISO values."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class DateField(forms.DateField):
    # Outside the years Skolsam handles, a date is refused here, not by a 5xx later.
    default_validators = [date_field_validate]

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", DateInput)
        kwargs.setdefault("input_formats", ["%Y-%m-%d"])
        kwargs.setdefault(
            "error_messages", {"invalid": _("Skriv datumet som ÅÅÅÅ-MM-DD, t.ex. 2026-08-17.")}
        )
        super().__init__(**kwargs)


class RegisterForm(forms.Form):
    """Base for the register's forms: shows a service's DomainError on the fields it names."""

    # A service's field name → this form's field name, where they differ.
    service_fields: ClassVar[dict[str, str]] = {}
    # Names the form in the error summary when a page has several (pupil, guardian 1 ...).
    section_title: Any = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def add_domain_error(self, error: DomainError) -> None:
        """Put the service's messages on the matching fields, the rest above the form."""
        for field, messages in domain_error_items(error):
            name = self.service_fields.get(field or "", field)
            target = name if name in self.fields else None
            for message in messages:
                self.add_error(target, message)


def domain_error_items(error: DomainError) -> list[tuple[str | None, list[str]]]:
    """Return a DomainError as (field or None, messages) pairs."""
    if hasattr(error, "error_dict"):
        return [(field, list(messages)) for field, messages in error.message_dict.items()]
    return [(None, list(error.messages))]


def route_domain_error(
    error: DomainError, sections: dict[str, RegisterForm], default: RegisterForm
) -> None:
    """Put a DomainError with `<section>-<field>` keys on the forms of a multi-part page."""
    for key, messages in domain_error_items(error):
        prefix, _sep, name = (key or "").partition("-")
        form = sections.get(prefix) if name else None
        if form is None:
            for message in messages:
                default.add_error(None, message)
        else:
            form.add_domain_error(DomainError({name: messages}))
