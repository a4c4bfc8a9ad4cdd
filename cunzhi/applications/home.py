"""The services card on the home page: the villager's open applications (with any missing-material
deadline); for office staff, how much of their work list is overdue."""

from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import timezone

from cunzhi.applications import selectors
from cunzhi.applications.models import OPEN_STATUSES


def card(*, user, villager, is_staff) -> str | None:
    context = {}
    if villager is not None:
        context["mine"] = list(
            selectors.applications_of(villagers=[villager])
            .filter(status__in=OPEN_STATUSES)
            .select_related(None)
            .select_related("item")
            .only("public_id", "status", "supply_due_at", "item__name")[
                # what the card shows
                :3
            ]
        )
    if is_staff:
        # One query for both counts: worklist() is ordered and joined for its page, counts need neither.
        work = (
            selectors.worklist(user=user)
            .order_by()
            .aggregate(all=Count("id"), overdue=Count("id", filter=Q(due_at__lt=timezone.now())))
        )
        if work["all"]:
            context["work"] = work
    if not context.get("mine") and not context.get("work") and villager is None:
        return None
    return render_to_string("applications/_home_card.html", context)
