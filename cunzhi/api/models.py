"""Bearer tokens for scripts and department systems. Only a hash of each token is stored."""

from django.conf import settings
from django.db import models

from cunzhi.core.models import TimeStamped


class ApiToken(TimeStamped):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    # First characters of the token, to tell tokens apart in lists without revealing them.
    key_prefix = models.CharField(max_length=8)
    name = models.CharField(max_length=100, blank=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
