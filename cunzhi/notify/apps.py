from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "cunzhi.notify"
    label = "notify"
    verbose_name = _("Notifications")

    def ready(self):
        from cunzhi.notify import jobs, services

        jobs.job_register(
            "notify.retry_due",
            lambda: services.deliveries_enqueue_due(),
            every_minutes=1,
            description=_("Send notifications that are due: retries, deferred texts, lost batches."),
        )
        jobs.job_register(
            "notify.prune_job_runs",
            lambda: jobs.job_runs_prune(),
            every_minutes=24 * 60,
            description=_("Remove job-run records older than 30 days."),
        )
        # People sits below notify and cannot reach the job registry itself (DESIGN.md layers).
        from cunzhi.people import roster

        jobs.job_register(
            "people.roster_files_expire",
            lambda: roster.roster_files_expire(),
            every_minutes=60,
            description=_("Delete uploaded roster files (full ID numbers) not imported within ROSTER_FILE_KEEP_DAYS."),
        )
