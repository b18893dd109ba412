"""Hold what every administration form of the register shares: date inputs, choices of the
organisations an actor manages, and a service's refusal shown on the fields it names.

The forms check what they can on their own (required fields, formats, civic numbers) so
the user sees every mistake at once; the services stay the authority on the domain rules
and their `DomainError` is put on the same fields (`RegisterForm.add_domain_error`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from skolsam.core.access import Actor
from skolsam.core.choices import OrganisationType, SchoolType
from skolsam.core.dates import date_field_validate, today
from skolsam.core.errors import DomainError
from skolsam.organisations.models import Organisation
from skolsam.people import civicno


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


class UnitChoiceField(forms.ModelChoiceField):
    """Choose one of the school units the actor manages; shows the unit code too."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("empty_label", _("Välj enhet"))
        super().__init__(**kwargs)

    def label_from_instance(self, obj: Any) -> str:
        code = f" ({obj.school_unit_code})" if obj.school_unit_code else ""
        return f"{obj.display_name}{code}"


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


def managed_school_units(actor: Actor) -> QuerySet[Organisation]:
    """Return the school units where `actor` may enrol pupils, create groups and add staff."""
    return Organisation.objects.filter(
        pk__in=actor.admin_org_ids, organisation_type=OrganisationType.SKOLENHET
    ).order_by("display_name", "id")


def school_type_choices(units: Iterable[Organisation]) -> list[tuple[str, str]]:
    """Return the school types offered by any of `units`, in the code list's order.

    The form offers the types of every unit the actor manages (narrowed to the chosen
    unit where htmx can), and the service says precisely when a unit does not offer one.
    """
    offered = {t for unit in units for t in unit.school_types}
    return [(value, label) for value, label in SchoolType.choices if value in offered]


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
