"""What the loudspeaker played: one row each time a village's operator marks a day's broadcast as aired."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cunzhi.regions.models import Region


class VoiceBroadcast(models.Model):
    """A village's broadcast of a day's announcements, as one audio file, marked aired by its operator."""

    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("village"))
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    date = models.DateField(_("date"))
    # What was read, in order: [{"id": notice public id, "subject": its subject}] as it was that day.
    items = models.JSONField(default=list)
    file_hash = models.CharField(max_length=64)  # the clip's key (voice.services.clip_key): the exact file aired
    broadcast_at = models.DateTimeField(_("broadcast at"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-broadcast_at", "-id"]
        verbose_name = _("loudspeaker broadcast")
        verbose_name_plural = _("loudspeaker broadcasts")
        indexes = [models.Index(fields=["region_code", "date"], name="voice_broadcast_day")]

    def __str__(self) -> str:
        return f"{self.region_code} {self.date} {self.broadcast_at:%H:%M}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.region_code = self.village.code
        super().save(*args, **kwargs)
