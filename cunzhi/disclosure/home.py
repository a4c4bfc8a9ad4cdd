"""The disclosure card on a villager's home page: the latest posts of their village's notice board."""

from django.template.loader import render_to_string

from cunzhi.disclosure import selectors


def card(*, user, villager, is_staff) -> str | None:
    if villager is None:
        return None
    posts = list(selectors.posts_published(village=villager.village)[:3])
    return render_to_string("disclosure/_home_card.html", {"posts": posts, "village": villager.village})
