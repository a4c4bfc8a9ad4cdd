"""Plain text from templates: notices' subjects and bodies, text messages, texts stored for later display.

Django escapes every variable for HTML, whatever the template's file name. A text rendered that way
and shown again in a page or an e-mail is escaped twice (`&quot;` where the villager wrote `"`), and
a text message or plain e-mail shows the entities raw. Text is therefore rendered unescaped here, once;
whatever shows it as HTML escapes it then.
"""

from django.template import Context
from django.template.loader import get_template


def render_text(template_name: str, context: dict | None = None) -> str:
    """Render a template as plain text: nothing is HTML-escaped."""
    template = get_template(template_name).template  # the engine's own Template, which takes a Context
    return template.render(Context(context or {}, autoescape=False))
