"""Home-page cards contributed by the domains: "my concerns", "meetings coming up", "due this week"...

A domain app adds `<app>/home.py` with `card(*, user, villager, is_staff) -> str | None`: the HTML of
one `<section class="card">` (rendered from its own template), or None when it has nothing to show
this person. The home page is cached per person (web.views.home), so a card holds no forms. It is
refreshed when the person is sent a notice directly (notify.services.notice_send), and when a domain
service calls core.pagecache.home_invalidate for a change the person made themself.
"""

from functools import cache
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.utils.safestring import SafeString, mark_safe

from cunzhi.people.actors import AnyUser
from cunzhi.people.models import Villager


@cache
def _providers() -> list:
    out = []
    for config in apps.get_app_configs():
        if config.name.startswith("cunzhi.") and find_spec(f"{config.name}.home"):
            out.append(import_module(f"{config.name}.home").card)
    return out


def home_cards(*, user: AnyUser, villager: Villager | None, is_staff: bool) -> list[SafeString]:
    """The cards every domain has for this person, in app order."""
    cards = []
    for card in _providers():
        html = card(user=user, villager=villager, is_staff=is_staff)
        if html:
            cards.append(mark_safe(html))
    return cards
