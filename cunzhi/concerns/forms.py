"""Forms for concern pages. They parse and check input; services do the checks that need the database."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cunzhi.core.widgets import DateInput, LongSelect

from .models import Channel, Clock, Kind, Level, Rating, Status


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos in one input; each is checked by the service (type sniffed, re-encoded)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*", "multiple": True}))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        return [f for f in files if f]


STAFF_CHANNELS = [
    (Channel.PHONE, Channel.PHONE.label),
    (Channel.WINDOW, Channel.WINDOW.label),
    (Channel.PAPER, Channel.PAPER.label),
]


class ConcernForm(forms.Form):
    """Raise a concern. `mode` is "self", "helper" (choose the villager) or "staff" (record one received)."""

    for_villager = forms.ChoiceField(label=_("For whom"), required=False, widget=LongSelect)
    village = forms.ChoiceField(label=_("Village"), required=False, widget=LongSelect)
    channel = forms.ChoiceField(label=_("How it was received"), required=False, choices=STAFF_CHANNELS)
    villager_phone = forms.CharField(
        label=_("Villager's mobile number (if on the roster)"), required=False, max_length=20
    )
    contact_name = forms.CharField(label=_("Name of the person"), required=False, max_length=50)
    contact_phone = forms.CharField(label=_("Their telephone"), required=False, max_length=20)
    kind = forms.ChoiceField(
        label=_("What kind of concern"), choices=Kind.choices, widget=forms.RadioSelect, initial=Kind.HELP
    )
    category = forms.ChoiceField(label=_("About"))
    text = forms.CharField(
        label=_("What happened, and what do you need?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Write it as you would tell it. While you type, similar concerns of your "
            "village appear below: you can add “me too” instead."
        ),
    )
    photos = PhotosField(label=_("Photos (up to four)"))
    group = forms.ChoiceField(label=_("Villager group"), required=False)
    place = forms.CharField(
        label=_("Where exactly"),
        required=False,
        max_length=120,
        help_text=_("For example: the bridge at the east end of the village."),
    )
    lat = forms.DecimalField(
        label=_("Latitude"), required=False, max_digits=9, decimal_places=6, min_value=-90, max_value=90
    )
    lon = forms.DecimalField(
        label=_("Longitude"), required=False, max_digits=9, decimal_places=6, min_value=-180, max_value=180
    )
    urgent = forms.BooleanField(label=_("Urgent: danger to people or property now"), required=False)
    is_public = forms.BooleanField(label=_("Show it on the village's public board"), required=False, initial=True)
    is_anonymous = forms.BooleanField(label=_("Do not show my name on the board"), required=False)

    def __init__(self, *args, mode="self", categories=(), villagers=(), villages=(), groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.mode = mode
        self.fields["category"].choices = [("", _("Choose…"))] + [(c.code, c.label_text) for c in categories]
        self.fields["group"].choices = [("", _("Not in a particular group"))] + [(g.code, g.name) for g in groups]
        if mode == "helper":
            self.fields["for_villager"].required = True
            self.fields["for_villager"].choices = [(v.public_id, f"{v.name} · {v.village.name}") for v in villagers]
        else:
            del self.fields["for_villager"]
        if mode == "staff":
            self.fields["village"].required = True
            self.fields["village"].choices = [("", _("Choose…"))] + [(v.code, v.name) for v in villages]
            self.fields["channel"].required = True
        else:
            for name in ("village", "channel", "villager_phone", "contact_name", "contact_phone"):
                del self.fields[name]
        self.fields["text"].widget.attrs.update({"data-similar": "1"})

    def clean(self):
        data = super().clean()
        if (data.get("lat") is None) != (data.get("lon") is None):
            self.add_error("lat", _("Give both latitude and longitude, or neither."))
        return data


class AcknowledgeForm(forms.Form):
    clock = forms.ChoiceField(
        label=_("Answer time"),
        required=False,
        choices=[("", _("Keep as it is")), *list(Clock.choices)],
        help_text=_("A complex matter may take 15 days; the villager sees the new date."),
    )
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=300)


class AnswerForm(forms.Form):
    text = forms.CharField(label=_("Answer"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5}))
    photos = PhotosField(label=_("Photos (up to four)"))


class TransferForm(forms.Form):
    to_user = forms.ChoiceField(label=_("Transfer to"))
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_user"].choices = [("", _("Choose…"))] + [(str(u.pk), u.name or u.phone) for u in candidates]


class ConfirmForm(forms.Form):
    rating = forms.ChoiceField(
        label=_("How satisfied are you with the answer?"), choices=Rating.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(label=_("Comment (optional)"), required=False, max_length=300)


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("What is still not resolved?"), max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )
    rating = forms.ChoiceField(
        label=_("Your rating of the answer (optional)"),
        required=False,
        choices=[("", _("No rating")), *list(Rating.choices)],
    )


class MergeForm(forms.Form):
    target = forms.CharField(label=_("Number of the concern to merge this one into"), max_length=16)


class ListFilterForm(forms.Form):
    q = forms.CharField(label=_("Number or words"), required=False, max_length=50)
    status = forms.ChoiceField(label=_("Status"), required=False)
    village = forms.ChoiceField(label=_("Village"), required=False, widget=LongSelect)
    category = forms.ChoiceField(label=_("Category"), required=False)
    due = forms.ChoiceField(
        label=_("Deadline"),
        required=False,
        choices=[("", _("All")), ("overdue", _("Overdue")), ("soon", _("Due soon")), ("escalated", _("Escalated"))],
    )
    mine = forms.BooleanField(label=_("Only mine"), required=False)

    def __init__(self, *args, villages=(), categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            ("", _("All")),
            ("open", _("Open")),
            ("closed", _("Closed")),
            *list(Status.choices),
        ]
        self.fields["village"].choices = [("", _("All villages"))] + [(v.code, v.name) for v in villages]
        self.fields["category"].choices = [("", _("All categories"))] + [(c.code, c.label_text) for c in categories]
        self.fields["q"].widget.attrs.update({"type": "search", "autocomplete": "off"})


def _month_start() -> dt.date:
    return timezone.localdate().replace(day=1)


class RatesForm(forms.Form):
    group = forms.ChoiceField(
        label=_("Per"),
        required=False,
        choices=[("office", _("Office")), ("village", _("Village")), ("township", _("Township"))],
    )
    start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    end = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def clean(self):
        data = super().clean()
        start = data.get("start") or _month_start()
        end = data.get("end") or timezone.localdate()
        if end < start:
            self.add_error("end", _("The end is before the start."))
        elif (end - start).days > 3 * 366:
            self.add_error("end", _("At most three years at a time."))
        data["start"], data["end"] = start, end
        data["group"] = data.get("group") or "office"
        return data


class CategoryForm(forms.Form):
    code = forms.CharField(label=_("Code (Open311 service code)"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=60)
    name_en = forms.CharField(label=_("Name in English"), required=False, max_length=80)
    description = forms.CharField(label=_("Description"), required=False, max_length=300)
    clock = forms.ChoiceField(label=_("Usual answer time"), choices=Clock.choices)
    level = forms.ChoiceField(label=_("Handled by default at"), choices=Level.choices)
    position = forms.IntegerField(label=_("Order"), min_value=0, max_value=30000, initial=100)
    active = forms.BooleanField(label=_("In use"), required=False, initial=True)


class RuleForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"))
    region = forms.ChoiceField(label=_("Region"), widget=LongSelect)
    level = forms.ChoiceField(label=_("Handled at"), choices=Level.choices)
    office = forms.ChoiceField(label=_("Office"), required=False, help_text=_("For township and county matters."))
    responsible = forms.CharField(
        label=_("Responsible person's mobile number"),
        required=False,
        max_length=20,
        help_text=_("For a village matter you may leave it empty: the village's Party secretary is then named."),
    )

    def __init__(self, *args, categories=(), regions=(), offices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [(c.code, c.label_text) for c in categories]
        self.fields["region"].choices = [(r.code, f"{r.name} ({r.get_level_display()})") for r in regions]
        self.fields["office"].choices = [("", "—")] + [(str(o.pk), f"{o.name} · {o.region.name}") for o in offices]


class KeyForm(forms.Form):
    name = forms.CharField(label=_("Name of the system"), max_length=100)
