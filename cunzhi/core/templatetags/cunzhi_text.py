"""Template filters for text people read: {% load cunzhi_text %}."""

from collections.abc import Iterable

from django import template

from cunzhi.core.text import join_list as _join_list

register = template.Library()


@register.filter
def join_list(items: Iterable[object] | None) -> str:
    """{{ names|join_list }}: "a, b, c" in English, "甲、乙、丙" in Chinese."""
    return _join_list(items or [])
