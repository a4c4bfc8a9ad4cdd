"""The audit actions of api, with what a person reads for each (core/events.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cunzhi.core.events import register


@register
class ApiEvent(models.TextChoices):
    API_TOKEN_ISSUE = "api_token.issue", _("API token issued")
    API_TOKEN_REVOKE = "api_token.revoke", _("API token revoked")
