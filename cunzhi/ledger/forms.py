"""Forms for ledger pages: they parse input; services check and write."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cunzhi.core.idnumbers import validate_id_number
from cunzhi.core.widgets import DateInput
from cunzhi.ledger.models import Direction, FinanceCategory, PeriodKind
from cunzhi.ledger.services import parse_amount


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,application/pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class EntryForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput())
    direction = forms.ChoiceField(label=_("Income or expenditure"), choices=Direction.choices, widget=forms.RadioSelect)
    category = forms.ChoiceField(label=_("Category"), choices=FinanceCategory.choices)
    amount = forms.CharField(
        label=_("Amount (yuan)"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text=_("For example 1250.50. Never negative: a correction is a reversing entry."),
    )
    counterparty = forms.CharField(
        label=_("Counterparty"), max_length=100, required=False, help_text=_("Who paid, or who was paid.")
    )
    payee_id_number = forms.CharField(
        label=_("Villager paid (ID number, optional)"),
        max_length=20,
        required=False,
        help_text=_(
            "For subsidies and payments to a villager: they see it under "
            '"my payments"; everyone else sees the name masked.'
        ),
    )
    purpose = forms.CharField(label=_("Purpose"), max_length=300)
    vouchers = MultipleFileField(
        label=_("Voucher photos or scans"),
        required=False,
        help_text=_("Receipts, invoices, payment lists: JPEG, PNG or PDF, up to 10 files."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()

    def clean_amount(self):
        try:
            return parse_amount(self.cleaned_data["amount"])
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["amount"]) from None

    def clean_payee_id_number(self):
        raw = self.cleaned_data.get("payee_id_number", "").strip()
        return validate_id_number(raw) if raw else ""


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("Why is it reversed?"), max_length=300)


class PeriodCloseForm(forms.Form):
    kind = forms.ChoiceField(label=_("Period"), choices=PeriodKind.choices)
    start = forms.DateField(
        label=_("First day"), widget=DateInput(), help_text=_("The first day of the month or quarter.")
    )
    comment = forms.CharField(
        label=_("Comment of the supervision committee"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class EntryFilterForm(forms.Form):
    direction = forms.ChoiceField(label=_("Income or expenditure"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    end = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["direction"].choices = [("", _("Both")), *list(Direction.choices)]
        self.fields["category"].choices = [("", _("All categories")), *list(FinanceCategory.choices)]
