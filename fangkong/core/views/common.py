"""Helpers every core screen uses: permission decorator, safe redirects, paging."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme

from fangkong.core.paging import CappedPaginator
from fangkong.core.signals import log_denied

PAGE_SIZE = 50
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def require_perm(perm: str):
    """Login required, then ``perm`` (from any active grant); a refusal is a logged 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not request.user.has_perm(perm):
                log_denied(request, f"missing {perm}")
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _safe_next(request: HttpRequest, fallback: str) -> str:
    """The ``next`` target if it stays on this site; anything else could be an open redirect."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _page(request: HttpRequest, queryset, size: int = PAGE_SIZE):
    return CappedPaginator(queryset, size).get_page(request.GET.get("page"))


def _xlsx_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX_TYPE)
    # Encodes Chinese names per RFC 6266 (filename*=utf-8'') with an ASCII fallback.
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
