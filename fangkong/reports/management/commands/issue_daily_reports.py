"""Issue the daily situation reports: run by the scheduler a few minutes after midnight and
every 15 minutes after that (docs/deployment.md). Each run issues the days that are due — the
day that just ended, failed days whose retry time has come, days the scheduler missed (up to
``--days-back``) — and does nothing when all are issued, so running it often is cheap.

``--day YYYY-MM-DD`` issues one past day now (a report of a day not over yet is refused).
``--enqueue`` hands the work to the task worker instead of doing it in this process.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from fangkong.reports import services
from fangkong.reports.models import NightlyRun


class Command(BaseCommand):
    help = "Issue the daily situation reports that are due (nightly job; retries failed nights)."

    def add_arguments(self, parser):
        parser.add_argument("--day", help="issue this past day (YYYY-MM-DD) now")
        parser.add_argument("--days-back", type=int, default=7)
        parser.add_argument("--enqueue", action="store_true", help="run in the task worker")

    def handle(self, *args, day=None, days_back=7, enqueue=False, verbosity=1, **options):
        if day:
            try:
                days = [dt.date.fromisoformat(day)]
            except ValueError:
                raise CommandError(f"--day must be YYYY-MM-DD, not {day!r}") from None
            try:
                services.check_day(days[0])
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from None
        else:
            days = services.nightly_due(days_back=days_back)
        failed = 0
        for d in days:
            if enqueue:
                from fangkong.reports.tasks import issue_nightly_reports

                NightlyRun.objects.get_or_create(day=d)
                issue_nightly_reports.enqueue(d.isoformat())
                if verbosity:
                    self.stdout.write(f"{d}: queued")
                continue
            run = services.nightly_issue(day=d)
            failed += run.status == NightlyRun.Status.FAILED
            if verbosity:
                self.stdout.write(f"{d}: {run.status} ({run.reports} reports) {run.error}".rstrip())
        if failed:
            raise CommandError(f"{failed} day(s) failed; they are retried on a later run")
