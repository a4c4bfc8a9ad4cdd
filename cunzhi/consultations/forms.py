"""Forms for consultation pages. They only parse input; services check the rules and write."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cunzhi.consultations.models import DraftKind, Outcome, StanceKind, Visibility
from cunzhi.consultations.services import max_comment_chars
from cunzhi.core.widgets import DateInput, LongSelect

DATE_HELP = _("Year-month-day, for example 2026-06-30.")
COMMITTEE = "committee"


class DraftForm(forms.Form):
    """A new draft or changes to one in preparation. The text is pasted or uploaded (DOCX or plain text)."""

    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind of text"), choices=DraftKind.choices)
    scope = forms.ChoiceField(
        label=_("Who is consulted"),
        help_text=_(
            "Every villager registered there is told when the consultation opens, including those living away."
        ),
    )
    owner = forms.ChoiceField(label=_("Owner"), help_text=_("The office or committee that answers the comments."))
    owner_committee = forms.CharField(
        label=_("Name of the committee"),
        required=False,
        max_length=100,
        help_text=_("For example: villagers' committee, village rules drafting group."),
    )
    opens_on = forms.DateField(label=_("Opens on"), widget=DateInput(), help_text=DATE_HELP)
    closes_on = forms.DateField(label=_("Closes after"), widget=DateInput(), help_text=DATE_HELP)
    summary = forms.CharField(
        label=_("Purpose and background"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why the text is written or changed, in a few sentences."),
    )
    text = forms.CharField(
        label=_("Text of the draft"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_(
            "Separate paragraphs with a blank line (or put one article per line); they are numbered for comments."
        ),
    )
    file = forms.FileField(
        label=_("Or upload the text"),
        required=False,
        help_text=_("A Word document (DOCX) or a plain text file; it replaces the text above."),
    )

    def __init__(self, *args, scopes=(), owners=(), editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = [(r.code, self._region_label(r)) for r in scopes]
        self.fields["owner"].choices = [(f"office:{o.pk}", o.name) for o in owners] + [
            (COMMITTEE, _("A committee (name it below)"))
        ]
        self.fields["file"].widget.attrs["accept"] = ".docx,.txt,text/plain"
        if editing:
            for name in ("scope", "owner"):
                del self.fields[name]

    @staticmethod
    def _region_label(region) -> str:
        return f"{region.name} ({region.get_level_display()})"

    def clean(self):
        data = super().clean()
        if not (data.get("text") or "").strip() and not data.get("file"):
            self.add_error("text", _("Paste the text of the draft or upload a file."))
        return data


class CommentForm(forms.Form):
    body = forms.CharField(label=_("Your comment"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    visibility = forms.ChoiceField(
        label=_("Who can read it"), choices=Visibility.choices, widget=forms.RadioSelect, initial=Visibility.PUBLIC
    )
    paragraph = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    for_villager = forms.ChoiceField(label=_("Writing as"), required=False, widget=LongSelect)

    def __init__(self, *args, options=(), reply=False, **kwargs):
        super().__init__(*args, **kwargs)
        # The browser stops at the limit; the service still checks (and says so) for anything else.
        self.fields["body"].widget.attrs["maxlength"] = str(max_comment_chars())
        if reply:
            self.fields["body"].label = _("Your reply")
        if len(options) > 1 or any(d is not None for _v, d in options):
            self.fields["for_villager"].choices = [
                (v.public_id, v.name if d is None else _("%(name)s (you help them)") % {"name": v.name})
                for v, d in options
            ]
        else:
            del self.fields["for_villager"]


class StanceForm(forms.Form):
    stance = forms.ChoiceField(choices=[*StanceKind.choices, ("withdraw", _("Withdraw"))])
    for_villager = forms.CharField(required=False, max_length=16)


class HideForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is it hidden?"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "The author is told this reason. For example: personal attack, someone's private data, advertising."
        ),
    )


class SummaryForm(forms.Form):
    summary = forms.CharField(
        label=_("Summary of the response"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What the comments said overall and what changes in the text."),
    )


class AdoptionForm(forms.Form):
    adopted_on = forms.DateField(label=_("Date of the villagers' meeting"), widget=DateInput(), help_text=DATE_HELP)
    meeting_reference = forms.CharField(
        label=_("Meeting and resolution"),
        max_length=300,
        help_text=_("For example: villagers' meeting of 12 June, resolution no. 3, passed by 312 of 405 attendees."),
    )
    resolution_url = forms.CharField(label=_("Link to the resolution (optional)"), required=False, max_length=300)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"adopted_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


OUTCOME_CHOICES = [("", _("Not answered yet")), *Outcome.choices]


def default_dates() -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    return today, today + dt.timedelta(days=13)
