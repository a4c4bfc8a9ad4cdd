"""Who may do what with disclosures. Published posts are public; the rest follows roles in regions."""

from cunzhi.disclosure.models import Post, PostStatus
from cunzhi.people.actors import AnyUser
from cunzhi.people.models import Role
from cunzhi.people.rules import has_role, in_scope, own_villager

# Village cadres write and publish disclosures (DESIGN.md: "publishes disclosures and accounts").
AUTHOR_ROLES = frozenset({Role.CADRE, Role.PARTY_SECRETARY})
# The supervision committee (村务监督委员会) reviews finance disclosures before they publish.
REVIEW_ROLES = frozenset({Role.SUPERVISOR})
# Who sees a village's calendar, drafts and review queue (township and county staff oversee).
OVERSIGHT_ROLES = frozenset({Role.CADRE, Role.PARTY_SECRETARY, Role.SUPERVISOR, Role.OFFICE_STAFF, Role.COUNTY_ADMIN})
# Who is reminded of overdue disclosures above the village.
TOWNSHIP_ROLES = frozenset({Role.OFFICE_STAFF, Role.COUNTY_ADMIN})
SCHEDULE_ROLES = frozenset({Role.CADRE, Role.PARTY_SECRETARY, Role.OFFICE_STAFF, Role.COUNTY_ADMIN})


def can_author(user: AnyUser, village_code: str) -> bool:
    return in_scope(user, village_code, AUTHOR_ROLES)


def can_author_anywhere(user: AnyUser) -> bool:
    return has_role(user, AUTHOR_ROLES)


def can_review(user: AnyUser, village_code: str) -> bool:
    return in_scope(user, village_code, REVIEW_ROLES)


def can_oversee(user: AnyUser, village_code: str) -> bool:
    return in_scope(user, village_code, OVERSIGHT_ROLES)


def can_oversee_anywhere(user: AnyUser) -> bool:
    return has_role(user, OVERSIGHT_ROLES)


def can_set_schedule(user: AnyUser, village_code: str) -> bool:
    return in_scope(user, village_code, SCHEDULE_ROLES)


def can_view_post(user: AnyUser, post: Post) -> bool:
    """Published posts are public (they hang on the notice board); drafts only for the village's officials."""
    return post.is_published or can_oversee(user, post.region_code)


def can_edit_post(user: AnyUser, post: Post) -> bool:
    return can_change(post) and can_author(user, post.region_code)


def can_ask(user: AnyUser, post: Post) -> bool:
    """A villager of the post's village (or an official of it) asks on a published post."""
    if not post.is_published or not getattr(user, "is_authenticated", False):
        return False
    villager = own_villager(user)
    return (villager is not None and villager.region_code == post.region_code) or can_oversee(user, post.region_code)


def can_answer(user: AnyUser, post: Post) -> bool:
    return post.is_published and can_author(user, post.region_code)


def can_see_asker(user: AnyUser, post: Post) -> bool:
    """Askers' full names: the village's officials; everyone else sees 张*."""
    return can_oversee(user, post.region_code)


# ---------------------------------------------------------------- lifecycle (services and pages ask these)


def can_change(post: Post) -> bool:
    """Drafts and posts returned by the reviewers change; published posts are never rewritten."""
    return post.status in (PostStatus.DRAFT, PostStatus.RETURNED)


def can_submit(post: Post) -> bool:
    """A finance disclosure goes to the supervision committee from a draft or after a return."""
    return post.needs_approval and can_change(post)


def can_publish(post: Post) -> bool:
    """Other disclosures publish straight from a draft (finance ones only by the committee's approval)."""
    return not post.needs_approval and can_change(post)


def is_in_review(post: Post) -> bool:
    return post.status == PostStatus.IN_REVIEW


def may_review(user: AnyUser, post: Post) -> bool:
    """A supervision committee member of the village reviews a post waiting for review, never their own."""
    return is_in_review(post) and can_review(user, post.region_code) and post.author_id != getattr(user, "pk", None)
