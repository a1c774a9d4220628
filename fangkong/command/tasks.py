"""Background task of the command app (django-tasks; scheduled as docs/deployment.md says)."""

from django_tasks import task


@task(queue_name="default")
def escalate_overdue_tasks_task() -> int:
    from fangkong.command.services import tasks_escalate_overdue

    return tasks_escalate_overdue()
