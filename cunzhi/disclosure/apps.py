from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisclosureConfig(AppConfig):
    name = "cunzhi.disclosure"
    label = "disclosure"
    verbose_name = _("Disclosure")
