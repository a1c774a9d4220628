"""Reads of the checkpoints app: scoped lists, the ledger of a day, hourly counts."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, QuerySet
from django.db.models.functions import ExtractHour
from django.utils import timezone

from fangkong.checkpoints.filtersets import CheckpointFilterSet, PassageFilterSet, ShiftFilterSet
from fangkong.checkpoints.models import Checkpoint, Passage, Shift


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Local 00:00 and 24:00 of ``day`` (aware)."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, start + dt.timedelta(days=1)


def checkpoint_list(*, actor, filters: dict | None = None) -> QuerySet[Checkpoint]:
    queryset = Checkpoint.objects.restrict(actor, "view").select_related("area")
    return CheckpointFilterSet(filters or {}, queryset=queryset, actor=actor).qs


def shift_list(*, actor, filters: dict | None = None) -> QuerySet[Shift]:
    queryset = Shift.objects.restrict(actor, "view").select_related(
        "checkpoint", "checkpoint__area", "user"
    )
    return ShiftFilterSet(filters or {}, queryset=queryset, actor=actor).qs


def passage_list(*, actor, filters: dict | None = None) -> QuerySet[Passage]:
    queryset = Passage.objects.restrict(actor, "view").select_related(
        "checkpoint", "checkpoint__area"
    )
    return PassageFilterSet(filters or {}, queryset=queryset, actor=actor).qs


def ledger(*, actor, checkpoint: Checkpoint, day: dt.date) -> QuerySet[Passage]:
    """The passages of one checkpoint on one local day, in the order they passed (the paper
    ledger's order); the checkpoint has been fetched in the actor's scope."""
    start, end = day_bounds(day)
    return (
        Passage.objects.restrict(actor, "view")
        .filter(checkpoint=checkpoint, at__gte=start, at__lt=end)
        .order_by("at", "id")
    )


def hourly_counts(*, actor, checkpoint: Checkpoint, day: dt.date) -> list[dict]:
    """24 rows ``{"hour", "in", "out", "fever"}`` of one checkpoint's day (local hours)."""
    rows = [{"hour": h, "in": 0, "out": 0, "fever": 0} for h in range(24)]
    tz = timezone.get_current_timezone()
    grouped = (
        ledger(actor=actor, checkpoint=checkpoint, day=day)
        .annotate(hour=ExtractHour("at", tzinfo=tz))
        .values("hour", "direction", "fever")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in grouped:
        slot = rows[row["hour"]]
        slot[row["direction"]] += row["n"]
        if row["fever"]:
            slot["fever"] += row["n"]
    return rows


def shifts_of_week(*, actor, start: dt.date, checkpoint: Checkpoint | None = None):
    """The roster of the seven days from ``start`` in the actor's scope."""
    begin, _end = day_bounds(start)
    end = begin + dt.timedelta(days=7)
    queryset = Shift.objects.restrict(actor, "view").filter(start__lt=end, end__gt=begin)
    if checkpoint is not None:
        queryset = queryset.filter(checkpoint=checkpoint)
    return queryset.select_related("checkpoint", "user").order_by("checkpoint__name", "start")


def shifts_of_day(*, actor, checkpoint: Checkpoint, day: dt.date) -> QuerySet[Shift]:
    """The shifts at ``checkpoint`` running at any moment of ``day`` (the ledger's header)."""
    start, end = day_bounds(day)
    return (
        Shift.objects.restrict(actor, "view")
        .filter(checkpoint=checkpoint, start__lt=end, end__gt=start)
        .select_related("user")
        .order_by("start", "-duty")
    )


def today_counts(*, actor, checkpoints: list[Checkpoint], day: dt.date) -> dict[int, dict]:
    """``{checkpoint id: {"in", "out", "fever", "risk"}}`` of one day, in one grouped query."""
    start, end = day_bounds(day)
    out: dict[int, dict] = {}
    rows = (
        Passage.objects.restrict(actor, "view")
        .filter(checkpoint__in=checkpoints, at__gte=start, at__lt=end)
        .values("checkpoint_id", "direction", "fever", "risk_origin")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        slot = out.setdefault(row["checkpoint_id"], {"in": 0, "out": 0, "fever": 0, "risk": 0})
        slot[row["direction"]] += row["n"]
        slot["fever"] += row["n"] if row["fever"] else 0
        slot["risk"] += row["n"] if row["risk_origin"] else 0
    return out
