"""Raise alerts for observation checks that were missed (village first, then town).

Idempotent: each missed check is raised once per level however often this runs. Schedule it
every 30 minutes (cron, a systemd timer, or the django-tasks task
``fangkong.observation.tasks.escalate_missed_checks_task``); see docs/deployment.md."""

from django.core.management.base import BaseCommand

from fangkong.observation.services import escalate_missed_checks


class Command(BaseCommand):
    help = "Alert the village, then the town, about missed observation checks."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=2, help="How many past days to look at (default 2)."
        )

    def handle(self, *args, days, **options):
        raised = escalate_missed_checks(days=days)
        self.stdout.write(
            f"missed-check alerts raised: village {raised['village']}, town {raised['town']}"
        )
