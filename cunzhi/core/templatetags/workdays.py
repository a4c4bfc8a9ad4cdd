"""{% load workdays %}{% estimate_note deadline %}: says when a deadline was counted Monday to Friday
because the holiday calendar does not know its year yet (domain.md: such a limit says so)."""

import datetime as dt

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from cunzhi.core import workdays

register = template.Library()


@register.simple_tag
def estimate_note(deadline: dt.datetime | dt.date | None, short: bool = False) -> str:
    """The note after a computed deadline; `short` for table cells."""
    if deadline is None or not workdays.is_estimated(deadline):
        return ""
    if short:
        return format_html(' <span class="muted small estimate">{}</span>', _("(estimated)"))
    text = _("(estimated: the holiday calendar for %(year)s is not known yet, so Monday to Friday were counted)") % {
        "year": workdays.local_date(deadline).year
    }
    return format_html(' <span class="muted small estimate">{}</span>', text)
