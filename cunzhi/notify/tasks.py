"""Background work for notifications: delivery batches and periodic job runs (django-tasks)."""

from django_tasks import task

from cunzhi.notify import services, sms


@task()
def deliver_batch_task(*, token: str) -> dict:
    """Send one batch of deliveries (those claimed under `token`)."""
    return services.deliveries_send(token=token)


@task()
def job_run_task(*, run_id: int) -> str:
    """Run one periodic job slot and record the outcome on its JobRun row."""
    from cunzhi.notify.jobs import job_execute

    return job_execute(run_id=run_id)


@task()
def sms_answer_task(*, inbound_id: int) -> str:
    """Send the answer to one text a phone sent (notify/sms.py)."""
    return sms.inbound_answer_send(inbound_id=inbound_id)
