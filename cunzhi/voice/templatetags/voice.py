"""{% listen part1 part2 ... %}: the listen control for a page's text (voice/_listen.html).

The parts are read in order with a pause between them; dates and times are read in local time. The
control is signed for the page's reader (voice.rules), so the page's own permission check is the clip's.
"""

import datetime as dt
import logging
from typing import Any

from django import template
from django.utils import timezone

from cunzhi.voice import rules, services, speech

register = template.Library()
logger = logging.getLogger(__name__)


def _spoken(part: Any) -> str:
    if isinstance(part, dt.datetime):
        return timezone.localtime(part).strftime("%Y-%m-%d %H:%M")
    if isinstance(part, dt.date):
        return part.isoformat()
    return str(part)


@register.inclusion_tag("voice/_listen.html", takes_context=True)
def listen(context: template.Context, *parts: Any) -> dict[str, Any]:
    if not speech.available():
        return {"voice": None}  # the system check warns; the page works without the control
    try:
        clip = services.clip_register(text="。".join(_spoken(p) for p in parts if p not in (None, "")))
    except OSError:  # the file storage is full or read-only: the page is shown, without the control
        logger.exception("voice: the words of a clip could not be stored")
        return {"voice": None}
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"voice": clip, "token": rules.listen_token(clip.key, user) if clip.key else ""}
