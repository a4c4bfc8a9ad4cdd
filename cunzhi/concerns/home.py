"""The concerns card on the home page: a villager's own open concerns; staff's overdue and due-soon counts."""

from django.template.loader import render_to_string

from cunzhi.concerns import rules, selectors
from cunzhi.concerns.models import OPEN_STATUSES


def card(*, user, villager, is_staff) -> str | None:
    context = {}
    if villager is not None:
        mine = list(selectors.concerns_mine(user=user).filter(status__in=OPEN_STATUSES).order_by("-dispatched_at")[:3])
        context["mine"] = mine
    if is_staff and rules.can_list(user):
        context["due"] = selectors.due_counts(user=user)
    if not context:
        return None
    return render_to_string("concerns/_home_card.html", context)
