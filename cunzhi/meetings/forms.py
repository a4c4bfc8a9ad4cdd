"""Forms for meeting pages. They parse input; services check the law and write."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cunzhi.core.widgets import DATETIME_LOCAL_FORMATS, DateInput, DateTimeLocalInput
from cunzhi.meetings import law
from cunzhi.meetings.models import BallotKind, Basis, Body, Choice, Matter, PetitionKind


class MeetingForm(forms.Form):
    body = forms.ChoiceField(label=_("Which body meets"), choices=Body.choices)
    group = forms.ChoiceField(label=_("Villager group (for a group meeting)"), required=False)
    basis = forms.ChoiceField(
        label=_("Who votes (villagers' and group meetings)"),
        choices=Basis.choices,
        initial=Basis.PERSONS,
        widget=forms.RadioSelect,
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    agenda = forms.CharField(
        label=_("Agenda"),
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One item a line. Members receive it with the notice."),
    )
    place = forms.CharField(label=_("Place"), max_length=200)
    starts_at = forms.DateTimeField(
        label=_("Starts"), widget=DateTimeLocalInput(), input_formats=DATETIME_LOCAL_FORMATS
    )
    ends_at = forms.DateTimeField(
        label=_("Expected to end"), required=False, widget=DateTimeLocalInput(), input_formats=DATETIME_LOCAL_FORMATS
    )
    stream_url = forms.URLField(
        label=_("Live stream (HLS, .m3u8) or video-meeting address"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("Members away from home follow the meeting here and check in on the meeting page."),
    )
    invited = forms.CharField(
        label=_("Council: villagers invited besides the representatives"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Names separated by commas or one a line."),
    )

    def __init__(self, *args, groups=(), fixed_body: str | None = None, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [("", "—")] + [(g.code, g.name) for g in groups]
        if fixed_body:
            self.fields["body"].choices = [(v, lbl) for v, lbl in Body.choices if v == fixed_body]
        if editing:
            for name in ("body", "group", "invited"):
                del self.fields[name]

    def clean_starts_at(self):
        value = self.cleaned_data["starts_at"]
        return timezone.make_aware(value) if timezone.is_naive(value) else value


class NoticeForm(forms.Form):
    urgent = forms.BooleanField(label=_("Urgent: the meeting cannot wait for the full notice period"), required=False)
    urgent_reason = forms.CharField(
        label=_("Why it is urgent (shown to every member)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the meeting is cancelled"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class MotionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    text = forms.CharField(label=_("Text of the motion"), max_length=8000, widget=forms.Textarea(attrs={"rows": 5}))
    matter = forms.ChoiceField(
        label=_("What it decides"),
        choices=Matter.choices,
        initial=Matter.GENERAL,
        help_text=_(
            "All but the first are reserved matters (art. 24): decided only by the "
            "villagers' meeting, or by the representatives' meeting it delegated "
            "them to."
        ),
    )
    ballot = forms.ChoiceField(
        label=_("How members vote"), choices=BallotKind.choices, initial=BallotKind.OPEN, widget=forms.RadioSelect
    )
    group_property = forms.BooleanField(
        label=_("Concerns only the group's own collective property (art. 28)"), required=False
    )


class VoteForm(forms.Form):
    member = forms.IntegerField(widget=forms.HiddenInput)
    choice = forms.ChoiceField(label=_("Your vote"), choices=Choice.choices, widget=forms.RadioSelect)


class DeskSearchForm(forms.Form):
    q = forms.CharField(label=_("Name or pinyin"), required=False, max_length=50)
    code = forms.CharField(label=_("Or the code from the member's QR code"), required=False, max_length=300)


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label=_("Minutes"), max_length=50000, required=False, widget=forms.Textarea(attrs={"rows": 14})
    )

    def __init__(self, *args, motions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.motions = list(motions)
        for m in self.motions:
            self.fields[f"resolution_{m.pk}"] = forms.CharField(
                label=_("Resolution on motion %(n)s: %(title)s") % {"n": m.number, "title": m.title},
                required=False,
                max_length=8000,
                initial=m.resolution_text,
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    def resolutions(self) -> dict[int, str]:
        return {m.pk: self.cleaned_data.get(f"resolution_{m.pk}", "") for m in self.motions}


class PetitionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of request"), choices=PetitionKind.choices, widget=forms.RadioSelect)
    title = forms.CharField(label=_("What the meeting should decide"), max_length=200)
    reason = forms.CharField(label=_("Why"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args, representative: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not representative:
            self.fields["kind"].choices = [(v, lbl) for v, lbl in PetitionKind.choices if v == PetitionKind.VILLAGERS]
            self.fields["kind"].initial = PetitionKind.VILLAGERS


class AuthorisationForm(forms.Form):
    matters = forms.MultipleChoiceField(
        label=_("Reserved matters delegated"),
        widget=forms.CheckboxSelectMultiple,
        choices=[(v, lbl) for v, lbl in Matter.choices if v in law.RESERVED_MATTERS],
    )
    reference = forms.CharField(label=_("Resolution of the villagers' meeting (date, number)"), max_length=300)
    granted_on = forms.DateField(label=_("Decided on"), widget=DateInput())
    valid_until = forms.DateField(label=_("Valid until (empty: until revoked)"), required=False, widget=DateInput())

    def clean_granted_on(self):
        value = self.cleaned_data["granted_on"]
        if value < dt.date(1998, 11, 4):  # the Organic Law took its present form then
            raise forms.ValidationError(_("Give the real date of the decision."))
        return value
