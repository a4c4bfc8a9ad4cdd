"""The meetings card on the home page: meetings of the person's village still to come or in session."""

from django.template.loader import render_to_string

from cunzhi.meetings import selectors


def card(*, user, villager, is_staff) -> str | None:
    upcoming = selectors.upcoming_for(user=user, limit=3, brief=True)
    if not upcoming:
        return None
    return render_to_string("meetings/_home_card.html", {"upcoming": upcoming})
