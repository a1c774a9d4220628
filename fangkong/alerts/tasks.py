"""Background tasks of the alerts app (django-tasks, database backend; ``manage.py db_worker``).

django-tasks has no clock of its own: ``docs/deployment.md`` shows the cron/systemd lines that
run ``manage.py send_sms`` and ``manage.py escalate_alerts`` every minute; queueing a message
also enqueues ``send_sms_task`` so it goes out at once when the worker is up."""

from django_tasks import task


@task(queue_name="default")
def send_sms_task() -> dict:
    from fangkong.alerts.sms import send_due_sms

    return send_due_sms()


@task(queue_name="default")
def escalate_alerts_task() -> int:
    from fangkong.alerts.services import alerts_escalate

    return alerts_escalate()
