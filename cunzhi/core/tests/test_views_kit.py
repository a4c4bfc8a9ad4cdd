"""The view kit (core/views.py) every domain's pages share: the 403 page, refusals on forms, POST actions."""

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.utils.translation import gettext_lazy

from cunzhi.core.views import add_errors, forbidden, forbidden_saying, service_action


class NameForm(forms.Form):
    name = forms.CharField()


def post(data=None):
    request = RequestFactory().post("/x/", data or {})
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def said(request) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(request)]


@pytest.mark.django_db
def test_forbidden_says_why_in_a_403_page():
    page = forbidden(post(), "Only the chair.")
    assert page.status_code == 403 and "Only the chair." in page.content.decode()
    assert "You may not do this." in forbidden(post()).content.decode()
    staff_only = forbidden_saying(gettext_lazy("This page is for village and township staff."))
    assert "This page is for village and township staff." in staff_only(post()).content.decode()
    assert "Only the chair." in staff_only(post(), "Only the chair.").content.decode()


def test_add_errors_puts_each_reason_on_its_field_or_on_top():
    form = NameForm({"name": "x"})
    assert form.is_valid()
    add_errors(form, ValidationError({"name": "Taken.", "other": "No such field here."}))
    assert form.errors["name"] == ["Taken."] and form.non_field_errors() == ["No such field here."]
    form = NameForm({"name": "x"})
    form.is_valid()
    add_errors(form, ValidationError("Closed."))
    assert form.non_field_errors() == ["Closed."]


def test_a_post_action_says_what_happened_and_goes_back():
    done = []
    request = post()
    response = service_action(request, lambda: done.append(1), done="Saved.", to="/back/")
    assert (response.status_code, response["Location"], done, said(request)) == (
        302,
        "/back/",
        [1],
        [("success", "Saved.")],
    )

    def refuse():
        raise ValidationError(["Closed.", "Too late."])

    request = post()
    response = service_action(request, refuse, done="Saved.", to="/back/")
    assert response["Location"] == "/back/" and said(request) == [("error", "Closed."), ("error", "Too late.")]


def test_with_a_form_a_refusal_lands_on_the_form_and_the_caller_shows_it_again():
    def refuse():
        raise ValidationError({"name": "Taken."})

    request = post({"name": "x"})
    form = NameForm(request.POST)
    assert service_action(request, refuse, done="Saved.", to="/back/", form=form) is None
    assert form.errors["name"] == ["Taken."] and said(request) == []
    called = []
    invalid = NameForm({})
    assert service_action(post(), lambda: called.append(1), done="Saved.", to="/back/", form=invalid) is None
    assert not called and "name" in invalid.errors
