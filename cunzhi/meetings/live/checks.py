"""System checks: without ffmpeg a meeting cannot be streamed; without hls.js (npm ci) browsers without
native HLS cannot play it. The pages still work, and say so."""

import shutil
from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks


@checks.register()
def live_programs(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[checks.CheckMessage]:
    found: list[checks.CheckMessage] = []
    if shutil.which(settings.MEETINGS_LIVE_FFMPEG) is None:
        found.append(
            checks.Warning(
                f"{settings.MEETINGS_LIVE_FFMPEG} is not installed: meetings cannot be streamed live.",
                hint="apt-get install ffmpeg (scripts/setup.sh installs it).",
                id="cunzhi.W601",
            )
        )
    if not (settings.NODE_MODULES / "hls.js" / "dist" / "hls.light.min.js").is_file():
        found.append(
            checks.Warning(
                "hls.js is not installed: browsers without native HLS cannot play a meeting's live stream.",
                hint="npm ci (scripts/setup.sh runs it).",
                id="cunzhi.W602",
            )
        )
    return found
