"""Validate what people type on the attendance pages, in Swedish."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from django import forms

from skolsam.attendance.models import AttendanceKind, CsnDecisionKind, StepKind
from skolsam.attendance.services import Mark


class RegisterForm(forms.Form):
    """One lesson's register: per pupil `kind-<id>`, `valid-<id>`, `minutes-<id>`."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    reason = forms.CharField(
        label="Skäl till rättelsen",
        required=False,
        max_length=300,
        help_text="Krävs när närvaron ändras efter lektionsdagen.",
    )

    def __init__(self, *args: Any, pupil_ids: list[UUID], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pupil_ids = pupil_ids

    def marks(self) -> list[Mark]:
        """Return the non-default marks; errors name the pupil's row."""
        out = []
        for pid in self.pupil_ids:
            kind = self.data.get(f"kind-{pid}", AttendanceKind.PRESENT)
            if kind not in AttendanceKind.values:
                raise forms.ValidationError(f"Okänd närvarotyp för en elev: {kind!r}.")
            raw = (self.data.get(f"minutes-{pid}") or "0").strip() or "0"
            try:
                minutes = int(raw)
            except ValueError:
                raise forms.ValidationError(
                    f"Minuter måste vara ett heltal, inte {raw!r}."
                ) from None
            valid = self.data.get(f"valid-{pid}") == "on"
            if kind != AttendanceKind.PRESENT:
                out.append(Mark(pid, kind, valid, minutes))
        return out


class DayField(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date"})


class AbsenceReportForm(forms.Form):
    child = forms.ChoiceField(label="Barn")
    scope = forms.ChoiceField(
        label="Hur länge",
        choices=(("day", "Hela dagen"), ("part", "Del av dagen"), ("days", "Flera dagar")),
        widget=forms.RadioSelect,
        initial="day",
    )
    first_day = DayField(label="Datum (första dagen)")
    last_day = DayField(label="Sista dagen", required=False, help_text="Bara för flera dagar.")
    start = forms.TimeField(
        label="Från klockan", required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    end = forms.TimeField(
        label="Till klockan", required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    guardian = forms.ChoiceField(label="Vårdnadshavare som ringde", required=False)

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
                raise forms.ValidationError("Ange från och till vilken tid eleven är borta.")
            if data["end"] <= data["start"]:
                self.add_error("end", "Sluttiden måste vara efter starttiden.")
        if scope == "days":
            last = data.get("last_day")
            if not last:
                self.add_error("last_day", "Ange sista dagen.")
            elif data.get("first_day") and last < data["first_day"]:
                self.add_error("last_day", "Sista dagen kan inte vara före första dagen.")
        return data


class LeaveRequestForm(forms.Form):
    child = forms.ChoiceField(label="Barn")
    start_date = DayField(label="Första dagen")
    end_date = DayField(label="Sista dagen")
    reason = forms.CharField(label="Skäl", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))

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
            self.add_error("end_date", "Sista dagen kan inte vara före första dagen.")
        return data


class LeaveDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Beslut",
        choices=(("grant", "Bevilja"), ("reject", "Avslå")),
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="Motivering",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Krävs vid avslag. Vårdnadshavarna får se den.",
    )


class ExemptionForm(forms.Form):
    start_date = DayField(label="Från")
    end_date = DayField(label="Till")
    reason = forms.CharField(label="Särskilda skäl", max_length=300)


class ScheduleForm(forms.Form):
    """A week's vistelseschema: one start and end time per weekday (empty: not there)."""

    start_date = DayField(label="Gäller från")
    end_date = DayField(label="Gäller till", required=False)

    DAYS = ("Måndag", "Tisdag", "Onsdag", "Torsdag", "Fredag")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for day in self.DAYS:
            self.fields[f"{day}-start"] = forms.TimeField(
                label=f"{day} från", required=False, widget=forms.TimeInput(attrs={"type": "time"})
            )
            self.fields[f"{day}-end"] = forms.TimeField(
                label=f"{day} till", required=False, widget=forms.TimeInput(attrs={"type": "time"})
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
    start = DayField(label="Från", required=False)
    end = DayField(label="Till", required=False)

    def period(self, default: tuple[date, date]) -> tuple[date, date]:
        if not self.is_valid():
            return default
        start = self.cleaned_data.get("start") or default[0]
        end = self.cleaned_data.get("end") or default[1]
        return (start, end) if end >= start else default


class StepForm(forms.Form):
    kind = forms.ChoiceField(label="Steg", choices=StepKind.choices)
    date = DayField(label="Datum")
    note = forms.CharField(label="Anteckning", widget=forms.Textarea(attrs={"rows": 3}))


class CloseForm(forms.Form):
    conclusion = forms.CharField(label="Slutsats", widget=forms.Textarea(attrs={"rows": 3}))


class CsnDecisionForm(forms.Form):
    student = forms.UUIDField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(label="Beslut", choices=CsnDecisionKind.choices)
    reason = forms.CharField(label="Skäl (krävs för att avstå)", required=False, max_length=300)
