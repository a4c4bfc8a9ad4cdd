"""{% load figure_cells %}{{ row.display|figure_cells }}: a row of the figures table as its <td> cells, made in
one call. A county's page of 50 rows by 26 figures is 1,300 cells; as template tags (a link or not, n/N or
not) they were a third of the page's time at ten times a county."""

from typing import Any

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def _cell(text: str, cell: dict[str, Any], link: str, strong: bool) -> str:
    shown = f'<a href="{escape(link)}">{escape(text)}</a>' if link else escape(text)
    if strong:
        shown = f"<strong>{shown}</strong>"
    if cell["den"]:  # n of N beside every rate
        shown += f'<br><small class="muted">{cell["num"]:d}/{cell["den"]:d}</small>'
    return f'<td class="num">{shown}</td>'


@register.filter
def figure_cells(display: list[tuple[str, dict[str, Any], str]]) -> SafeString:
    """Each (text, cell, link) of a row as a cell: the text (a link to the cases where there is one), and
    the n/N of a rate below it."""
    return mark_safe("".join(_cell(text, cell, link, False) for text, cell, link in display))


@register.filter
def figure_total_cells(display: list[tuple[str, dict[str, Any], str]]) -> SafeString:
    """The total row's cells: the same, the figure in bold."""
    return mark_safe("".join(_cell(text, cell, link, True) for text, cell, link in display))
