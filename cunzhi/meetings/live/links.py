"""Signed links to the stream's playlists and segments, so that a copied link stops working.

A playlist link carries a token for one reader (an account, or 0: anonymous on a public stream) that
lasts MEETINGS_LIVE_PLAYLIST_LINK_MINUTES: the phone's own player, which has no session, can open it.
Each playlist fetch checks the reader's right again (views), and rewrites every segment name into a
link signed for that reader, that segment and MEETINGS_LIVE_SEGMENT_LINK_SECONDS: a player fetches
the playlist again every segment, so its links stay fresh, and a segment link passed on expires
within a minute. A reader who is logged in may use only links made for them.
"""

from django.conf import settings
from django.core import signing

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


def segment_signature(meeting_pk: int, reader: int, rendition: str, name: str) -> str:
    signed = signing.TimestampSigner(salt=_SEGMENT).sign(f"{meeting_pk}.{reader}.{rendition}.{name}")
    return signed.split(":", 1)[1]  # timestamp:mac, without the value the URL already holds


def segment_valid(meeting_pk: int, reader: int, rendition: str, name: str, signature: str) -> bool:
    try:
        signing.TimestampSigner(salt=_SEGMENT).unsign(
            f"{meeting_pk}.{reader}.{rendition}.{name}:{signature}",
            max_age=settings.MEETINGS_LIVE_SEGMENT_LINK_SECONDS,
        )
    except signing.BadSignature:
        return False
    return True
