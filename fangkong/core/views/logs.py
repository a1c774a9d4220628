"""The access log and security events, for auditors."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_safe

from fangkong.core.filtersets import AccessLogFilterSet, SecurityEventFilterSet
from fangkong.core.models import AccessLog, SecurityEvent
from fangkong.core.views.common import (
    _page,
    _xlsx_response,
    require_perm,
)
from fangkong.core.xlsx import Column, write_workbook

# --------------------------------------------------------------------------- logs


ACCESSLOG_COLUMNS = [
    Column("at", _l("Time"), width=20),
    Column("actor", _l("User"), width=16),
    Column("action", _l("Action"), width=14),
    Column("subject", _l("Whose"), width=20),
    Column("fields", _l("Fields"), width=16),
    Column("reason", _l("Reason"), width=40),
    Column("ip", _l("IP address"), width=16),
]
SECURITY_COLUMNS = [
    Column("at", _l("Time"), width=20),
    Column("kind", _l("Kind"), width=16),
    Column("username", _l("Username"), width=16),
    Column("ip", _l("IP address"), width=16),
    Column("path", _l("Path"), width=30),
    Column("detail", _l("Detail"), width=40),
]


def _local(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M:%S")


@require_perm("core.view_accesslog")
@require_safe
def accesslog_list(request: HttpRequest) -> HttpResponse:
    queryset = AccessLog.objects.select_related("actor", "subject_type")
    filterset = AccessLogFilterSet(request.GET, queryset=queryset)
    if request.GET.get("export") == "xlsx":
        rows = (
            [
                _local(e.at),
                e.actor.username,
                e.get_action_display(),
                e.subject_label,
                e.fields,
                e.reason,
                e.ip or "",
            ]
            for e in filterset.qs.iterator(chunk_size=2000)
        )
        columns = [Column(c.key, str(c.header), width=c.width) for c in ACCESSLOG_COLUMNS]
        data = write_workbook(_("Access log"), columns, rows)
        return _xlsx_response(data, f"{_('Access log')}-{timezone.localtime():%Y%m%d-%H%M}.xlsx")
    return render(
        request,
        "core/accesslog_list.html",
        {"filter": filterset, "page": _page(request, filterset.qs)},
    )


@require_perm("core.view_securityevent")
@require_safe
def securityevent_list(request: HttpRequest) -> HttpResponse:
    filterset = SecurityEventFilterSet(request.GET, queryset=SecurityEvent.objects.all())
    if request.GET.get("export") == "xlsx":
        rows = (
            [_local(e.at), e.get_kind_display(), e.username, e.ip or "", e.path, e.detail]
            for e in filterset.qs.iterator(chunk_size=2000)
        )
        columns = [Column(c.key, str(c.header), width=c.width) for c in SECURITY_COLUMNS]
        data = write_workbook(_("Security events"), columns, rows)
        return _xlsx_response(
            data, f"{_('Security events')}-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
        )
    return render(
        request,
        "core/securityevent_list.html",
        {"filter": filterset, "page": _page(request, filterset.qs)},
    )
