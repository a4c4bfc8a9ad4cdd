from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cunzhi.core.idnumbers import validate_phone


class PhoneLoginForm(AuthenticationForm):
    """Log in with a mobile number; spaces, dashes and +86 are forgiven."""

    username = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(attrs={"autofocus": True, "inputmode": "tel", "autocomplete": "username"}),
    )
    error_messages = {
        "invalid_login": _(
            "The mobile number or password is wrong. After several failures the account is locked for a while."
        ),
        "inactive": _("This account is disabled. Ask your village committee."),
    }

    def clean_username(self) -> str:
        raw = self.cleaned_data["username"]
        try:
            return validate_phone(raw)
        except ValidationError:
            return raw.strip()  # let authentication fail with the usual message
