"""Background tasks of the observation module (django-tasks, the same DB-backed queue as the
jobs). ``escalate_missed_checks_task`` is what a scheduler enqueues every 30 minutes when no
cron runs the management command (docs/deployment.md)."""

from django_tasks import task

from fangkong.observation.services import escalate_missed_checks


@task(queue_name="default")
def escalate_missed_checks_task(days: int = 2) -> dict:
    return escalate_missed_checks(days=days)
