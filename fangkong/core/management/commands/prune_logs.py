"""Remove access-log, security-event and change-history rows past their retention period.

Audit and access logs are kept at least 180 days (MLPS level 3) and no screen or API edits
them: ``ImmutableModel`` refuses ``save()`` on an existing row and ``delete()`` on any row.
This command is the one place that removes log rows, and it does so deliberately with
``QuerySet.delete()`` inside ``allow_log_pruning()``; everywhere else the log models' queryset
refuses bulk ``delete()`` and ``update()``.

For change history, each record that still exists keeps its most recent history row even when
it is old, so its page can still say who last changed it.
"""

from __future__ import annotations

from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from simple_history.models import HistoricalChanges

from fangkong.core.idempotency import batch_receipt_purge, idempotency_purge
from fangkong.core.models import AccessLog, SecurityEvent, allow_log_pruning

MIN_DAYS = 180


class Command(BaseCommand):
    help = (
        "Delete access-log, security-event and change-history rows older than N days "
        f"(default FANGKONG_LOG_RETENTION_DAYS; never fewer than {MIN_DAYS})."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=None, help=f"Retention in days (at least {MIN_DAYS})."
        )

    def handle(self, *args, days=None, **options):
        days = settings.FANGKONG_LOG_RETENTION_DAYS if days is None else days
        if days < MIN_DAYS:
            raise CommandError(
                f"--days {days} is too short: audit and access logs must be kept at least "
                f"{MIN_DAYS} days (MLPS level 3)."
            )
        cutoff = timezone.now() - timedelta(days=days)
        with transaction.atomic():
            for model in (AccessLog, SecurityEvent):
                with allow_log_pruning():
                    n, _ = model._base_manager.filter(at__lt=cutoff).delete()
                self.stdout.write(f"{model._meta.label}: {n} rows older than {days} days removed")
            for model in apps.get_models():
                if issubclass(model, HistoricalChanges):
                    n = self._prune_history(model, cutoff)
                    if n:
                        self.stdout.write(f"{model._meta.label}: {n} history rows removed")
        # Stored answers to retried API creates are not audit records: a week covers any phone
        # that comes back online to retry.
        forgotten = idempotency_purge(older_than=timedelta(days=7))
        self.stdout.write(f"core.IdempotencyRecord: {forgotten} stored answers older than 7 days")
        receipts = batch_receipt_purge()
        self.stdout.write(f"core.BatchReceipt: {receipts} client ids of old batch writes forgotten")
        self.stdout.write(self.style.SUCCESS(f"Logs before {cutoff:%Y-%m-%d} pruned."))

    @staticmethod
    def _prune_history(model, cutoff) -> int:
        source = model.instance_type
        pk_name = source._meta.pk.attname
        live = source._base_manager.values("pk")
        latest_of_live = (
            model._base_manager.filter(**{f"{pk_name}__in": live})
            .values(pk_name)
            .annotate(last=Max("history_id"))
            .values("last")
        )
        old = model._base_manager.filter(history_date__lt=cutoff).exclude(
            history_id__in=latest_of_live
        )
        n, _ = old.delete()
        return n
