"""System checks of our own: deployment secrets (`manage.py check --deploy`), the holiday calendar, the site address."""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.utils import timezone


@checks.register(checks.Tags.security, deploy=True)
def production_secrets(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[checks.CheckMessage]:
    problems: list[checks.CheckMessage] = []
    if "insecure-demo-key" in settings.SECRET_KEY:
        problems.append(checks.Warning("SECRET_KEY is not set; the demo key is public.", id="cunzhi.W001"))
    if not settings.FIELD_ENCRYPTION_KEY:
        problems.append(
            checks.Warning(
                "FIELD_ENCRYPTION_KEY is not set; ID numbers are encrypted with a key derived from SECRET_KEY.",
                id="cunzhi.W002",
            )
        )
    if "insecure-demo-witness-key" in settings.LEDGER_WITNESS_KEY:
        problems.append(
            checks.Warning(
                "LEDGER_WITNESS_KEY is not set; the ledger's seals use the public demo key, so a rewritten "
                "ledger could be re-sealed.",
                id="cunzhi.W421",
            )
        )
    if not settings.REDIS_URL:
        problems.append(
            checks.Warning(
                "REDIS_URL is not set; rate limits use the database cache, which is not atomic.", id="cunzhi.W003"
            )
        )
    return problems


# Deadlines started today can run this far: the longest common working-day limits (30 to 60 working
# days) end within about three months.
CALENDAR_HORIZON_DAYS = 92


def holiday_calendar_problems(today: dt.date) -> list[checks.CheckMessage]:
    """A warning when limits started today may run into a year the holiday calendar does not know."""
    from cunzhi.core.workdays import last_known_year

    last = last_known_year()
    reach = (today + dt.timedelta(days=CALENDAR_HORIZON_DAYS)).year
    if reach <= last:
        return []
    return [
        checks.Warning(
            f"The holiday calendar (chinese-calendar) knows the State Council's arrangement up to {last}; "
            f"working-day limits that run into {last + 1} are counted Monday to Friday and shown as estimates.",
            hint="Upgrade chinese-calendar (pip install -U chinese-calendar) once the arrangement for "
            f"{last + 1} is published.",
            id="cunzhi.W004",
        )
    ]


@checks.register()
def holiday_calendar(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[checks.CheckMessage]:
    return holiday_calendar_problems(timezone.localdate())


@checks.register()
def site_url_check(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[checks.CheckMessage]:
    """SITE_URL builds every link in texts, e-mails and PDFs: without scheme and host they all break."""
    from urllib.parse import urlsplit

    parts = urlsplit(settings.SITE_URL or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return [
            checks.Error(
                f"SITE_URL must be an address like https://cunzhi.example.gov.cn, got {settings.SITE_URL!r}.",
                id="cunzhi.E401",
            )
        ]
    return []
