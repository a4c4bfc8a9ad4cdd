"""`{% url %}` with its answers remembered: a builtin (settings.TEMPLATES) that replaces Django's tag.

Django's tag reverses on every use. A page shows the same addresses again and again (the navigation, each
card's links, a village's posts to each of its villagers), and a reversal costs ~30 µs of CPU: the villager
home asked 34 of them, ~1 ms of every first visit (docs/benchmarks.md, issue 20). An address depends only
on the view's name, its arguments, the URL configuration and the script prefix (the project has no
translated or per-instance URL patterns), so those are the key. Only plain strings and numbers are kept as
a key: an object (a model instance is equal to another with the same key but may print differently) and a
missing address go to Django's own tag as before.
"""

from functools import lru_cache

from django import template
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = template.Library()
_PLAIN = (str, int)


@lru_cache(maxsize=8192)
def _reversed(name: str, args: tuple, kwargs: tuple, urlconf: str | None, prefix: str) -> str:
    return reverse(name, args=args, kwargs=dict(kwargs))


class MemoURLNode(URLNode):
    def render(self, context: template.Context) -> str:
        try:
            args = tuple(a.resolve(context) for a in self.args)
            kwargs = tuple(sorted((k, v.resolve(context)) for k, v in self.kwargs.items()))
            if not all(type(v) in _PLAIN for v in (*args, *(v for _k, v in kwargs))):
                return super().render(context)
            url = _reversed(self.view_name.resolve(context), args, kwargs, get_urlconf(), get_script_prefix())
        except Exception:  # unhashable, or no such address: Django's tag says so as it always did  # noqa: BLE001
            return super().render(context)
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser: template.base.Parser, token: template.base.Token) -> URLNode:
    node = django_url(parser, token)
    node.__class__ = MemoURLNode
    return node
