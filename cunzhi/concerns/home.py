"""The concerns card on the home page: a villager's own open concerns; staff's overdue and due-soon counts."""

from django.template.loader import render_to_string

from cunzhi.concerns import rules, selectors
from cunzhi.concerns.models import OPEN_STATUSES


def card(*, user, villager, is_staff) -> str | None:
    context = {}
    if villager is not None:
        # Only what the card shows (number, excerpt, status): no joins, no other columns.
        context["mine"] = list(
            selectors.concerns_mine(user=user)
            .filter(status__in=OPEN_STATUSES)
            .select_related(None)
            .only("public_id", "text", "status")
            .order_by("-dispatched_at")[:3]
        )
    if is_staff and rules.can_list(user):
        context["due"] = selectors.due_counts(user=user)
    if not context:
        return None
    return render_to_string("concerns/_home_card.html", context)
