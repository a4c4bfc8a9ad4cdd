"""Forms for service applications. They parse and check input; services do the writing."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cunzhi.core.widgets import DateInput
from cunzhi.people.models import OfficeKind

from .models import Level, Matter, ServiceItem, Source, Status


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files for one material (an ID card's two sides); type and size are checked by file_intake."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,application/pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class WhoForm(forms.Form):
    """Station staff find the villager they apply for by ID number (the villager is at the counter)."""

    id_number = forms.CharField(label=_("The villager's ID number"), max_length=20)


class ApplyForm(forms.Form):
    """The checklist: one file field per material, consent where records need it, the commitment."""

    note = forms.CharField(
        label=_("Anything the office should know (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self, *args, checklist=(), item=None, channel="self", commitment_barred=False, resubmit=False, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.checklist = list(checklist)
        for line in self.checklist:
            spec = line["spec"]
            self.fields[f"m{spec.pk}"] = MultipleFileField(label=spec.name, required=False)
            if line["needs_consent"]:
                self.fields[f"consent{spec.pk}"] = forms.BooleanField(
                    required=False, label=_("I agree that the office takes this from the record instead")
                )
            if spec.conditional and not resubmit:
                self.fields[f"na{spec.pk}"] = forms.CharField(
                    required=False,
                    max_length=300,
                    label=_("Does not apply to me, because (leave empty if it does)"),
                    help_text=_("Needed only: %(condition)s") % {"condition": spec.condition},
                )
            line["field"] = self[f"m{spec.pk}"]
            line["consent"] = self[f"consent{spec.pk}"] if line["needs_consent"] else None
            line["not_applicable"] = self[f"na{spec.pk}"] if f"na{spec.pk}" in self.fields else None
        if item is not None and item.conditional_allowed and not commitment_barred and not resubmit:
            self.fields["commitment"] = forms.BooleanField(
                required=False,
                label=_(
                    "If secondary materials are missing, I ask for conditional acceptance and "
                    "commit to supply them by the deadline in the office's notice. If I do not, "
                    "the application is terminated and the broken commitment is recorded."
                ),
            )
        if channel == "station" and not resubmit:
            self.fields["station_confirmed"] = forms.BooleanField(
                required=True, label=_("The villager is here with me and asked me to apply for them.")
            )

    def uploads(self) -> dict[int, list]:
        return {line["spec"].pk: self.cleaned_data.get(f"m{line['spec'].pk}") or [] for line in self.checklist}

    def not_applicable(self) -> dict[int, str]:
        """Conditional materials the applicant says do not apply, with the reason given."""
        return {
            line["spec"].pk: self.cleaned_data.get(f"na{line['spec'].pk}", "")
            for line in self.checklist
            if self.cleaned_data.get(f"na{line['spec'].pk}")
        }

    def consents(self) -> set[int]:
        return {
            line["spec"].pk
            for line in self.checklist
            if line["needs_consent"] and self.cleaned_data.get(f"consent{line['spec'].pk}")
        }


class SupplyForm(forms.Form):
    file = MultipleFileField(label=_("Files"), required=True)


class NotApplicableForm(forms.Form):
    """A conditional material does not apply to this applicant (or, staff only, applies after all)."""

    reason = forms.CharField(label=_("Why it does not apply"), required=False, max_length=300)
    applicable = forms.BooleanField(required=False, widget=forms.HiddenInput)


class ReturnForm(forms.Form):
    """One notice listing every correction: a note per material, and a general message."""

    message = forms.CharField(
        label=_("Other corrections or advice"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, materials=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.materials = list(materials)
        for m in self.materials:
            self.fields[f"c{m.pk}"] = forms.CharField(label=m.spec.name, required=False, max_length=300)

    def corrections(self) -> dict[int, str]:
        return {m.pk: self.cleaned_data.get(f"c{m.pk}", "") for m in self.materials}

    def rows(self):
        return [(m, self[f"c{m.pk}"]) for m in self.materials]


class ConditionalForm(forms.Form):
    deadline = forms.DateField(label=_("Deadline for the missing materials"), widget=DateInput())

    def __init__(self, *args, missing=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.missing = list(missing)
        for m in self.missing:
            self.fields[f"f{m.pk}"] = forms.CharField(
                label=m.spec.name, required=False, max_length=200, initial=m.spec.forms
            )

    def forms_by_material(self) -> dict[int, str]:
        return {m.pk: self.cleaned_data.get(f"f{m.pk}", "") for m in self.missing}

    def rows(self):
        return [(m, self[f"f{m.pk}"]) for m in self.missing]


DECISIONS = [
    ("approve", _("Approve")),
    ("reject", _("Reject, with reasons")),
    ("return", _("Return to the previous step")),
]


class StepForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reasons (required to reject or return)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AssignForm(forms.Form):
    file = forms.CharField(widget=forms.HiddenInput)
    material = forms.TypedChoiceField(label=_("File it as"), coerce=int)

    def __init__(self, *args, materials=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["material"].choices = [(m.pk, m.spec.name) for m in materials]


class WorkFilterForm(forms.Form):
    due = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            ("all", _("Everything waiting for us")),
            ("soon", _("Due within two days")),
            ("overdue", _("Overdue")),
        ],
    )


class AllFilterForm(forms.Form):
    number = forms.CharField(label=_("Application number"), required=False, max_length=20)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any")), *list(Status.choices)])


class MailResolveForm(forms.Form):
    number = forms.CharField(label=_("File the attachments on application number"), required=False, max_length=20)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class VerifyForm(forms.Form):
    code = forms.CharField(label=_("Certificate code"), max_length=40)


class ItemForm(forms.ModelForm):
    class Meta:
        model = ServiceItem
        fields = [
            "name",
            "code",
            "matter",
            "description",
            "office_level",
            "office_kind",
            "promised_days",
            "conditional_allowed",
            "valid_days",
            "published",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office_level"].choices = [c for c in Level.choices if c[0] != Level.VILLAGE]
        self.fields["matter"].choices = Matter.choices
        self.fields["promised_days"].min_value = 1

    def clean_promised_days(self):
        days = self.cleaned_data["promised_days"]
        if not days or days < 1 or days > 365:
            raise forms.ValidationError(_("Between 1 and 365 working days."))
        return days


class StepRowForm(forms.Form):
    name = forms.CharField(label=_("Step"), required=False, max_length=100)
    level = forms.ChoiceField(label=_("Handled by"), required=False, choices=[("", "—"), *list(Level.choices)])
    office_kind = forms.ChoiceField(
        label=_("Office kind"), required=False, choices=[("", "—"), *list(OfficeKind.choices)]
    )
    time_limit_days = forms.IntegerField(
        label=_("Time limit (working days)"), required=False, min_value=1, max_value=365
    )


class MaterialRowForm(forms.Form):
    spec_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Material"), required=False, max_length=100)
    core = forms.BooleanField(label=_("Core"), required=False)
    forms_text = forms.CharField(label=_("Accepted forms"), required=False, max_length=200)
    example = forms.CharField(label=_("Example"), required=False, max_length=300)
    source = forms.ChoiceField(label=_("Taken from records"), required=False, choices=Source.choices)
    source_item = forms.ChoiceField(label=_("Certificate of"), required=False)
    legal_basis = forms.CharField(label=_("Legal basis (empty: consent needed)"), required=False, max_length=300)
    conditional = forms.BooleanField(label=_("Needed only in some cases"), required=False)
    condition = forms.CharField(
        label=_("When it is needed"),
        required=False,
        max_length=200,
        help_text=_("For example: if a household member is disabled."),
    )

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source_item"].choices = [("", "—")] + [(str(i.pk), i.name) for i in items]


StepRows = forms.formset_factory(StepRowForm, extra=2, max_num=12, absolute_max=20)
MaterialRows = forms.formset_factory(MaterialRowForm, extra=2, max_num=30, absolute_max=40)


def default_deadline(limit: dt.datetime) -> dt.date:
    """The form's suggested deadline: ten days, never beyond the promised time."""
    return min(timezone.localdate() + dt.timedelta(days=10), timezone.localtime(limit).date())
