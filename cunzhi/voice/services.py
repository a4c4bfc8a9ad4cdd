"""Writes: spoken clips in the file storage, the loudspeaker's daily file, and the broadcast record.

A clip is stored under `voice/<key[:2]>/<key>.<ext>` in the default storage (private: views hand it
out after their check, core/files.py), with its words beside it as `<key>.txt`. The key is the hash
of the words read, the voice and its rate: a changed text is a new key, so a clip is cached until the
text changes and no cache is ever invalidated. A page that shows the listen control stores the words
(one existence check when they are already there); the audio is made on the first request for it,
in the format asked, and kept.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cunzhi.core.audit import audit_record
from cunzhi.notify.services import loudspeaker_record, notice_render
from cunzhi.people.models import User
from cunzhi.regions.models import Region
from cunzhi.voice import selectors, speech
from cunzhi.voice.events import VoiceEvent
from cunzhi.voice.models import VoiceBroadcast
from cunzhi.voice.normalise import number_words, reading

# Raised when the reading rules change, so clips made by older rules are not served for the same text.
RULES_VERSION = "1"
ROOT = "voice"


@dataclass(frozen=True)
class Clip:
    key: str  # "" when there is nothing to read
    capped: bool  # only the beginning of a long text is read


def clip_key(words: str) -> str:
    """The hash of what is read and how: the words, the voice, its rate and the rules' version."""
    recipe = "\0".join((RULES_VERSION, settings.VOICE_NAME, str(settings.VOICE_RATE), words))
    return hashlib.sha256(recipe.encode()).hexdigest()[:32]


def clip_name(key: str, fmt: str) -> str:
    """Where the clip `key` is stored in a format of speech.FORMATS ("txt": its words)."""
    return f"{ROOT}/{key[:2]}/{key}.{fmt}"


def clip_register(*, text: str, limit: int = 0) -> Clip:
    """Store the words of `text` as a person reads them (capped at `limit`, by default VOICE_MAX_CHARS)
    and name their clip."""
    words = reading(text, limit=limit or settings.VOICE_MAX_CHARS)
    if not words.text:
        return Clip("", False)
    key = clip_key(words.text)
    name = clip_name(key, "txt")
    if not default_storage.exists(name):
        _store(name, words.text.encode())
    return Clip(key, words.capped)


def _store(name: str, data: bytes) -> None:
    """Save under exactly `name`. Two first requests may race: the storage then keeps the second copy
    under another name, which is deleted (both copies hold the same bytes)."""
    saved = default_storage.save(name, ContentFile(data))
    if saved != name:
        default_storage.delete(saved)


def clip_audio(*, key: str, fmt: str) -> str:
    """The stored name of the clip `key` in `fmt`, made now if it is not made yet.

    Raises LookupError when no page registered the words of `key` (or they expired), SpeechError when
    espeak-ng or ffmpeg fails.
    """
    name = clip_name(key, fmt)
    if default_storage.exists(name):
        return name
    try:
        with default_storage.open(clip_name(key, "txt"), "rb") as handle:
            words = handle.read().decode()
    except FileNotFoundError:
        raise LookupError(key) from None
    _store(name, speech.synthesise(words, fmt))
    return name


def clips_expire(*, now: dt.datetime | None = None) -> int:
    """Delete clips and their words older than VOICE_KEEP_DAYS; a page shown again stores them again."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.VOICE_KEEP_DAYS)
    deleted = 0
    try:
        folders = default_storage.listdir(ROOT)[0]
    except FileNotFoundError:
        return 0
    for folder in folders:
        for name in default_storage.listdir(f"{ROOT}/{folder}")[1]:
            path = f"{ROOT}/{folder}/{name}"
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
                deleted += 1
    return deleted


# The loudspeaker speaks Mandarin whatever the operator's page language: its headings are Chinese.
def _heading(n: int, total: int) -> str:
    return f"第{number_words(n)}条，共{number_words(total)}条。"


def broadcast_text(*, village: Region, day: dt.date) -> tuple[str, list[dict[str, str]]]:
    """The day's words for the loudspeaker (a spoken heading before each item) and the items read."""
    notices = selectors.broadcast_items(village=village, day=day)
    parts = [f"{village.name}广播。{day.month}月{day.day}日，今天有{number_words(len(notices))}条通知。"]
    items = []
    for n, notice in enumerate(notices, 1):
        subject, body = notice_render(notice, "zh-hans")
        parts.append(f"{_heading(n, len(notices))}{subject}。{body}")
        items.append({"id": notice.public_id, "subject": subject})
    parts.append("广播完毕。")
    return ("\n".join(parts) if items else ""), items


def broadcast_register(*, village: Region, day: dt.date) -> tuple[Clip, list[dict[str, str]]]:
    """The day's broadcast as a clip (its words stored; the audio is made when first fetched)."""
    text, items = broadcast_text(village=village, day=day)
    # One file for the whole day, capped at ten times a page's limit.
    return clip_register(text=text, limit=settings.VOICE_MAX_CHARS * 10), items


@transaction.atomic
def broadcast_mark(*, village: Region, day: dt.date, at: dt.time, actor: User) -> VoiceBroadcast:
    """Record that the day's broadcast was aired at `at` (local time) by the operator."""
    clip, items = broadcast_register(village=village, day=day)
    if not items:
        raise ValidationError(_("There is nothing to broadcast on this day."), code="empty")
    start, _end = selectors.day_bounds(day)
    aired = start.replace(hour=at.hour, minute=at.minute)
    if aired > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError(_("A broadcast can only be marked once it has been aired."), code="future")
    row = VoiceBroadcast.objects.create(
        village=village, date=day, items=items, file_hash=clip.key, broadcast_at=aired, by=actor
    )
    # Each notice aired counts the loudspeaker as a reach channel for the village's members it concerns.
    heard = loudspeaker_record(notice_ids=[i["id"] for i in items], village_id=village.pk, at=aired)
    audit_record(
        actor=actor,
        action=VoiceEvent.BROADCAST_MARK,
        obj=row,
        region_code=village.code,
        after={"date": day.isoformat(), "at": at.strftime("%H:%M"), "items": len(items), "heard": heard},
    )
    return row
