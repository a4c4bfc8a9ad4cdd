"""Forms for people pages. They only parse and check input; services do the writing."""

import datetime as dt

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from cunzhi.core.idnumbers import validate_phone
from cunzhi.core.widgets import DateInput, LongSelect
from cunzhi.people.models import DelegationScope, Relation

# Why a staff member opens a villager's record. The English text is stored with the access row
# and translated when the villager reads "who looked at my data" (gettext_noop marks it for the
# translators without translating it into the staff member's language at write time).
PURPOSES = {
    "lookup": gettext_noop("Looked up the record"),
    "case": gettext_noop("Handling an application or concern"),
    "roster": gettext_noop("Checking the village roster"),
    "contact": gettext_noop("Contacting the villager"),
    "meeting": gettext_noop("Preparing a meeting"),
}
DEFAULT_PURPOSE = "lookup"
PURPOSE_FULL_ID = gettext_noop("Showed the full ID number")
PURPOSE_HELPER = gettext_noop("Looked up the record as the villager's helper")
PURPOSE_HOUSEHOLD = gettext_noop("Looked at the household")
PURPOSE_LABELS = [(key, _(text)) for key, text in PURPOSES.items()]  # the texts are marked for translation above

YES_NO = [("", _("All")), ("yes", _("Yes")), ("no", _("No"))]


def yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class VillagerFilterForm(forms.Form):
    """Search and filters of the villager list (GET). Unknown values are ignored, never an error page."""

    q = forms.CharField(label=_("Name, pinyin or phone"), required=False, max_length=50)
    village = forms.ChoiceField(label=_("Village"), required=False, widget=LongSelect)
    group = forms.ChoiceField(label=_("Villager group"), required=False)
    away = forms.ChoiceField(label=_("Living away"), required=False, choices=YES_NO)
    adult = forms.ChoiceField(label=_("Adult (18+)"), required=False, choices=YES_NO)
    purpose = forms.ChoiceField(label=_("Why are you looking?"), required=False, choices=PURPOSE_LABELS)

    def __init__(self, *args, villages=(), groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = [("", _("All villages"))] + [(v.code, v.name) for v in villages]
        self.fields["group"].choices = [("", _("All groups"))] + [(g.code, g.name) for g in groups]
        self.fields["q"].widget.attrs.update({"type": "search", "autocomplete": "off"})


class HouseholdFilterForm(forms.Form):
    q = forms.CharField(label=_("Household number, address or representative"), required=False, max_length=50)
    village = forms.ChoiceField(label=_("Village"), required=False, widget=LongSelect)

    def __init__(self, *args, villages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = [("", _("All villages"))] + [(v.code, v.name) for v in villages]
        self.fields["q"].widget.attrs.update({"type": "search", "autocomplete": "off"})


class RepresentativeForm(forms.Form):
    member = forms.ChoiceField(label=_("Household representative"), widget=forms.RadioSelect)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [(m.public_id, m.name) for m in members]


class PhoneField(forms.CharField):
    """A mainland mobile number; spaces, dashes and +86 are forgiven."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})

    def clean(self, value):
        value = super().clean(value)
        return validate_phone(value) if value else value


class DelegationForm(forms.Form):
    helper_phone = PhoneField(
        label=_("Helper's mobile number"), help_text=_("The helper must already have an account on this platform.")
    )
    relation = forms.ChoiceField(label=_("The helper is my"), choices=Relation.choices, widget=forms.RadioSelect)
    scopes = forms.MultipleChoiceField(
        label=_("The helper may"),
        choices=DelegationScope.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one thing the helper may do.")},
    )
    ends_on = forms.DateField(
        label=_("Until (last day)"),
        widget=DateInput(),
        help_text=_("Year-month-day, for example 2026-12-31. You can end it earlier at any time."),
    )

    def clean_ends_on(self):
        day = self.cleaned_data["ends_on"]
        if day < timezone.localdate():
            raise ValidationError(_("The end date must be in the future."))
        return day

    def ends_at(self) -> dt.datetime:
        """The delegation ends when the chosen last day is over (local time)."""
        day = self.cleaned_data["ends_on"] + dt.timedelta(days=1)
        return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class ProfileForm(forms.Form):
    phone = PhoneField(label=_("Contact mobile number"), required=False)
    living_away = forms.BooleanField(label=_("I live away from the village (working elsewhere)"), required=False)
    away_city = forms.CharField(label=_("City where I work"), required=False, max_length=50)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)

    def __init__(self, *args, with_villager=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_villager:
            for name in ("phone", "living_away", "away_city"):
                del self.fields[name]

    def clean(self):
        data = super().clean()
        if data.get("living_away") and not (data.get("away_city") or "").strip():
            self.add_error("away_city", _("Say in which city you work, so notices can reach you."))
        return data
