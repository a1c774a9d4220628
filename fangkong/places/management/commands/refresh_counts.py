"""``manage.py refresh_counts``: recount the kept per-area counts from the tables.

Run after anything that writes persons or households without their services (bulk loads,
restores, SQL by hand); the services keep the counts current by themselves. Safe to run while
the application serves: a write landing meanwhile is neither lost nor counted twice.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from fangkong.places import counts


class Command(BaseCommand):
    help = "Recount the kept per-area counts (home, area browser, list pagers) from the tables."

    def handle(self, *args, **options):
        started = time.perf_counter()
        totals = counts.refresh()
        summary = ", ".join(f"{kind} {n:,}" for kind, n in sorted(totals.items()))
        self.stdout.write(
            self.style.SUCCESS(
                f"Kept counts refreshed in {time.perf_counter() - started:.1f} s: {summary}."
            )
        )
