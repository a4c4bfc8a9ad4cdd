from django import forms
from django.utils.translation import gettext_lazy as _

from cunzhi.core.idnumbers import normalize_phone
from cunzhi.notify.models import ChannelPreference


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = ChannelPreference
        fields = ["email_on", "sms_on", "quiet_start", "quiet_end"]
        widgets = {
            "quiet_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        help_texts = {
            "quiet_start": _("Text messages that are not urgent wait until the quiet hours end."),
            "email_on": _("Only when your profile has an e-mail address."),
        }


class ConsentForm(forms.Form):
    """A villager's word, given in person to a cadre or grid worker, on texts that are not required."""

    phone = forms.CharField(label=_("Mobile number"), max_length=20)
    given = forms.TypedChoiceField(
        label=_("Texts from the village"),
        choices=[("yes", _("Agrees to receive them")), ("no", _("Does not want them"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )

    def clean_phone(self) -> str:
        phone = normalize_phone(self.cleaned_data["phone"])
        if not (phone.isdigit() and len(phone) == 11 and phone.startswith("1")):
            raise forms.ValidationError(_("Enter an 11-digit mobile number."))
        return phone
