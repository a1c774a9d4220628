"""Hard-delete soft-deleted records once their retention period has passed.

Deletion of personal records is a soft delete with a reason (DESIGN.md, audit); this command is
the retention purge that follows. Change-history rows are kept: they are the audit trail and
are removed, after their own retention, only by ``prune_logs``.
"""

from __future__ import annotations

from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction
from django.db.models.deletion import ProtectedError, RestrictedError
from django.utils import timezone
from simple_history.models import HistoricalChanges

MIN_DAYS = 30


def soft_deletable_models() -> list:
    """Models with a ``deleted_at`` column, except simple_history's own tables."""
    return [
        model
        for model in apps.get_models()
        if not issubclass(model, HistoricalChanges)
        and not model._meta.proxy
        and any(f.name == "deleted_at" for f in model._meta.concrete_fields)
    ]


class Command(BaseCommand):
    help = "Hard-delete soft-deleted records older than the retention period (default from "
    "FANGKONG_SOFT_DELETE_RETENTION_DAYS; never fewer than 30 days)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=None, help=f"Retention in days (at least {MIN_DAYS})."
        )
        parser.add_argument("--dry-run", action="store_true", help="Count only; delete nothing.")

    def handle(self, *args, days=None, dry_run=False, **options):
        days = settings.FANGKONG_SOFT_DELETE_RETENTION_DAYS if days is None else days
        if days < MIN_DAYS:
            raise CommandError(
                f"--days {days} is too short: soft-deleted records are kept at "
                f"least {MIN_DAYS} days so that a mistaken deletion can be undone."
            )
        cutoff = timezone.now() - timedelta(days=days)
        total = kept = 0
        for model in soft_deletable_models():
            qs = model._base_manager.filter(deleted_at__isnull=False, deleted_at__lt=cutoff)
            if dry_run:
                n, blocked = qs.count(), 0
            else:
                n, blocked = self._purge(qs)
            total += n
            kept += blocked
            if n or blocked:
                self.stdout.write(
                    f"{model._meta.label}: {n} purged"
                    + (f", {blocked} still referenced and kept" if blocked else "")
                )
        verb = "Would purge" if dry_run else "Purged"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {total} records deleted before {cutoff:%Y-%m-%d}"
                + (f"; {kept} kept because other records still point to them." if kept else ".")
            )
        )

    @staticmethod
    def _purge(qs) -> tuple[int, int]:
        model = qs.model
        try:
            with transaction.atomic():
                # Model.delete() per object, so signals (history's deletion record) fire. A list,
                # not iterator(): a server-side cursor would outlive a rolled-back savepoint.
                objs = list(qs)
                for obj in objs:
                    obj.delete()
                count = len(objs)
            return count, 0
        except (ProtectedError, RestrictedError, IntegrityError):
            pass
        # Some rows are still referenced (e.g. an area with live children): purge the others.
        count = blocked = 0
        for pk in list(qs.values_list("pk", flat=True)):
            try:
                with transaction.atomic():
                    model._base_manager.get(pk=pk).delete()
                count += 1
            except (ProtectedError, RestrictedError, IntegrityError):
                blocked += 1
        return count, blocked
