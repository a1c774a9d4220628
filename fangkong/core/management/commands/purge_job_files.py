"""Delete job files (exports, rejected-rows reports, leftover uploads) past their time."""

from django.conf import settings
from django.core.management.base import BaseCommand

from fangkong.core.jobs import job_files_purge


class Command(BaseCommand):
    help = (
        "Delete job files of jobs finished more than FANGKONG_JOB_FILE_TTL_HOURS ago, and "
        "unreferenced files as old. Run it hourly (cron or a systemd timer); workers also run "
        "it before each job."
    )

    def handle(self, *args, **options):
        count = job_files_purge()
        self.stdout.write(
            f"{count} job file(s) deleted (older than {settings.FANGKONG_JOB_FILE_TTL_HOURS} h)."
        )
