"""Forms for organisation pages: they parse input; services check and write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cunzhi.core.widgets import DATETIME_LOCAL_FORMATS, DateTimeLocalInput
from cunzhi.organisations.models import OrgKind


class OrganisationForm(forms.Form):
    kind = forms.ChoiceField(label=pgettext_lazy("organisation", "Kind"), choices=OrgKind.choices)
    name = forms.CharField(label=pgettext_lazy("organisation", "Name"), max_length=100)
    description = forms.CharField(
        label=_("What it does"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class MemberForm(forms.Form):
    term = forms.CharField(label=_("Villager's name, pinyin or phone"), max_length=50)
    is_leader = forms.BooleanField(label=_("Leader"), required=False)


class ContactForm(forms.Form):
    message = forms.CharField(label=_("Your message"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class ActivityForm(forms.Form):
    title = forms.CharField(label=_("Activity"), max_length=100)
    place = forms.CharField(label=_("Place"), max_length=100)
    starts_at = forms.DateTimeField(
        label=_("Starts"), widget=DateTimeLocalInput(), input_formats=DATETIME_LOCAL_FORMATS
    )
    ends_at = forms.DateTimeField(label=_("Ends"), widget=DateTimeLocalInput(), input_formats=DATETIME_LOCAL_FORMATS)
    places = forms.IntegerField(label=_("Places available"), min_value=1, max_value=1000)
    description = forms.CharField(
        label=_("What will be done"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    tell_members = forms.BooleanField(
        label=_("Tell the members (inbox and text; they reply 1 to sign up)"), required=False, initial=True
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class HandForm(forms.Form):
    organisation = forms.ChoiceField(label=_("Organisation"))
    note = forms.CharField(
        label=_("Note for the organisation"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, choices=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [("", "—"), *choices]


class HandoverWorkForm(forms.Form):
    text = forms.CharField(label=_("What was done"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class HandoverAnswerForm(forms.Form):
    text = forms.CharField(label=_("Answer to the villager"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
