"""Every date field of every form renders an ISO value in Chinese too: a browser's date input reads
only YYYY-MM-DD (and datetime-local only YYYY-MM-DDTHH:MM); the Chinese locale would write
2026/12/13, which the browser drops, leaving a required field empty and the form blocked."""

import datetime as dt
import importlib
import inspect
import re

import pytest
from django import forms
from django.apps import apps
from django.utils import translation

DAY = dt.date(2026, 12, 13)
MOMENT = dt.datetime(2026, 12, 13, 9, 30)


def date_fields():
    """(form class, field name, field) for every date or date-time field declared by a form of ours."""
    found = []
    for app in apps.get_app_configs():
        if not app.name.startswith("cunzhi."):
            continue
        try:
            module = importlib.import_module(f"{app.name}.forms")
        except ModuleNotFoundError:
            continue
        for form in vars(module).values():
            if not (inspect.isclass(form) and issubclass(form, forms.BaseForm) and form.__module__ == module.__name__):
                continue
            for name, field in form.base_fields.items():
                if isinstance(field, (forms.DateField, forms.DateTimeField)):
                    found.append((form, name, field))
    return found


FIELDS = date_fields()


def test_the_walk_finds_the_forms_with_dates():
    names = {f"{form.__name__}.{name}" for form, name, _field in FIELDS}
    assert {"ConditionalForm.deadline", "DelegationForm.ends_on", "MeetingForm.starts_at"} <= names


@pytest.mark.parametrize("form, name, field", FIELDS, ids=[f"{f.__module__}.{f.__name__}.{n}" for f, n, _x in FIELDS])
def test_every_date_input_renders_iso_in_chinese(form, name, field):
    with translation.override("zh-hans"):
        if isinstance(field, forms.DateTimeField):
            html = field.widget.render(name, MOMENT)
            expected, kind = "2026-12-13T09:30", "datetime-local"
        else:
            html = field.widget.render(name, DAY)
            expected, kind = "2026-12-13", "date"
    assert f'type="{kind}"' in html, html
    assert re.search(r'value="([^"]*)"', html).group(1) == expected, html
