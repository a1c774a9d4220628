"""Reads of the reports app, scoped: issued reports, the areas a user reports on, trends."""

from __future__ import annotations

import datetime as dt

from django.db.models import Max, QuerySet

from fangkong.core.scoping import area_model, areas_for
from fangkong.reports.filtersets import DailyReportFilterSet
from fangkong.reports.models import DailyFigure, DailyReport, NightlyRun

VIEW_PERM = "reports.view_dailyreport"


def report_areas_for(actor) -> QuerySet:
    """District and town areas in the actor's jurisdiction for reports (top first)."""
    Area = area_model()
    return (
        areas_for(actor, VIEW_PERM)
        .filter(level__in=[Area.Level.DISTRICT, Area.Level.TOWN])
        .order_by("path")
    )


def default_area(actor):
    """The actor's own area: the highest district or town they read reports for."""
    return report_areas_for(actor).order_by("level", "path").first()


def report_area_get(*, actor, area_id) -> object | None:
    """One of the actor's report areas by id, or ``None`` (missing and out of scope alike)."""
    try:
        return report_areas_for(actor).get(pk=int(area_id))
    except (ValueError, TypeError, area_model().DoesNotExist):
        return None


def report_list(
    *, actor, area=None, day: dt.date | None = None, filters: dict | None = None
) -> QuerySet[DailyReport]:
    """Issued reports the actor may read (every revision), newest first; ``filters`` are the
    query parameters of ``DailyReportFilterSet`` (validated by the caller)."""
    qs = DailyReport.objects.restrict(actor, "view").select_related("area", "issued_by")
    if area is not None:
        qs = qs.filter(area=area)
    if day is not None:
        qs = qs.filter(day=day)
    if filters:
        qs = DailyReportFilterSet(filters, queryset=qs, actor=actor).qs
    return qs.order_by("-day", "area__path", "-revision")


def report_get(*, actor, pk: int) -> DailyReport:
    """One issued report in the actor's areas (``DoesNotExist`` otherwise)."""
    return (
        DailyReport.objects.restrict(actor, "view").select_related("area", "issued_by").get(pk=pk)
    )


def latest_issued(*, actor, area, day: dt.date) -> DailyReport | None:
    return report_list(actor=actor, area=area, day=day).first()


def latest_day(*, actor, area) -> dt.date | None:
    return report_list(actor=actor, area=area).aggregate(d=Max("day"))["d"]


def trend_series(
    *, actor, area, keys: list[str], first: dt.date, last: dt.date
) -> dict[str, list[tuple[dt.date, int]]]:
    """Issued daily values of ``keys`` for ``area`` between two days, in one indexed query."""
    rows = (
        DailyFigure.objects.restrict(actor, perm=VIEW_PERM)
        .filter(area=area, key__in=keys, day__gte=first, day__lte=last)
        .order_by("day")
        .values_list("key", "day", "value")
    )
    out: dict[str, list[tuple[dt.date, int]]] = {k: [] for k in keys}
    for key, day, value in rows:
        out[key].append((day, value))
    return out


def trend_keys(*, actor, area, last: dt.date) -> set[str]:
    """The figure keys issued for ``area`` on ``last`` (what the trends can show)."""
    return set(
        DailyFigure.objects.restrict(actor, perm=VIEW_PERM)
        .filter(area=area, day=last)
        .values_list("key", flat=True)
    )


def nightly_runs(limit: int = 7) -> list[NightlyRun]:
    """The nightly job's last runs (district-wide facts: a day and a status, no figures)."""
    return list(NightlyRun.objects.order_by("-day")[:limit])
