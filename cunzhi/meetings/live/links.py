"""Signed links to the stream's playlists and segments, so that a copied link stops working.

A playlist link carries a token for one reader (an account, or 0: anonymous on a public stream) that
lasts MEETINGS_LIVE_PLAYLIST_LINK_MINUTES: the phone's own player, which has no session, can open it.
Each playlist fetch checks the reader's right again (views), and rewrites every segment name into a
link signed for that reader, that segment and MEETINGS_LIVE_SEGMENT_LINK_SECONDS: a player fetches
the playlist again every segment, so its links stay fresh, and a segment link passed on expires
within a minute. A reader who is logged in may use only links made for them (checked when Django serves
the segment). Segment links are signed as nginx's secure_link module checks them, so that in production
nginx serves the segments itself (`nginx_location`): 300 viewers ask for 150 segments a second.
"""

import base64
import hashlib
import hmac
import time
from pathlib import Path

from django.conf import settings
from django.core import signing
from django.utils.crypto import salted_hmac

_PLAYLIST = "cunzhi.meetings.live.playlist"
_SEGMENT = "cunzhi.meetings.live.segment"


def reader_of(user: object) -> int:
    return int(getattr(user, "pk", 0) or 0) if getattr(user, "is_authenticated", False) else 0


def playlist_token(meeting_pk: int, reader: int) -> str:
    return signing.TimestampSigner(salt=_PLAYLIST).sign(f"{meeting_pk}.{reader}")


def playlist_reader(token: str, meeting_pk: int) -> int | None:
    """The reader the token was made for, or None (forged, of another meeting, too old)."""
    try:
        value = signing.TimestampSigner(salt=_PLAYLIST).unsign(
            token, max_age=settings.MEETINGS_LIVE_PLAYLIST_LINK_MINUTES * 60
        )
    except signing.BadSignature:
        return None
    meeting, _dot, reader = value.partition(".")
    if meeting != str(meeting_pk) or not reader.isdigit():
        return None
    return int(reader)


def _segment_secret() -> str:
    """The key of segment links: shared by every app server (it follows SECRET_KEY) and by nginx, to which
    `manage.py live_nginx` gives it."""
    configured: str = settings.MEETINGS_LIVE_SEGMENT_SECRET
    return configured or salted_hmac(_SEGMENT, "nginx secure_link", algorithm="sha256").hexdigest()[:40]


def _segment_mac(expires: int, uri: str, reader: int) -> str:
    # nginx's secure_link_md5 "$secure_link_expires$uri$arg_u SECRET": base64url of the MD5, without padding.
    # The secret comes last, so the value cannot be extended; the link lives a minute and is one segment's.
    digest = hashlib.md5(f"{expires}{uri}{reader} {_segment_secret()}".encode(), usedforsecurity=False).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def segment_query(uri: str, reader: int, *, now: float | None = None) -> str:
    """The query that signs the segment at `uri` (its path) for `reader` for MEETINGS_LIVE_SEGMENT_LINK_SECONDS,
    in the form nginx's secure_link module checks, so nginx can serve segments without asking Django."""
    expires = int(now if now is not None else time.time()) + settings.MEETINGS_LIVE_SEGMENT_LINK_SECONDS
    return f"u={reader}&e={expires}&s={_segment_mac(expires, uri, reader)}"


def segment_valid(uri: str, reader: int, expires: str, signature: str, *, now: float | None = None) -> bool:
    """Django's own check of a segment link (when no nginx serves the segments): nginx's rule, same answer."""
    if not expires.isdigit() or int(expires) < (now if now is not None else time.time()):
        return False
    return hmac.compare_digest(_segment_mac(int(expires), uri, reader), signature)


def nginx_location(*, root: Path) -> str:
    """The nginx `location` that serves the live segments from `root` (MEETINGS_LIVE_ROOT, shared storage when
    there are several app servers) after checking their link, so that a crowd of viewers never reaches Django;
    playlists, which are personal, still go to Django. Goes in the site's `server` block (docs/live.md)."""
    return f"""# Cunzhi: live segments served by nginx (manage.py live_nginx). Put it before `location /`.
location ~ ^/meetings/(?<cz_meeting>[A-Za-z0-9_-]+)/stream/hls/(?<cz_rendition>[a-z])/(?<cz_segment>[0-9]+\\.ts)$ {{
    secure_link $arg_s,$arg_e;
    secure_link_md5 "$secure_link_expires$uri$arg_u {_segment_secret()}";
    if ($secure_link = "") {{ return 403; }}
    if ($secure_link = "0") {{ return 403; }}
    alias {root}/$cz_meeting/$cz_rendition/$cz_segment;
    types {{ }}
    default_type video/mp2t;
    add_header Cache-Control "private, max-age=60" always;
    add_header X-Content-Type-Options nosniff always;
}}
"""
