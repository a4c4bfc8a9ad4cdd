"""The consultations card on the home page: drafts open for comment that the person may read."""

from django.template.loader import render_to_string

from cunzhi.consultations import selectors


def card(*, user, villager, is_staff) -> str | None:
    open_drafts = selectors.drafts_open_brief(user=user, limit=3)
    if not open_drafts:
        return None
    return render_to_string("consultations/_home_card.html", {"drafts": open_drafts})
