"""Forms for region pages: importing the tree from a spreadsheet, drawing a grid."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cunzhi.core.idnumbers import validate_phone

MAX_IMPORT_BYTES = 5 * 1024 * 1024


class RegionImportForm(forms.Form):
    county = forms.ChoiceField(label=_("County"))
    file = forms.FileField(
        label=_("Spreadsheet (.xlsx or .csv)"),
        help_text=_(
            "Columns: code, name, and optionally parent code and level. "
            "Chinese headers (代码, 名称, 上级代码, 层级) work too."
        ),
    )

    def __init__(self, *args, counties=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].choices = [(c.code, f"{c.name} ({c.code})") for c in counties]
        if len(counties) == 1:
            self.fields["county"].initial = counties[0].code
            self.fields["county"].widget = forms.HiddenInput()
        self.fields["file"].widget.attrs["accept"] = ".xlsx,.csv"

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError(_("The file is larger than 5 MB; a county's regions fit in far less."))
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise ValidationError(_("Upload a .xlsx or .csv file."))
        return upload


class GridForm(forms.Form):
    name = forms.CharField(
        label=_("Grid name"), max_length=100, help_text=_('Usually the natural village, e.g. 上庄, or "Grid 1".')
    )
    worker_phone = forms.CharField(
        label=_("Grid worker's mobile number"),
        max_length=20,
        help_text=_("The grid worker must have an account. They will hold the grid worker role in this village."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worker_phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})

    def clean_worker_phone(self):
        return validate_phone(self.cleaned_data["worker_phone"])
