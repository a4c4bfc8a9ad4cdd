"""Who may read a notice and see its reach; the county admin sees the periodic jobs.

A notice is read by its recipients (a helper's copy included), by helpers who hold an active
"notices" delegation from a recipient, and by whoever may read the object it is about (a domain's
own rule, registered in notify.about) — nobody else. Its sender reads it too, and staff of a region
read the announcements sent to everyone in it. A personal notice about nothing (a test message) is
for its recipients and sender only.

Staff see a notice's reach (report, door-to-door list, re-sending) when they may read it for their
work: being one of its recipients is not enough.
"""

from typing import TypeGuard

from cunzhi.notify import selectors
from cunzhi.notify.about import about_reader
from cunzhi.notify.models import Notice
from cunzhi.people import rules as people_rules
from cunzhi.people.actors import AnyUser
from cunzhi.people.models import Role, User

ANNOUNCEMENT = "announcement"


def _authenticated(user: AnyUser) -> TypeGuard[User]:
    """An account logged in (TypeGuard: mypy then knows `user` is a User)."""
    return getattr(user, "is_authenticated", False)


def reads_for_work(user: AnyUser, notice: Notice) -> bool:
    """The sender; staff of the region for an announcement; whoever may read what the notice is about."""
    if not _authenticated(user):
        return False
    if notice.sender_id is not None and notice.sender_id == user.pk:
        return True
    if notice.kind == ANNOUNCEMENT and notice.region_code and people_rules.in_scope(user, notice.region_code):
        return True
    if notice.about_type and notice.about_id is not None:
        reader = about_reader(notice.about_type)
        # An object type nobody registered reads as private: only the recipients see the notice.
        return reader is not None and reader.can_read(user, notice.about_id)
    return False


def can_read(user: AnyUser, notice: Notice) -> bool:
    if not _authenticated(user):
        return False
    return (
        selectors.is_recipient(user=user, notice=notice)
        or selectors.helps_a_recipient(user=user, notice=notice)
        or reads_for_work(user, notice)
    )


def can_view_report(user: AnyUser, notice: Notice) -> bool:
    """Staff who may read the notice for their work see who it reached."""
    return can_list_notices(user) and reads_for_work(user, notice)


def can_resend(user: AnyUser, notice: Notice) -> bool:
    return can_view_report(user, notice)


def can_list_notices(user: AnyUser) -> bool:
    return people_rules.has_role(user)


def can_view_jobs(user: AnyUser) -> bool:
    return people_rules.has_role(user, people_rules.REGION_ADMIN_ROLES)


# Who reads the texts no automatic reply took: those who keep the village's contact with its people
# (the village's cadres; the county administrator for numbers no village registered). Office staff
# do not: a text is nobody's case until someone reads it.
SMS_QUEUE_ROLES = frozenset({Role.CADRE, Role.PARTY_SECRETARY, Role.COUNTY_ADMIN})


# Who goes door to door and ticks the list: the village's cadres and the grid workers.
DOOR_ROLES = frozenset({Role.CADRE, Role.PARTY_SECRETARY, Role.GRID_WORKER})


def can_record_door_visit(user: AnyUser, notice: Notice) -> bool:
    return people_rules.has_role(user, DOOR_ROLES) and can_view_report(user, notice)


def can_view_sms_queue(user: AnyUser) -> bool:
    return people_rules.has_role(user, SMS_QUEUE_ROLES)


def can_record_consent(user: AnyUser) -> bool:
    """Consent given in person is taken on the door-to-door round: by those who make it."""
    return people_rules.has_role(user, DOOR_ROLES)
