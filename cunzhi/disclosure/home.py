"""The disclosure card on a villager's home page: the latest posts of their village's notice board."""

from django.template.loader import render_to_string

from cunzhi.disclosure import selectors


def card(*, user, villager, is_staff) -> str | None:
    if villager is None:
        return None
    # Only what the card shows: the village's name comes from the villager's record, not a join.
    posts = list(
        selectors.posts_published(village=villager.village)
        .select_related(None)
        .only("public_id", "title", "published_at", "category")[:3]
    )
    return render_to_string("disclosure/_home_card.html", {"posts": posts, "village": villager.village})
