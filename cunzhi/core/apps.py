from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cunzhi.core"
    label = "core"

    def ready(self):
        from django.utils.module_loading import autodiscover_modules

        from cunzhi.core import checks  # noqa: F401  (registers system checks)

        # Every domain's declared audit actions, so any page can label any event (core/events.py).
        autodiscover_modules("events")
