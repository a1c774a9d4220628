"""The reports API under /api/v1/: the issued daily reports' figures as JSON, for a higher
level's system to collect (token auth like every route; scoped to the caller's areas).

``GET /reports/daily`` lists issued reports (the query parameters of ``DailyReportFilterSet``:
``area_id``, ``day``, ``day_from``, ``day_to``, ``trigger``; an area out of scope is a 422);
``GET /reports/daily/{report_id}`` gives one report with every figure (total and per unit,
drill-down links, external figures flagged, the zero-case streak and the bulletin);
``POST /reports/daily/issue`` issues the report of an area for a past day (once: the issued
one is returned if it exists; a day not over yet is refused with 422).
"""

import datetime as dt
from typing import Any

from django.http import Http404
from ninja import Field, Query, Router, Schema

from fangkong.core.api_auth import scoped_get
from fangkong.core.api_errors import validate_filters
from fangkong.core.api_schemas import (
    ERROR_RESPONSES,
    MAX_DB_ID,
    OBJECT_ERROR_RESPONSES,
    AreaRef,
    paginate,
    paginated,
)
from fangkong.core.kit.api import filter_schema
from fangkong.reports import selectors, services
from fangkong.reports.filtersets import DailyReportFilterSet
from fangkong.reports.models import DailyReport

router = Router(tags=["reports"])


class ReportOut(Schema):
    id: int
    area: AreaRef
    day: dt.date
    revision: int
    issued_at: dt.datetime
    issued_by: str | None = Field(
        None, description="User name; null when the nightly job issued it"
    )
    trigger: str
    reason: str
    zero_streak: int | None = Field(
        None,
        description="Days in a row with zero confirmed and zero suspected; null: no cases module",
    )
    summary: str


class ReportFullOut(ReportOut):
    figures: dict[str, Any] = Field(
        ...,
        description="sections (built or not), units, headline, each figure's total, by_unit, link",
    )


ReportFilter = filter_schema(DailyReportFilterSet, name="DailyReportFilters")


class IssueIn(Schema):
    area_id: int = Field(..., ge=1, le=MAX_DB_ID)
    day: dt.date


def _out(report: DailyReport, full: bool = False) -> dict:
    data = {
        "id": report.pk,
        "area": {"id": report.area.pk, "code": report.area.code, "name": report.area.name},
        "day": report.day,
        "revision": report.revision,
        "issued_at": report.issued_at,
        "issued_by": report.issued_by.username if report.issued_by else None,
        "trigger": report.trigger,
        "reason": report.reason,
        "zero_streak": report.zero_streak,
        "summary": report.summary,
    }
    if full:
        data["figures"] = report.figures
    return data


@router.get("/reports/daily", response={200: paginated(ReportOut), **ERROR_RESPONSES})
def list_reports(request, filters: Query[ReportFilter]):  # type: ignore[valid-type]
    data = filters.filter_data()
    validate_filters(DailyReportFilterSet, data, actor=request.auth)
    qs = selectors.report_list(actor=request.auth, filters=data)
    page = paginate(qs, page=filters.page, page_size=filters.page_size)
    page["results"] = [_out(r) for r in page["results"]]
    return page


@router.post("/reports/daily/issue", response={200: ReportFullOut, **OBJECT_ERROR_RESPONSES})
def issue_report(request, payload: IssueIn):
    area = selectors.report_area_get(actor=request.auth, area_id=payload.area_id)
    if area is None:
        raise Http404("area")
    report = services.report_issue(actor=request.auth, area=area, day=payload.day)
    return _out(report, full=True)


def _getter(*, actor, pk, action):
    return selectors.report_get(actor=actor, pk=pk)


@router.get("/reports/daily/{report_id}", response={200: ReportFullOut, **OBJECT_ERROR_RESPONSES})
def get_report(request, report_id: int):
    return _out(scoped_get(request, _getter, DailyReport, report_id), full=True)
