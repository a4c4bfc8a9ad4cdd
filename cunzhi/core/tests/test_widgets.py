"""LongSelect writes the same HTML as Django's Select, without a template per option."""

import pytest
from django import forms
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from cunzhi.core.widgets import LongSelect

CHOICES = [
    ("", _("All villages")),
    ("330523100201", "余村"),
    ("330523100202", 'A & B <"村">'),
    (7, "seven"),
    ("x'y", mark_safe("<b>safe</b>")),
    (None, "none"),
    ("330523100202", "the same value again"),
]


@pytest.mark.parametrize("value", [None, "", "330523100202", 7, "x'y", "not a choice"])
@pytest.mark.parametrize("attrs", [None, {"id": "id_village", "required": True, "disabled": False, "class": "a b"}])
def test_long_select_renders_as_django_select(value, attrs):
    fast = LongSelect(choices=CHOICES).render("village", value, attrs)
    slow = forms.Select(choices=CHOICES).render("village", value, attrs)
    assert fast == slow


def test_option_groups_go_through_django():
    grouped = [("镇", [("1", "一"), ("2", "二")]), ("3", "三")]
    assert LongSelect(choices=grouped).render("x", "2") == forms.Select(choices=grouped).render("x", "2")


@pytest.mark.parametrize("value", [None, ["330523100202", "7"], ["none of them"]])
def test_a_multiple_select_marks_every_match(value):
    class LongSelectMultiple(LongSelect):
        allow_multiple_selected = True

    fast = LongSelectMultiple(choices=CHOICES).render("v", value)
    assert fast == forms.SelectMultiple(choices=CHOICES).render("v", value)
