"""Validate what people type on the attendance pages, in Swedish."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from skolsam.attendance.models import AttendanceKind, CsnDecisionKind, StepKind
from skolsam.attendance.services.register import Mark
from skolsam.core.dates import date_field_validate
from skolsam.core.errors import BadParameter


class RegisterForm(forms.Form):
    """One lesson's register: per pupil `kind-<id>`, `valid-<id>`, `minutes-<id>`.

    Only the marks that are not "present" are returned; the service checks that every
    pupil marked is on the register.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    reason = forms.CharField(
        label=_("Skäl till rättelsen"),
        required=False,
        max_length=300,
        help_text=_("Krävs när närvaron ändras efter lektionsdagen."),
    )

    def marks(self) -> list[Mark]:
        """Return the non-default marks; errors name what is wrong."""
        out = []
        for key in self.data:
            if not key.startswith("kind-"):
                continue
            suffix = key.removeprefix("kind-")
            try:
                pid = UUID(suffix)
            except ValueError:
                raise forms.ValidationError(_("Registret innehåller en okänd elev.")) from None
            kind = self.data.get(key)
            if kind not in AttendanceKind.values:
                raise forms.ValidationError(
                    _("Okänd närvarotyp för en elev: %(kind)r.") % {"kind": kind}
                )
            if kind == AttendanceKind.PRESENT:
                continue
            raw = (self.data.get(f"minutes-{suffix}") or "0").strip() or "0"
            try:
                minutes = int(raw)
            except ValueError:
                raise forms.ValidationError(
                    _("Minuter måste vara ett heltal, inte %(raw)r.") % {"raw": raw}
                ) from None
            out.append(Mark(pid, kind, self.data.get(f"valid-{suffix}") == "on", minutes))
        return out


class DayField(forms.DateField):
    """A date typed or picked on a page; outside the years Skolsam handles it is refused."""

    widget = forms.DateInput(attrs={"type": "date"})
    default_validators = [date_field_validate]


class AbsenceReportForm(forms.Form):
    child = forms.ChoiceField(label=_("Barn"))
    scope = forms.ChoiceField(
        label=_("Hur länge"),
        choices=(("day", _("Hela dagen")), ("part", _("Del av dagen")), ("days", _("Flera dagar"))),
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
    guardian = forms.ChoiceField(label=_("Vårdnadshavare som ringde"), required=False)

    def __init__(
        self, *args: Any, children: list[Any], guardians: list[Any] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["child"].choices = [(str(c.pk), c.full_name) for c in children]  # type: ignore[attr-defined]
        if guardians is None:
            del self.fields["guardian"]
        else:
            self.fields["guardian"].choices = [("", "–")] + [  # type: ignore[attr-defined]
                (str(g.pk), g.full_name) for g in guardians
            ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        scope = data.get("scope")
        if scope == "part":
            if not data.get("start") or not data.get("end"):
                raise forms.ValidationError(_("Ange från och till vilken tid eleven är borta."))
            if data["end"] <= data["start"]:
                self.add_error("end", _("Sluttiden måste vara efter starttiden."))
        if scope == "days":
            last = data.get("last_day")
            if not last:
                self.add_error("last_day", _("Ange sista dagen."))
            elif data.get("first_day") and last < data["first_day"]:
                self.add_error("last_day", _("Sista dagen kan inte vara före första dagen."))
        return data


class LeaveRequestForm(forms.Form):
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


class LeaveDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Beslut"),
        choices=(("grant", _("Bevilja")), ("reject", _("Avslå"))),
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Motivering"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Krävs vid avslag. Vårdnadshavarna får se den."),
    )


class ExemptionForm(forms.Form):
    start_date = DayField(label=_("Från"))
    end_date = DayField(label=_("Till"))
    reason = forms.CharField(label=_("Särskilda skäl"), max_length=300)


class ScheduleForm(forms.Form):
    """A week's vistelseschema: one start and end time per weekday (empty: not there)."""

    start_date = DayField(label=_("Gäller från"))
    end_date = DayField(label=_("Gäller till"), required=False)

    # The Swedish day names are also the stored dayOfWeek values; only the labels translate.
    DAYS = ("Måndag", "Tisdag", "Onsdag", "Torsdag", "Fredag")
    DAY_NAMES = (_("Måndag"), _("Tisdag"), _("Onsdag"), _("Torsdag"), _("Fredag"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for day, name in zip(self.DAYS, self.DAY_NAMES, strict=True):
            self.fields[f"{day}-start"] = forms.TimeField(
                label=_("%(day)s från") % {"day": name},
                required=False,
                widget=forms.TimeInput(attrs={"type": "time"}),
            )
            self.fields[f"{day}-end"] = forms.TimeField(
                label=_("%(day)s till") % {"day": name},
                required=False,
                widget=forms.TimeInput(attrs={"type": "time"}),
            )

    def entries(self) -> list[dict[str, Any]]:
        out = []
        for day in self.DAYS:
            start, end = self.cleaned_data.get(f"{day}-start"), self.cleaned_data.get(f"{day}-end")
            if start or end:
                out.append(
                    {
                        "weekOffset": 0,
                        "dayOfWeek": day,
                        "startTime": start.strftime("%H:%M") if start else "",
                        "endTime": end.strftime("%H:%M") if end else "",
                    }
                )
        return out


class PeriodForm(forms.Form):
    start = DayField(label=_("Från"), required=False)
    end = DayField(label=_("Till"), required=False)

    def period(self, default: tuple[date, date]) -> tuple[date, date]:
        """Return the chosen period, `default` where a bound is left out.

        The period comes from the address: a date that cannot be read, or an end before
        the start, is a `BadParameter` (400 with the reason), not a silently other period.
        """
        if not self.is_bound:
            return default
        if not self.is_valid():
            raise BadParameter(
                [
                    f"{self.fields[name].label}: {m}"
                    for name, msgs in self.errors.items()
                    for m in msgs
                ]
            )
        start = self.cleaned_data.get("start") or default[0]
        end = self.cleaned_data.get("end") or default[1]
        if end < start:
            raise BadParameter(_("Slutdatum kan inte ligga före startdatum."))
        return start, end


class StepForm(forms.Form):
    kind = forms.ChoiceField(label=_("Steg"), choices=StepKind.choices)
    date = DayField(label=_("Datum"))
    note = forms.CharField(label=_("Anteckning"), widget=forms.Textarea(attrs={"rows": 3}))


class CloseForm(forms.Form):
    conclusion = forms.CharField(label=_("Slutsats"), widget=forms.Textarea(attrs={"rows": 3}))


class CsnDecisionForm(forms.Form):
    student = forms.UUIDField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(label=_("Beslut"), choices=CsnDecisionKind.choices)
    reason = forms.CharField(label=_("Skäl (krävs för att avstå)"), required=False, max_length=300)


class CsnReturnForm(forms.Form):
    student = forms.UUIDField(widget=forms.HiddenInput)
    return_date = DayField(label=_("Tillbaka i heltidsstudier från"))
    note = forms.CharField(label=_("Anteckning (valfri)"), required=False, max_length=300)


class ServiceErrorsForm(forms.Form):
    """A form that shows a service's DomainError on the fields it names, the rest above."""

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


class PolicyForm(ServiceErrorsForm):
    """A huvudman's or a school unit's attendance settings; empty follows the level above."""

    notice_cutoff = forms.TimeField(
        label=_("Brytpunkt för meddelanden om ogiltig frånvaro"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    notice_morning = forms.TimeField(
        label=_("Morgonutskick för frånvaro efter brytpunkten"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    alert_absence_percent = forms.IntegerField(
        label=_("Flagga elever med frånvaro minst (procent)"), required=False, min_value=1
    )
    alert_invalid_occasions = forms.IntegerField(
        label=_("… eller ogiltig frånvaro minst (antal tillfällen)"), required=False, min_value=1
    )
    register_margin_minutes = forms.IntegerField(
        label=_("Närvaron kan registreras från (minuter före lektionsstart)"),
        required=False,
        min_value=0,
        max_value=120,
    )
    absence_report_days_ahead = forms.IntegerField(
        label=_("Frånvaro kan anmälas i förväg (dagar)"),
        required=False,
        min_value=0,
        max_value=365,
    )
    csn_threshold_hours = forms.DecimalField(
        label=_("CSN-gräns: ogiltig frånvaro per månad (timmar)"),
        required=False,
        min_value=Decimal("0.5"),
        max_digits=5,
        decimal_places=1,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    leave_requires_all_guardians = forms.TypedChoiceField(
        label=_("Ledighetsansökan"),
        required=False,
        choices=(
            ("", _("Standard: det räcker att en vårdnadshavare ansöker")),
            ("1", _("Alla vårdnadshavare måste godkänna ansökan")),
            ("0", _("Det räcker att en vårdnadshavare ansöker")),
        ),
        coerce=lambda v: v == "1",
        empty_value=None,
    )

    def __init__(
        self, *args: Any, is_huvudman: bool, in_force: dict[str, str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if not is_huvudman:
            del self.fields["leave_requires_all_guardians"]
        follows = _("huvudmannens inställning") if not is_huvudman else _("standardvärdet")
        for name, field in self.fields.items():
            if name in in_force:
                field.help_text = _("Tomt: följer %(follows)s. Gäller nu: %(now)s.") % {
                    "follows": follows,
                    "now": in_force[name],
                }
        for name in ("alert_absence_percent", "alert_invalid_occasions"):
            self.fields[name].error_messages["min_value"] = _("Ange minst 1.")
        self.fields["register_margin_minutes"].error_messages.update(
            {
                "min_value": _("Ange 0 eller fler minuter."),
                "max_value": _("Ange högst 120 minuter."),
                "invalid": _("Ange ett helt antal minuter, t.ex. 10."),
            }
        )
        self.fields["csn_threshold_hours"].error_messages.update(
            {
                "min_value": _("Ange minst 0,5 timmar."),
                "invalid": _("Ange antal timmar, t.ex. 4 eller 4,5."),
                "max_decimal_places": _("Ange timmar med högst en decimal, t.ex. 4,5."),
            }
        )
        for name in ("notice_cutoff", "notice_morning"):
            self.fields[name].error_messages["invalid"] = _("Ange en tid som TT:MM, t.ex. 15:00.")

    def service_values(self) -> dict[str, Any]:
        """Return the cleaned values as `attendance_policy_set` takes them."""
        d = self.cleaned_data
        hours = d.get("csn_threshold_hours")
        return {
            "notice_cutoff": d.get("notice_cutoff"),
            "notice_morning": d.get("notice_morning"),
            "alert_absence_percent": d.get("alert_absence_percent"),
            "alert_invalid_occasions": d.get("alert_invalid_occasions"),
            "csn_threshold_minutes": None if hours is None else int(hours * 60),
            "leave_requires_all_guardians": d.get("leave_requires_all_guardians"),
            "register_margin_minutes": d.get("register_margin_minutes"),
            "absence_report_days_ahead": d.get("absence_report_days_ahead"),
        }

    def add_domain_error(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict") and "csn_threshold_minutes" in error.message_dict:
            error = ValidationError(
                {"csn_threshold_hours": _("CSN-gränsen ska vara mellan 0,5 och 100 timmar.")}
            )
        super().add_domain_error(error)
