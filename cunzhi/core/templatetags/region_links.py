"""{% load region_links %}{% region_url 'ledger:village' v.code %}: `{% url %}` for a region's page, for long
lists of villages (core.links.region_url: reversed once per view, not once per row)."""

from django import template

from cunzhi.core.links import region_url as _region_url

register = template.Library()


@register.simple_tag
def region_url(name: str, code: str) -> str:
    return _region_url(name, code)
