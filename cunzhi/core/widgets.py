"""Form widgets every domain shares.

Browsers' date inputs read and write only ISO values (YYYY-MM-DD; datetime-local: YYYY-MM-DDTHH:MM).
Django's DateInput renders the active language's first input format instead, which for Chinese is
2026/12/13: the browser drops it, the field shows empty and a required one blocks the form. These
widgets always render ISO, whatever the language; every date field of every form uses them
(cunzhi/web/tests/test_date_inputs.py walks them all in Chinese).
"""

from typing import Any

from django import forms

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
