"""The view kit every domain's pages share (views stay thin, DESIGN.md): a 403 page that says why, a
service's refusal shown on its form or as messages, and the POST action "call the service, say what
happened, go back".

It lives in core, not web, because domains may not import web; the page it renders (web/message.html) is a
template every page's skin already comes from.
"""

from collections.abc import Callable
from functools import partial
from typing import Protocol, overload

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _


def forbidden(request: HttpRequest, message: str | Promise = "", *, default: str | Promise = "") -> HttpResponse:
    """A 403 page in the reader's language that says why, instead of a bare error."""
    return render(
        request,
        "web/message.html",
        {"title": _("Not allowed"), "message": message or default or _("You may not do this.")},
        status=403,
    )


class Forbidden(Protocol):
    """A domain's forbidden page: `forbidden` with the domain's words as the default."""

    def __call__(self, request: HttpRequest, message: str | Promise = "") -> HttpResponse: ...


def forbidden_saying(default: str | Promise) -> Forbidden:
    """A domain's forbidden(request, message=""): its own words (a lazy translation) when none are given."""
    return partial(forbidden, default=default)


def add_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: by field where the form has it, else on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def refusal_messages(request: HttpRequest, exc: ValidationError) -> None:
    """A service's refusal as error messages on the next page, one per reason."""
    for message in exc.messages:
        messages.error(request, message)


@overload
def service_action(
    request: HttpRequest, do: Callable[[], object], *, done: str | Callable[[], str], to: str, form: None = None
) -> HttpResponseRedirect: ...
@overload
def service_action(
    request: HttpRequest, do: Callable[[], object], *, done: str | Callable[[], str], to: str, form: forms.BaseForm
) -> HttpResponseRedirect | None: ...
def service_action(
    request: HttpRequest,
    do: Callable[[], object],
    *,
    done: str | Callable[[], str],
    to: str,
    form: forms.BaseForm | None = None,
) -> HttpResponseRedirect | None:
    """A POST action: call the service `do`; on success say `done` and redirect to `to`.

    With a form, `do` runs only when the form is valid, and a refusal lands on the form: the answer is then
    None, and the caller shows its page again with the form. Without a form, a refusal becomes error
    messages and the reader goes back to `to` all the same (nothing was changed).
    """
    if form is not None and not form.is_valid():
        return None
    try:
        do()
    except ValidationError as exc:
        if form is not None:
            add_errors(form, exc)
            return None
        refusal_messages(request, exc)
    else:
        messages.success(request, done() if callable(done) else done)
    return redirect(to)
