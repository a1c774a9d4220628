"""Fetching one record within the user's jurisdiction, and small HTTP helpers."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import Http404, HttpRequest, HttpResponse

from fangkong.core.scoping import get_in_scope, restrict

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
    """The record if ``user`` may ``action`` it; else the rule of ``core.scoping.get_in_scope``.

    ``Http404`` for out-of-scope and missing alike (an existing record outside the scope is
    written to the security log as a refusal); ``PermissionDenied`` (the 403 page) for a record
    the user may view but not ``action``, as the API answers. ``queryset`` may narrow the
    lookup (select_related, include soft-deleted rows).
    """
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    base = queryset if queryset is not None else model.objects.all()
    return get_in_scope(
        model=model,
        user=user,
        action=action,
        pk=pk,
        lookup=lambda act: restrict(base, user, act).get(pk=pk),
        request=request,
    )


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def no_store(response: HttpResponse) -> HttpResponse:
    """Pages with unmasked numbers must not stay in a shared phone's browser cache."""
    response["Cache-Control"] = "no-store, private"
    return response
