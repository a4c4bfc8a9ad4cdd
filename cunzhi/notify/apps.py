from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "cunzhi.notify"
    label = "notify"
    verbose_name = _("Notifications")

    def ready(self):
        from cunzhi.core.jobs import register_job
        from cunzhi.notify import services

        register_job(
            "notify.retry_due",
            lambda: services.deliveries_enqueue_due(),
            every_minutes=1,
            description=_("Send notifications that are due: retries, deferred texts, lost batches."),
        )
