from django.core.management.base import BaseCommand

from fangkong.command.services import tasks_escalate_overdue


class Command(BaseCommand):
    help = "Raise an alert (once per task) for every open task past its deadline; run every minute."

    def handle(self, *args, **options):
        self.stdout.write(f"overdue tasks escalated: {tasks_escalate_overdue()}")
