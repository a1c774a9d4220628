"""Mark failed the running jobs whose worker died (its lease ran out)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from fangkong.core.jobs import jobs_reclaim_stale


class Command(BaseCommand):
    help = (
        "Mark failed every running job whose worker has not renewed its lease for "
        "FANGKONG_JOB_LEASE_SECONDS, and its task row; the owner can retry it."
    )

    def handle(self, *args, **options):
        count = jobs_reclaim_stale()
        self.stdout.write(
            f"{count} job(s) reclaimed (lease {settings.FANGKONG_JOB_LEASE_SECONDS} s)."
        )
