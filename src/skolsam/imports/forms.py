"""Forms for the import pages: the upload, and the confirmation that names a staged import."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from skolsam.imports.parser import MAX_BYTES

ACCEPTED_SUFFIXES = (".csv", ".txt", ".xlsx")


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Fil"),
        help_text=format_lazy(
            _(
                "CSV (semikolon eller komma, UTF-8 eller Excels Windows-1252) eller Excel "
                "(.xlsx), högst {megabytes} MB."
            ),
            megabytes=MAX_BYTES // (1024 * 1024),
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ACCEPTED_SUFFIXES)}),
    )
    create_classes = forms.BooleanField(
        label=_("Skapa klasser som saknas"),
        required=False,
        help_text=_(
            "Klasser i filen som inte finns vid skolenheten skapas, från det tidigaste "
            "startdatumet i filen. Annars är en okänd klass ett fel."
        ),
    )

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("Filen är för stor (högst %(megabytes)s MB).")
                % {"megabytes": MAX_BYTES // (1024 * 1024)}
            )
        if not upload.name.lower().endswith(ACCEPTED_SUFFIXES):
            raise forms.ValidationError(_("Välj en CSV-fil (.csv) eller en Excel-fil (.xlsx)."))
        return upload


class RowNumbersField(forms.Field):
    """Row numbers ticked in the report, as a set; the service ignores rows it did not offer."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: object) -> frozenset[int]:
        values = value if isinstance(value, list | tuple) else [value] if value else []
        texts = [str(v).strip() for v in values]
        if not all(t.isdigit() and len(t) <= 7 for t in texts):
            raise forms.ValidationError(
                _("Radnumren i formuläret är ogiltiga. Ladda upp filen igen.")
            )
        return frozenset(int(t) for t in texts)


class ImportConfirmForm(forms.Form):
    token = forms.CharField(max_length=64, widget=forms.HiddenInput)
    guardian_rows = RowNumbersField(
        required=False, label=_("Lägg till vårdnadshavare från filen för befintlig elev")
    )
