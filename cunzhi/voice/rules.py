"""Who may listen to a clip, and who runs a village's loudspeaker.

A clip is as private as the page it is on: the listen tag, rendered only on a page whose view has
already checked its reader, signs the clip's key for that reader's account (anonymous for a public
page). The clip's URL then works for that account alone and for VOICE_LINK_HOURS, so a link copied
out of a private page opens nothing for anyone else. voice knows no feature domain: the page's own
check is the only one, made where the page is built.
"""

from django.conf import settings
from django.core import signing

from cunzhi.people import rules as people_rules
from cunzhi.people.actors import AnyUser
from cunzhi.people.models import Role
from cunzhi.regions.models import Level, Region

_SALT = "cunzhi.voice.listen"
# The village's own cadres keep its loudspeaker (the county's administrator does not play it).
BROADCAST_ROLES = frozenset({Role.CADRE, Role.PARTY_SECRETARY})


def _reader(user: AnyUser | None) -> str:
    return str(user.pk) if user is not None and user.is_authenticated else "0"


def listen_token(key: str, user: AnyUser | None) -> str:
    """The signature (timestamp:mac) that lets `user` fetch the clip `key`."""
    signed = signing.TimestampSigner(salt=_SALT).sign(f"{key}.{_reader(user)}")
    return signed.rsplit(":", 2)[1] + ":" + signed.rsplit(":", 2)[2]


def can_listen(user: AnyUser, key: str, token: str) -> bool:
    """The token was issued for this clip to this account, within VOICE_LINK_HOURS."""
    try:
        signing.TimestampSigner(salt=_SALT).unsign(
            f"{key}.{_reader(user)}:{token}", max_age=settings.VOICE_LINK_HOURS * 3600
        )
    except signing.BadSignature:  # also SignatureExpired
        return False
    return True


def can_operate_broadcast(user: AnyUser, village: Region) -> bool:
    """The village's cadres make, download and mark its loudspeaker broadcast."""
    return village.level == Level.VILLAGE and people_rules.in_scope(user, village.code, BROADCAST_ROLES)
