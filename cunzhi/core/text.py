"""Text for people: plain text from templates (notices' subjects and bodies, text messages, texts stored for
later display), and lists named in a sentence.

Django escapes every variable for HTML, whatever the template's file name. A text rendered that way
and shown again in a page or an e-mail is escaped twice (`&quot;` where the villager wrote `"`), and
a text message or plain e-mail shows the entities raw. Text is therefore rendered unescaped here, once;
whatever shows it as HTML escapes it then.
"""

from collections.abc import Iterable
from typing import cast

from django.template import Context
from django.template.backends.django import Template as BackendTemplate
from django.template.loader import get_template
from django.utils.translation import gettext_noop, pgettext


def render_text(template_name: str, context: dict | None = None) -> str:
    """Render a template as plain text: nothing is HTML-escaped."""
    # The engine's own Template, which takes a Context: the project's one engine is Django's (settings.TEMPLATES),
    # whose backend Template holds it; the stubs type get_template's answer as any engine's.
    template = cast(BackendTemplate, get_template(template_name)).template
    return template.render(Context(context or {}, autoescape=False))


def join_list(items: Iterable[object]) -> str:
    """Items named in a sentence, joined the reader's way: "a, b, c" in English, "甲、乙、丙" in Chinese."""
    return pgettext("list separator", ", ").join(str(item) for item in items)


# Django's forms add a label suffix, `_(":")`, except after a label ending in one of `_(":?.!")`. Django's
# own zh-Hans catalogue keeps both ASCII ("事项类别:", "您需要什么帮助？:"); the project's catalogue wins
# over Django's, so it gives Chinese labels the full-width colon, and none after ？ or ：. Marked here
# so that makemessages keeps the two entries.
# Translators: the suffix after a form field's label (Chinese: the full-width colon).
gettext_noop(":")
# Translators: labels ending in one of these characters get no suffix; add the full-width ones.
gettext_noop(":?.!")
