from django.core.management.base import BaseCommand

from fangkong.alerts.services import alerts_escalate


class Command(BaseCommand):
    help = (
        "Escalate open alerts nobody acknowledged within FANGKONG_ALERT_ESCALATION_MINUTES "
        "one level up the area tree; run every minute."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"escalated {alerts_escalate()}")
