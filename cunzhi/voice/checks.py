"""The system check: without espeak-ng or ffmpeg the pages still work, without their listen control."""

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks

from cunzhi.voice import speech


@checks.register()
def speech_programs(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[checks.CheckMessage]:
    if speech.available():
        return []
    return [
        checks.Warning(
            f"{settings.VOICE_ESPEAK} or {settings.VOICE_FFMPEG} is not installed: pages show no listen control "
            "and the loudspeaker's broadcast cannot be made.",
            hint="apt-get install espeak-ng ffmpeg (scripts/setup.sh installs both).",
            id="cunzhi.W501",
        )
    ]
