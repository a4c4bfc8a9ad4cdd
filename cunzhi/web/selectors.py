"""Reads that only the web layer may make: it knows every domain, the domains do not know each other."""

from typing import Any

from cunzhi.people import selectors as people_selectors
from cunzhi.people.models import User
from cunzhi.web.cards import home_cards


def home_context(*, user: User) -> dict[str, Any]:
    """What the home page shows: the people part (own things, region and work) and the domains' cards."""
    context = people_selectors.home_people(user=user)
    context["cards"] = home_cards(user=user, villager=context["villager"], is_staff=context["is_staff"])
    return context
