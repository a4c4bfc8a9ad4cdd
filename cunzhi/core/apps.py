from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cunzhi.core"
    label = "core"

    def ready(self):
        from cunzhi.core import checks  # noqa: F401  (registers system checks)
