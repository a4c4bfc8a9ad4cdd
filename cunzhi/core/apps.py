from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "cunzhi.core"
    label = "core"

    def ready(self):
        from django.utils.module_loading import autodiscover_modules

        from cunzhi.core import (
            checks,  # noqa: F401  (registers system checks)
            lookups,  # noqa: F401  (registers field__under, the range of area codes)
        )

        # Every domain's declared audit actions, so any page can label any event (core/events.py).
        autodiscover_modules("events")

        from cunzhi.core import jobs

        # The job keeps the name it had when the scheduler lived in notify: its runs are recorded under it,
        # and a new name would show as "never ran" (a late-job warning) until its first daily run.
        jobs.register_job(
            "notify.prune_job_runs",
            lambda: jobs.job_runs_prune(),
            every_minutes=24 * 60,
            description=_("Remove job-run records older than 30 days."),
        )
        jobs.register_job(
            "core.cache_cull",
            jobs.cache_cull,
            every_minutes=5,
            description=_("Keep the database cache within its size: remove expired and surplus entries."),
        )
        jobs.register_job(
            "core.database_statistics",
            jobs.database_statistics_refresh,
            every_minutes=24 * 60,
            description=_("Refresh the database's statistics, from which it chooses how to answer each query."),
        )
