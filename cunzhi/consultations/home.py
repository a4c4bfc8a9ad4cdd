"""The consultations card on the home page: drafts open for comment that the person may read."""

from django.template.loader import render_to_string

from cunzhi.consultations import selectors
from cunzhi.consultations.models import Status


def card(*, user, villager, is_staff) -> str | None:
    open_drafts = list(
        selectors.drafts_visible(user=user, status=Status.OPEN)
        .select_related(None)
        .only("public_id", "title", "closes_at")  # what the card shows, beside the comment count
        .order_by("closes_at")[:3]
    )
    if not open_drafts:
        return None
    return render_to_string("consultations/_home_card.html", {"drafts": open_drafts})
