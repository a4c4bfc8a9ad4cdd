"""Values every page needs: the text-size preference and the navigation links for the user's roles.

The links are built lazily (only when a template shows them) from the user's roles, which
people.rules reads once and caches on the user object: no query beyond that one per page.
"""

from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from cunzhi.people import rules


def _url(name: str) -> str:
    return _reversed(name, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())


# The links take no arguments, so their addresses depend only on the URL configuration and the script
# prefix: reversing a dozen of them on every page cost ~0.3 ms of CPU (docs/benchmarks.md, issue 20).
@lru_cache(maxsize=256)
def _reversed(name: str, urlconf: str, prefix: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:  # a page another part of the project has not built yet
        return ""


def nav_links(request: HttpRequest) -> list[dict]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    # Each domain's front page first (shown once the domain defines it): what villagers and staff do here.
    links = [
        ("concerns:index", _("Concerns")),
        ("applications:index", _("Services")),
        ("meetings:index", _("Meetings")),
        ("disclosure:index", _("Disclosure")),
        ("ledger:index", _("Accounts")),
        ("consultations:index", _("Consultations")),
        ("points:index", _("Points")),
        ("learning:index", _("Learning")),
        ("organisations:index", _("Organisations")),
        ("elections:index", _("Elections")),
    ]
    if rules.has_role(user):
        links += [
            ("insights:index", _("Figures")),
            ("people:villager_list", _("Villagers")),
            ("people:household_list", _("Households")),
            ("regions:tree", _("Regions")),
            ("people:office_list", _("Offices")),
        ]
        if rules.has_role(user, rules.ROSTER_ROLES):
            links.append(("people:roster_home", _("Roster")))
    links += [
        ("people:delegation_list", _("Delegations")),
        ("people:data_access", _("Who viewed my data")),
        ("people:profile", _("My profile")),
    ]
    path = request.path
    out = []
    for name, label in links:
        url = _url(name)
        if url:
            out.append({"url": url, "label": label, "current": path.startswith(url)})
    return out


def ui(request: HttpRequest) -> dict[str, object]:
    return {
        "large_text": request.COOKIES.get("text_size") == "large",
        "nav_links": SimpleLazyObject(lambda: nav_links(request)),
    }
