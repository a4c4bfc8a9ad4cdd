from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "cunzhi.insights"
    label = "insights"
    verbose_name = _("Figures")

    def ready(self) -> None:
        from cunzhi.core.jobs import register_job
        from cunzhi.insights import services

        # Nightly: the daily roll-ups of the trailing window (services.py says why a window, not a day).
        register_job(
            "insights.rollup",
            services.rollup_nightly,
            every_minutes=24 * 60,
            description=_("Recompute the stored daily figures of the last 120 days."),
        )
