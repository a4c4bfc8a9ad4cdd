"""Forms for disclosure pages: they parse input; services check and write."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cunzhi.core import periods
from cunzhi.core.widgets import LongSelect
from cunzhi.disclosure.models import Category, Frequency

STATUS_CHOICES = [
    ("", _("All")),
    ("overdue", _("Overdue")),
    ("due", pgettext_lazy("disclosure", "Due")),
    ("published", _("Published")),
]


def period_choices(today: dt.date | None = None) -> list[tuple[str, str]]:
    """The periods a post can cover: the last five quarters and the last seven months, newest first."""
    today = today or timezone.localdate()
    out = [("", _("No period (a matter disclosed as it arises)"))]
    start, _end = periods.quarter_bounds(today)
    for _i in range(5):
        q = (start.month - 1) // 3 + 1
        out.append((f"quarterly:{start.isoformat()}", _("%(year)s quarter %(q)s") % {"year": start.year, "q": q}))
        start, _end = periods.previous_period("quarterly", start)
    start, _end = periods.month_bounds(today)
    for _i in range(7):
        out.append(
            (
                f"monthly:{start.isoformat()}",
                _("%(year)s-%(month)02d (month)") % {"year": start.year, "month": start.month},
            )
        )
        start, _end = periods.previous_period("monthly", start)
    return out


def period_value(start: dt.date | None, end: dt.date | None) -> str:
    if not start:
        return ""
    frequency = "monthly" if periods.month_bounds(start) == (start, end) else "quarterly"
    return f"{frequency}:{start.isoformat()}"


def parse_period(value: str) -> tuple[dt.date | None, dt.date | None]:
    if not value:
        return None, None
    frequency, _sep, day = value.partition(":")
    return periods.period_bounds(frequency, dt.date.fromisoformat(day))


class PostForm(forms.Form):
    village = forms.ChoiceField(label=_("Village"), widget=LongSelect)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    period = forms.ChoiceField(
        label=_("Period it covers"),
        required=False,
        help_text=_("Publishing it marks that period as disclosed in the calendar."),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Text"), required=False, widget=forms.Textarea(attrs={"rows": 10}))
    table = forms.CharField(
        label=_("Table (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Paste cells from a spreadsheet, or type one row per line with commas "
            "between cells. The first line is the heading."
        ),
    )

    def __init__(self, *args, villages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = [(v.code, v.name) for v in villages]
        self.fields["period"].choices = period_choices()

    def clean_period(self):
        try:
            return parse_period(self.cleaned_data.get("period", ""))
        except ValueError:
            raise forms.ValidationError(_("Choose a period from the list.")) from None


class ReviewForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when you return it: say what must change."),
    )


class QuestionForm(forms.Form):
    text = forms.CharField(
        label=_("Your question"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Questions and answers are public. Do not write ID or bank numbers."),
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Public answer"), max_length=20000, widget=forms.Textarea(attrs={"rows": 3}))


class ScheduleForm(forms.Form):
    """One row per category: how often, and how many days after the period the disclosure is due."""

    def __init__(self, *args, initial_rows=(), **kwargs):
        super().__init__(*args, **kwargs)
        for row in initial_rows:
            c = row["category"]
            choices = (
                Frequency.choices
                if c == Category.PARTY
                else [(v, label) for v, label in Frequency.choices if v != Frequency.IMMEDIATELY]
            )
            self.fields[f"{c}_frequency"] = forms.ChoiceField(
                label=row["label"], choices=choices, initial=row["frequency"]
            )
            self.fields[f"{c}_grace"] = forms.IntegerField(
                label=_("Days allowed after the period ends"), min_value=0, max_value=31, initial=row["grace_days"]
            )


class PostFilterForm(forms.Form):
    village = forms.ChoiceField(label=_("Village"), required=False, widget=LongSelect)
    category = forms.ChoiceField(label=_("Category"), required=False)

    def __init__(self, *args, villages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = [("", _("All villages"))] + [(v.code, v.name) for v in villages]
        self.fields["category"].choices = [("", _("All categories")), *list(Category.choices)]


class CalendarFilterForm(PostFilterForm):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_CHOICES)
