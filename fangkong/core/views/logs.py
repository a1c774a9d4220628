"""The access log and security events, for auditors."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_safe

from fangkong.core.filtersets import AccessLogFilterSet, SecurityEventFilterSet
from fangkong.core.models import AccessLog, RoleGrant, SecurityEvent
from fangkong.core.paging import CappedPaginator
from fangkong.core.scoping import covers_every_area, grant_paths, restrict
from fangkong.core.views.common import (
    PAGE_SIZE,
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
    Column("area", _l("Area"), width=16),
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


# Nobody pages through millions of log rows: past this the page says "more than" and the
# auditor narrows the filter. Counting stops at the cap instead of scanning the whole table.
LOG_COUNT_CAP = 10_000


def _capped_page(request: HttpRequest, queryset):
    return CappedPaginator(queryset, PAGE_SIZE, cap=LOG_COUNT_CAP).get_page(request.GET.get("page"))


def accesslog_queryset(user):
    """The access log rows of the auditor's own areas (by the subject's area at the time)."""
    return AccessLog.objects.restrict(user, "view")


def securityevent_queryset(user):
    """Security events the reader may see: all of them when their grants take in the whole
    area tree (the roles that read them are granted at district level only); otherwise the
    events of users holding a grant inside the reader's areas."""
    perm = "core.view_securityevent"
    events = SecurityEvent.objects.all()
    if getattr(user, "is_superuser", False):
        return events
    paths = grant_paths(user, perm)
    if not paths:
        return events.none()
    if covers_every_area(user, paths):
        return events
    grants = restrict(RoleGrant.objects.all(), user, perm=perm)
    return events.filter(user_id__in=grants.values("user_id"))


def _field_labels(model, fields: str) -> str:
    """``id_number,phone`` as the model's verbose names ("resident ID number, mobile")."""
    labels = []
    for name in filter(None, fields.split(",")):
        try:
            labels.append(str(model._meta.get_field(name).verbose_name))
        except (FieldDoesNotExist, AttributeError):
            labels.append(name)
    return ", ".join(labels)


def _annotate_entries(user, entries: list[AccessLog]) -> None:
    """Give each row its subject's masked number, field names and a link when the reader may
    open the record (one query per subject model on the page)."""
    wanted: dict[int, set[int]] = {}
    for e in entries:
        wanted.setdefault(e.subject_type_id, set()).add(e.subject_id)
    subjects: dict[tuple[int, int], models.Model] = {}
    visible: dict[tuple[int, int], bool] = {}
    for ct_id, ids in wanted.items():
        model = ContentType.objects.get_for_id(ct_id).model_class()
        if model is None:
            continue
        for obj in model._base_manager.filter(pk__in=ids):
            subjects[(ct_id, obj.pk)] = obj
        manager = model._default_manager
        if hasattr(manager, "restrict"):
            for pk in (
                manager.restrict(user, "view").filter(pk__in=ids).values_list("pk", flat=True)
            ):
                visible[(ct_id, pk)] = True
    for e in entries:
        obj = subjects.get((e.subject_type_id, e.subject_id))
        model = type(obj) if obj is not None else e.subject_type.model_class()
        e.field_labels = _field_labels(model, e.fields) if model else e.fields
        e.masked_id = ""
        e.url = ""
        if obj is None:
            continue
        sensitive = getattr(obj, "SENSITIVE", None)
        if sensitive:
            e.masked_id = obj.masked(next(iter(sensitive)))
        if visible.get((e.subject_type_id, e.subject_id)):
            try:
                e.url = reverse(
                    f"{model._meta.app_label}:{model._meta.model_name}_detail", args=[obj.pk]
                )
            except NoReverseMatch:
                e.url = ""


@require_perm("core.view_accesslog")
@require_safe
def accesslog_list(request: HttpRequest) -> HttpResponse:
    queryset = accesslog_queryset(request.user).select_related(
        "actor", "subject_type", "subject_area"
    )
    filterset = AccessLogFilterSet(request.GET, queryset=queryset)
    rows_qs = filterset.qs if not filterset.form.errors else queryset.none()
    if request.GET.get("export") == "xlsx":
        rows = (
            [
                _local(e.at),
                e.actor.username,
                e.get_action_display(),
                e.subject_label,
                e.subject_area.name if e.subject_area else "",
                _field_labels(e.subject_type.model_class(), e.fields),
                e.reason,
                e.ip or "",
            ]
            for e in rows_qs.iterator(chunk_size=2000)
        )
        columns = [Column(c.key, str(c.header), width=c.width) for c in ACCESSLOG_COLUMNS]
        data = write_workbook(_("Access log"), columns, rows)
        return _xlsx_response(data, f"{_('Access log')}-{timezone.localtime():%Y%m%d-%H%M}.xlsx")
    page = _capped_page(request, rows_qs)
    _annotate_entries(request.user, list(page.object_list))
    return render(request, "core/accesslog_list.html", {"filter": filterset, "page": page})


@require_perm("core.view_securityevent")
@require_safe
def securityevent_list(request: HttpRequest) -> HttpResponse:
    filterset = SecurityEventFilterSet(request.GET, queryset=securityevent_queryset(request.user))
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
        {"filter": filterset, "page": _capped_page(request, filterset.qs)},
    )
