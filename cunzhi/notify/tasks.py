"""Background work for notifications: delivery batches, answers to texts (django-tasks).

Periodic jobs run from core.jobs.
"""

from django_tasks import task

from cunzhi.notify import services, sms


@task()
def deliver_batch_task(*, token: str) -> dict:
    """Send one batch of deliveries (those claimed under `token`)."""
    return services.deliveries_send(token=token)


@task()
def sms_answer_task(*, inbound_id: int) -> str:
    """Send the answer to one text a phone sent (notify/sms.py)."""
    return sms.inbound_answer_send(inbound_id=inbound_id)
