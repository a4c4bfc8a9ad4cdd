from django import forms
from django.utils.translation import gettext_lazy as _

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
