"""Background work for notifications: delivery batches and periodic job runs (django-tasks)."""

from django_tasks import task

from cunzhi.notify import services


@task()
def deliver_batch_task(*, token: str) -> dict:
    """Send one batch of deliveries (those claimed under `token`)."""
    return services.deliveries_send(token=token)


@task()
def job_run_task(*, run_id: int) -> str:
    """Run one periodic job slot and record the outcome on its JobRun row."""
    from cunzhi.notify.jobs import job_execute

    return job_execute(run_id=run_id)
