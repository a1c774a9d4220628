"""Pages of the daily report and the dashboard: thin — parse, call a selector or service,
render. Every report and area is fetched inside the reader's jurisdiction (404 otherwise)."""

from __future__ import annotations

import datetime as dt
import fnmatch

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fangkong.core.figures import panels_for
from fangkong.core.scoping import covers, get_in_scope
from fangkong.core.views.common import require_perm
from fangkong.reports import documents, selectors, services
from fangkong.reports.compute import compute_report, first_day, local_today
from fangkong.reports.models import DailyReport, NightlyRun

VIEW = "reports.view_dailyreport"

# The dashboard's trend charts: which issued figures each shows, by key pattern
# ("<section>.<figure>"), so that a module's figures join the chart when it lands.
TRENDS = (
    (
        "observation",
        gettext_lazy("Medical observation"),
        ("observation.under_observation*", "observation.started", "key_persons.*"),
    ),
    (
        "checkpoints",
        gettext_lazy("Checkpoint volume"),
        ("checkpoints.passages", "checkpoints.persons", "checkpoints.vehicles", "checkpoints.*"),
    ),
    (
        "fevers",
        gettext_lazy("Fevers"),
        ("checkpoints.fever*", "medical.*fever*", "observation.*fever*", "surveys.*fever*"),
    ),
    ("surveys", gettext_lazy("Survey coverage"), ("surveys.*cover*", "surveys.*")),
)
MAX_SERIES = 4


def _parse_day(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _area_or_404(request: HttpRequest):
    """The ``area`` asked for (one of the reader's report areas) or the reader's own."""
    raw = request.GET.get("area") or request.POST.get("area")
    if raw:
        area = selectors.report_area_get(actor=request.user, area_id=raw)
        if area is None:
            raise Http404("area")
        return area
    area = selectors.default_area(request.user)
    if area is None:
        raise Http404("no report area")
    return area


def _report_or_404(request: HttpRequest, pk: int) -> DailyReport:
    return get_in_scope(
        model=DailyReport,
        user=request.user,
        action="view",
        pk=pk,
        lookup=lambda action: selectors.report_get(actor=request.user, pk=pk),
        request=request,
    )


def _display(report_doc: dict) -> list[dict]:
    """Sections with their rows ready for the template (cells with their links)."""
    units = report_doc.get("units", [])
    out = []
    for section in report_doc.get("sections", []):
        rows, external = [], []
        for f in section["figures"]:
            row = {
                **f,
                "cells": [
                    {
                        "value": f["by_unit"].get(str(u["id"]), 0),
                        "link": f.get("unit_links", {}).get(str(u["id"]), ""),
                    }
                    for u in units
                ],
            }
            (external if f["external"] else rows).append(row)
        out.append({**section, "rows": rows, "external_rows": external})
    return out


@require_perm(VIEW)
def report_index(request: HttpRequest) -> HttpResponse:
    """The report of one area and day: the issued one, or why there is none yet."""
    area = _area_or_404(request)
    yesterday = local_today() - dt.timedelta(days=1)
    day = _parse_day(request.GET.get("day"))
    if day is None:
        day = selectors.latest_day(actor=request.user, area=area) or yesterday
    report = selectors.latest_issued(actor=request.user, area=area, day=day)
    refusal = ""
    if report is None:
        try:
            services.check_day(day)
        except ValidationError as exc:
            refusal = " ".join(exc.messages)
    if report is not None:
        return _render_report(request, report)
    return render(
        request,
        "reports/report_missing.html",
        {
            "area": area,
            "day": day,
            "refusal": refusal,
            "can_issue": covers(request.user, services.ISSUE_PERM, area),
            "areas": selectors.report_areas_for(request.user),
            "recent": selectors.report_list(actor=request.user, area=area)[:10],
        },
    )


def _render_report(request: HttpRequest, report: DailyReport) -> HttpResponse:
    revisions = selectors.report_list(actor=request.user, area=report.area, day=report.day)
    return render(
        request,
        "reports/report_detail.html",
        {
            "report": report,
            "doc": report.figures,
            "sections": _display(report.figures),
            "has_external": any(
                f["external"] for s in report.figures.get("sections", []) for f in s["figures"]
            ),
            "units": report.figures.get("units", []),
            "revisions": revisions,
            "latest": revisions.first(),
            "area": report.area,
            "day": report.day,
            "areas": selectors.report_areas_for(request.user),
            "can_issue": covers(request.user, services.ISSUE_PERM, report.area),
            "doc_number": documents.doc_number(report),
            "prev_day": report.day - dt.timedelta(days=1),
            "next_day": report.day + dt.timedelta(days=1),
        },
    )


@require_perm(VIEW)
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_report(request, _report_or_404(request, pk))


@require_POST
@require_perm(VIEW)
def report_issue(request: HttpRequest) -> HttpResponse:
    """Issue the report of an area for a past day (once; the issued one if it exists)."""
    area = _area_or_404(request)
    day = _parse_day(request.POST.get("day"))
    if day is None:
        messages.error(request, _("Give the day as YYYY-MM-DD."))
        return redirect(f"{reverse('reports:report_index')}?area={area.pk}")
    try:
        report = services.report_issue(actor=request.user, area=area, day=day)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(f"{reverse('reports:report_index')}?area={area.pk}&day={day}")
    except PermissionDenied:
        raise
    return redirect("reports:report_detail", pk=report.pk)


@require_perm(VIEW)
def report_compare(request: HttpRequest, pk: int) -> HttpResponse:
    """Recompute the report now and show what changed since it was issued, figure by figure;
    the office may issue the recomputed figures as a corrected revision, with a reason."""
    report = _report_or_404(request, pk)
    can_issue = covers(request.user, services.ISSUE_PERM, report.area)
    error = ""
    if request.method == "POST":
        if not can_issue:
            raise PermissionDenied
        try:
            new = services.report_correct(
                actor=request.user, report=report, reason=request.POST.get("reason", "")
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("Corrected revision %(n)s issued.") % {"n": new.revision})
            return redirect("reports:report_detail", pk=new.pk)
    fresh = compute_report(area=report.area, day=report.day)
    diff = services.report_diff(report.figures, fresh)
    return render(
        request,
        "reports/report_compare.html",
        {
            "report": report,
            "diff": diff,
            "fresh": fresh,
            "can_issue": can_issue,
            "error": error,
            "area": report.area,
        },
    )


FORMATS = {
    "xlsx": (
        documents.render_xlsx,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "docx": (
        documents.render_docx,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "pdf": (documents.render_pdf, "application/pdf"),
}


def _export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    report = _report_or_404(request, pk)
    render_func, content_type = FORMATS[fmt]
    response = HttpResponse(render_func(report), content_type=content_type)
    name = f"{report.area.name}-{report.day.isoformat()}-{report.revision}.{fmt}"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@require_perm(VIEW)
def report_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    return _export(request, pk, "xlsx")


@require_perm(VIEW)
def report_docx(request: HttpRequest, pk: int) -> HttpResponse:
    return _export(request, pk, "docx")


@require_perm(VIEW)
def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return _export(request, pk, "pdf")


# --------------------------------------------------------------------------- dashboard


def _nightly_status() -> dict:
    """The nightly job's state for the dashboard: the last runs, and a warning when the last
    finished day has no issued run (failed, retrying, or never run at all)."""
    runs = selectors.nightly_runs()
    yesterday = local_today() - dt.timedelta(days=1)
    last = next((r for r in runs if r.day == yesterday), None)
    missing = yesterday >= first_day() and (last is None or last.status != NightlyRun.Status.DONE)
    return {"runs": runs, "yesterday": yesterday, "last": last, "missing": missing}


def _dashboard_context(request: HttpRequest) -> dict:
    area = _area_or_404(request)
    day = selectors.latest_day(actor=request.user, area=area)
    report = selectors.latest_issued(actor=request.user, area=area, day=day) if day else None
    doc = report.figures if report else {}
    units = doc.get("units", [])
    headline = doc.get("headline", [])
    # Units the reader may open a dashboard of (a town officer's villages are not report areas).
    drillable = set(
        selectors.report_areas_for(request.user)
        .filter(pk__in=[u["id"] for u in units])
        .values_list("pk", flat=True)
    )
    table = [
        {
            "unit": u,
            "drill": u["id"] in drillable,
            "cells": [
                {
                    "value": f["by_unit"].get(str(u["id"]), 0),
                    "link": f.get("unit_links", {}).get(str(u["id"]), ""),
                }
                for f in headline
            ],
        }
        for u in units
    ]
    return {
        "area": area,
        "report": report,
        "doc": doc,
        "headline": headline,
        "table": table,
        "nightly": _nightly_status(),
        "refresh": settings.FANGKONG_DASHBOARD_REFRESH_SECONDS,
        "now": timezone.localtime(),
    }


@require_perm(VIEW)
def dashboard(request: HttpRequest) -> HttpResponse:
    context = _dashboard_context(request)
    context["panels"] = [
        {
            "key": p.key,
            "title": p.title,
            # Rendered by Django's template engine (escaped), so safe to insert as is.
            "html": mark_safe(render_to_string(p.template, p.context(request), request=request)),  # noqa: S308
        }
        for p in panels_for(request.user)
    ]
    context["areas"] = selectors.report_areas_for(request.user)
    return render(request, "reports/dashboard.html", context)


@require_perm(VIEW)
def dashboard_live(request: HttpRequest) -> HttpResponse:
    """The part of the dashboard that htmx refreshes every few seconds."""
    return render(request, "reports/_dashboard_live.html", _dashboard_context(request))


@require_perm(VIEW)
def dashboard_trends(request: HttpRequest) -> JsonResponse:
    """The trend charts' data, read from issued reports (``DailyFigure``), never recomputed."""
    area = _area_or_404(request)
    last = selectors.latest_day(actor=request.user, area=area)
    if last is None:
        return JsonResponse({"days": [], "charts": []})
    first = max(first_day(), last - dt.timedelta(days=59))
    keys = sorted(selectors.trend_keys(actor=request.user, area=area, last=last))
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    labels, percents = _labels(request.user, area, last)
    # A percentage on the same axis as counts would flatten them (and read as a count).
    keys = [k for k in keys if k not in percents]
    charts, wanted = [], []
    for code, title, patterns in TRENDS:
        # Patterns in order of preference; each key once; never another jurisdiction's.
        matched = []
        for pattern in patterns:
            matched += [
                k
                for k in keys
                if fnmatch.fnmatch(k, pattern) and k not in matched and ".external_" not in k
            ]
        matched = matched[:MAX_SERIES]
        charts.append({"key": code, "title": str(title), "keys": matched})
        wanted += matched
    series = selectors.trend_series(
        actor=request.user, area=area, keys=wanted, first=first, last=last
    )
    for chart in charts:
        chart["series"] = []
        for key in chart.pop("keys"):
            by_day = dict(series[key])
            chart["series"].append(
                {"name": labels.get(key, key), "data": [by_day.get(d) for d in days]}
            )
        if not chart["series"]:
            chart["empty"] = _("No issued figures yet (the module is not yet built).")
    return JsonResponse({"days": [d.isoformat() for d in days], "charts": charts})


def _labels(user, area, day) -> tuple[dict[str, str], set[str]]:
    """The labels of the figures of ``day``'s report, and the keys of those in percent."""
    report = selectors.latest_issued(actor=user, area=area, day=day)
    if report is None and area.parent_id is not None:
        # A town's trend rows may come from the district's report (its columns).
        report = DailyReport.objects.filter(area_id=area.parent_id, day=day).first()
    if report is None:
        return {}, set()
    sections = report.figures.get("sections", [])
    figures = {f"{s['key']}.{f['key']}": f for s in sections for f in s["figures"]}
    labels = {key: f["label"] for key, f in figures.items()}
    return labels, {key for key, f in figures.items() if f.get("unit") == "%"}
