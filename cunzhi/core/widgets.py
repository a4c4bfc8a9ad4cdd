"""Form widgets every domain shares.

Browsers' date inputs read and write only ISO values (YYYY-MM-DD; datetime-local: YYYY-MM-DDTHH:MM).
Django's DateInput renders the active language's first input format instead, which for Chinese is
2026/12/13: the browser drops it, the field shows empty and a required one blocks the form. These
widgets always render ISO, whatever the language; every date field of every form uses them
(cunzhi/web/tests/test_date_inputs.py walks them all in Chinese).
"""

import html
from typing import Any

from django import forms
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

ISO_DATE = "%Y-%m-%d"
ISO_DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
# What a DateTimeField with DateTimeLocalInput accepts: the browser's form, and the same with a space.
DATETIME_LOCAL_FORMATS = [ISO_DATETIME_LOCAL, "%Y-%m-%d %H:%M"]


class DateInput(forms.DateInput):
    """<input type="date"> with an ISO value in every language."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=ISO_DATE)


class DateTimeLocalInput(forms.DateTimeInput):
    """<input type="datetime-local"> with an ISO value (local time, minutes) in every language."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=ISO_DATETIME_LOCAL)


def _attrs(attrs: dict[str, Any]) -> SafeString:
    """Django's widgets/attrs.html in Python: `name="value"`, a bare name for True, nothing for False."""
    return format_html_join(
        "", " {}{}", ((k, "" if v is True else format_html('="{}"', v)) for k, v in attrs.items() if v is not False)
    )


def _escape(text: Any) -> str:
    """Django's conditional_escape, without its lazy-text wrapper around every call (most of its cost)."""
    if isinstance(text, Promise):
        text = str(text)
    return text.__html__() if hasattr(text, "__html__") else html.escape(str(text))


class LongSelect(forms.Select):
    """A <select> of many options (a county's 312 villages) written here rather than through Django's template
    for each option (~80 µs each: the whole list cost a county administrator's page ~25 ms), and without
    Django's option dictionaries and `format_html` per option (~10 µs each, a further ~4 ms). The same HTML as
    forms.Select; option groups go through Django's templates as before."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        choices = list(self.choices)
        if any(isinstance(label, (list, tuple)) for _value, label in choices):
            return super().render(name, value, attrs, renderer)
        chosen = set(self.format_value(value))
        rows, selected = [], False
        for option_value, label in choices:
            text = "" if option_value is None else str(option_value)
            # As Select.optgroups: a single select marks only the first option that matches.
            mark = text in chosen and (self.allow_multiple_selected or not selected)
            selected = selected or mark
            # As Django's template: each option file ends a line.
            rows.append(f'\n  <option value="{_escape(text)}"{" selected" if mark else ""}>{_escape(label)}</option>\n')
        final = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:  # as Select.get_context
            final["multiple"] = True
        return format_html('<select name="{}"{}>{}\n</select>', name, _attrs(final), mark_safe("".join(rows)))
