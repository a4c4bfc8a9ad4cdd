"""Form widgets every domain shares.

Browsers' date inputs read and write only ISO values (YYYY-MM-DD; datetime-local: YYYY-MM-DDTHH:MM).
Django's DateInput renders the active language's first input format instead, which for Chinese is
2026/12/13: the browser drops it, the field shows empty and a required one blocks the form. These
widgets always render ISO, whatever the language; every date field of every form uses them
(cunzhi/web/tests/test_date_inputs.py walks them all in Chinese).
"""

from typing import Any

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

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


class LongSelect(forms.Select):
    """A <select> of many options (a county's 312 villages) written here rather than through Django's template
    for each option (~80 µs each: the whole list cost a county administrator's page ~25 ms). The same HTML as
    forms.Select; option groups go through Django's templates as before."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        if any(group for group, _choices, _index in widget["optgroups"]):
            return super().render(name, value, attrs, renderer)
        options = format_html_join(
            "",
            '\n  <option value="{}"{}>{}</option>\n',  # as Django's template: each option file ends a line
            (
                (option["value"], _attrs(option["attrs"]), option["label"])
                for _group, choices, _index in widget["optgroups"]
                for option in choices
            ),
        )
        return format_html('<select name="{}"{}>{}\n</select>', widget["name"], _attrs(widget["attrs"]), options)
