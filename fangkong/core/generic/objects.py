"""Fetching one record within the user's jurisdiction, and small HTTP helpers."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import Http404, HttpRequest, HttpResponse

from fangkong.core.signals import log_denied

PAGE_SIZE = 25
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --------------------------------------------------------------------------- scoping


def get_scoped_object_or_404(
    model: type[models.Model],
    user,
    action: str,
    pk: Any,
    *,
    request: HttpRequest | None = None,
    queryset: models.QuerySet | None = None,
) -> models.Model:
    """The record if ``user`` may ``action`` it; ``Http404`` for out-of-scope and missing alike.

    An existing record outside the user's scope is also written to the security log as a refusal
    (MLPS: access-control refusals are logged), but the answer the user sees is identical.
    ``queryset`` may narrow the lookup (select_related, include soft-deleted rows).
    """
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    base = queryset if queryset is not None else model.objects.all()
    try:
        return base.restrict(user, action).get(pk=pk)
    except model.DoesNotExist:
        pass
    if request is not None and model._base_manager.filter(pk=pk).exists():
        log_denied(request, f"{model._meta.label} #{pk} {action}")
    raise Http404


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def no_store(response: HttpResponse) -> HttpResponse:
    """Pages with unmasked numbers must not stay in a shared phone's browser cache."""
    response["Cache-Control"] = "no-store, private"
    return response
