from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo county (`manage.py seed_demo`): synthetic data built through every domain's services.

    It sits in the top layer beside api and web: it knows every domain and no domain knows it.
    """

    name = "cunzhi.demo"
    label = "demo"
    verbose_name = _("Demo county")
