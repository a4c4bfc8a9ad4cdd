"""The audit actions of regions, with what a person reads for each (core/events.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cunzhi.core.events import register


@register
class RegionEvent(models.TextChoices):
    REGION_CREATE = "region.create", _("Region created")
    REGIONS_IMPORT = "regions.import", _("Region tree imported")
