"""Reads of the big-data module, always scoped to the actor's jurisdiction."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from fangkong.bigdata.filtersets import (
    CarrierListFilterSet,
    ListRowFilterSet,
    VerificationOutcomeFilterSet,
    VerificationTaskFilterSet,
)
from fangkong.bigdata.models import CarrierList, ListRow, VerificationOutcome, VerificationTask


def carrier_list_list(*, actor, filters: dict | None = None) -> QuerySet[CarrierList]:
    qs = CarrierList.objects.restrict(actor, "view").select_related("area", "job")
    return CarrierListFilterSet(filters or {}, queryset=qs, actor=actor).qs


def list_row_list(*, actor, filters: dict | None = None) -> QuerySet[ListRow]:
    qs = ListRow.objects.restrict(actor, "view").select_related("carrier_list", "person")
    return ListRowFilterSet(filters or {}, queryset=qs, actor=actor).qs


def task_list(*, actor, filters: dict | None = None) -> QuerySet[VerificationTask]:
    qs = VerificationTask.objects.restrict(actor, "view").select_related(
        "area", "person", "carrier_list"
    )
    return VerificationTaskFilterSet(filters or {}, queryset=qs, actor=actor).qs


def outcome_list(*, actor, filters: dict | None = None) -> QuerySet[VerificationOutcome]:
    qs = VerificationOutcome.objects.restrict(actor, "view").select_related("task")
    return VerificationOutcomeFilterSet(filters or {}, queryset=qs, actor=actor).qs


def list_progress(*, actor, carrier_list: CarrierList) -> list[dict]:
    """Verified / pending / overdue tasks of one list, by town, within the actor's scope: one
    grouped query. Leads still in the district pool are a row of their own."""
    from fangkong.places.models import Area

    now = timezone.now()
    tasks = VerificationTask.objects.restrict(actor, "view").filter(carrier_list=carrier_list)
    root = carrier_list.area
    towns = list(Area.objects.filter(parent=root).order_by("code")) or [root]
    rows = []
    for town in towns:
        rows.append({"area": town, "path": town.path})
    totals = {"verified": 0, "pending": 0, "overdue": 0}
    counts = (
        tasks.values("area__path")
        .annotate(
            verified=Count("id", filter=Q(status="verified")),
            pending=Count("id", filter=Q(status="pending")),
            overdue=Count("id", filter=Q(status="pending", due_at__lt=now)),
        )
        .order_by()
    )
    pool = {"area": None, "path": "", "verified": 0, "pending": 0, "overdue": 0}
    for r in rows:
        r.update(verified=0, pending=0, overdue=0)
    for c in counts:
        target = next((r for r in rows if c["area__path"].startswith(r["path"])), None)
        if target is None or (target["area"] == root and len(rows) > 1):
            target = pool
        for key in totals:
            target[key] += c[key]
            totals[key] += c[key]
    for r in [*rows, pool]:
        done = r["verified"] + r["pending"]
        r["percent"] = round(100 * r["verified"] / done) if done else 0
    return [r for r in rows if r["verified"] + r["pending"]] + (
        [pool] if pool["verified"] + pool["pending"] else []
    ), totals


def candidates_for(*, actor, row: ListRow) -> list:
    """The persons an ambiguous row could be (shown masked). They lie inside the list's area,
    which the actor covers (the row was fetched in scope)."""
    from fangkong.people.models import Person

    return list(
        Person.all_objects.filter(pk__in=row.candidates, deleted_at__isnull=True).select_related(
            "area", "household"
        )
    )
