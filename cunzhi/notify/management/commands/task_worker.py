"""`manage.py task_worker`: run a worker for whichever task backend TASKS_BACKEND chose.

database → django_tasks_db's `db_worker`; rq → django_rq's `rqworker` with the Job class that runs
Django tasks (without it RQ cannot call them). Start as many as needed, on any machine that reaches
the database (and Redis).
"""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

RQ_JOB_CLASS = "django_tasks_rq.backend.Job"


class Command(BaseCommand):
    help = "Run a background task worker for the configured backend (TASKS_BACKEND=database or rq)."

    def add_arguments(self, parser):
        parser.add_argument("--burst", action="store_true", help="stop when the queue is empty")
        parser.add_argument("--interval", type=float, default=1, help="seconds between polls (database backend)")

    def handle(self, *args, burst, interval, **options):
        backend = settings.TASKS["default"]["BACKEND"]
        if backend == "django_tasks_rq.RQBackend":
            call_command("rqworker", *settings.RQ_QUEUES, job_class=RQ_JOB_CLASS, burst=burst)
        else:
            call_command("db_worker", interval=interval, batch=burst)
