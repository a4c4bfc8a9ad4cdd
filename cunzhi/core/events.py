"""Named audit events.

Each domain declares the actions it records in its own `events.py`, as a `TextChoices` class
(value = the stored action, label = what a person reads on a timeline) decorated with
`@register`. `audit_record` refuses an action nobody declared, and `label()` is the one way a
page turns an action into words, so an unknown action can never silently show its raw name.
The core app imports every domain's `events` module at start (see `CoreConfig.ready`).
"""

from typing import TypeVar

from django.db import models
from django.utils.functional import Promise

C = TypeVar("C", bound=type[models.TextChoices])

_labels: dict[str, str | Promise] = {}


def register(choices: C) -> C:
    """Declare a domain's actions; a value declared twice with another label is a mistake."""
    for value, text in choices.choices:  # type: ignore[misc]  # (value, label) pairs
        if _labels.get(value, text) != text:
            raise ValueError(f"audit action {value!r} declared twice")
        _labels[value] = text
    return choices


def is_declared(action: str) -> bool:
    return action in _labels


def label(action: str) -> str | Promise:
    """What a person reads for `action`. KeyError for an undeclared action: it is a bug."""
    return _labels[action]


def declared() -> dict[str, str | Promise]:
    return dict(_labels)
