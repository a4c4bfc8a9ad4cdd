"""Logging in with a code sent by text (notify/login_codes.py): ask for a code, then type it."""

from django import forms
from django.conf import settings
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _

from cunzhi.core import logins
from cunzhi.core.idnumbers import validate_phone
from cunzhi.core.ratelimits import limit_login
from cunzhi.notify import login_codes


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(attrs={"autofocus": True, "inputmode": "tel", "autocomplete": "tel"}),
    )

    def clean_phone(self) -> str:
        return validate_phone(self.cleaned_data["phone"])


class CodeForm(PhoneForm):
    code = forms.CharField(
        label=_("Code from the text message"),
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    return target if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) else "/"


@limit_login
def code_request(request: HttpRequest) -> HttpResponse:
    """Step 1: the mobile number. The same answer whether or not the number has an account."""
    form = PhoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            login_codes.login_code_send(phone=form.cleaned_data["phone"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            query = urlencode({"phone": form.cleaned_data["phone"], "next": _next(request)})
            return redirect(f"{reverse('code_login_enter')}?{query}")
    return render(request, "registration/code_request.html", {"form": form, "next": _next(request)})


@limit_login
def code_enter(request: HttpRequest) -> HttpResponse:
    """Step 2: the code. A wrong, used or expired code gets one message, whatever the reason."""
    form = CodeForm(request.POST or None, initial={"phone": request.GET.get("phone", "")})
    if request.method == "POST" and form.is_valid():
        user = login_codes.login_code_check(phone=form.cleaned_data["phone"], code=form.cleaned_data["code"])
        if user is None:
            form.add_error(
                "code",
                _("This code is wrong, used or more than 5 minutes old. Check the text, or ask for a new code."),
            )
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            response = redirect(_next(request))
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language, max_age=365 * 24 * 3600, samesite="Lax")
            logins.device_remember(request, response, user.phone)
            return response
    return render(request, "registration/code_enter.html", {"form": form, "next": _next(request)})
