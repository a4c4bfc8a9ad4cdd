"""Deployment checks of our own, shown by `manage.py check --deploy`."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def production_secrets(app_configs, **kwargs):
    problems = []
    if "insecure-demo-key" in settings.SECRET_KEY:
        problems.append(checks.Warning("SECRET_KEY is not set; the demo key is public.", id="cunzhi.W001"))
    if not settings.FIELD_ENCRYPTION_KEY:
        problems.append(checks.Warning(
            "FIELD_ENCRYPTION_KEY is not set; ID numbers are encrypted with a key derived from SECRET_KEY.",
            id="cunzhi.W002"))
    if not settings.REDIS_URL:
        problems.append(checks.Warning(
            "REDIS_URL is not set; rate limits use the database cache, which is not atomic.",
            id="cunzhi.W003"))
    return problems
