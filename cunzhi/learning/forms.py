"""Forms for learning pages: they parse input; services check and write."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cunzhi.core.widgets import DateInput
from cunzhi.learning import lessons
from cunzhi.learning.models import TrainerKind


class SessionForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput())
    start_time = forms.TimeField(label=_("Starts at"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end_time = forms.TimeField(
        label=_("Ends at"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    topic = forms.ChoiceField(label=_("Lesson taught"), choices=lessons.choices)
    trainer_kind = forms.ChoiceField(label=_("The trainer is a"), choices=TrainerKind.choices)
    trainer_name = forms.CharField(label=_("Trainer's name"), max_length=50)
    place = forms.CharField(label=pgettext_lazy("training", "Place"), max_length=100, required=False)

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()


class DeskSearchForm(forms.Form):
    q = forms.CharField(label=_("Name or pinyin"), max_length=50, required=False)


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Check-in code"), max_length=500)
