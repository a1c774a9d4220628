"""Exporting a filtered list from its page: masked unless permitted and reasoned."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.core.exports import (
    Exporter,
    export_filename,
    export_needs_job,
    export_rows,
    export_start,
)
from fangkong.core.generic.objects import (
    XLSX_TYPE,
    no_store,
)
from fangkong.core.scoping import covers_all, holds_anywhere
from fangkong.core.sensitive import VIEW_SENSITIVE
from fangkong.core.signals import log_denied

# --------------------------------------------------------------------------- export


class ExportForm(forms.Form):
    unmasked = forms.BooleanField(label=gettext_lazy("Full ID and phone numbers"), required=False)
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("unmasked") and len((data.get("reason") or "").strip()) < 2:
            self.add_error("reason", _("Say why you need the full numbers."))
        return data


def may_export_unmasked(user, queryset: models.QuerySet) -> bool:
    """True if ``user`` holds view-sensitive over the scope path of every record in
    ``queryset``."""
    return covers_all(user, VIEW_SENSITIVE, queryset)


def offers_unmasked(user, exporter: Exporter | None) -> bool:
    """Whether the unmasked option is shown at all (the per-record check comes on export)."""
    if exporter is None or not exporter.sensitive_fields:
        return False
    return holds_anywhere(user, VIEW_SENSITIVE)


def filter_params(request: HttpRequest) -> dict[str, str]:
    """The list's filters from the query string, without pagination and export switches."""
    return {k: v for k, v in request.GET.items() if k not in ("page", "export") and v != ""}


def export_response(
    request: HttpRequest, exporter: Exporter, params: dict, queryset: models.QuerySet
) -> HttpResponse:
    """Export the filtered list: a download if small, else a background job and its page."""
    form = ExportForm(request.POST)
    back = request.get_full_path()
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    unmasked = bool(form.cleaned_data["unmasked"]) and bool(exporter.sensitive_fields)
    reason = form.cleaned_data["reason"].strip()
    if unmasked and not may_export_unmasked(request.user, queryset):
        log_denied(request, f"unmasked export {exporter.key}")
        messages.error(
            request,
            _(
                "You may export full numbers only for records in your own "
                "area of responsibility. Narrow the filter, or export "
                "masked."
            ),
        )
        return redirect(back)
    if export_needs_job(exporter, actor=request.user, params=params):
        job = export_start(
            actor=request.user,
            exporter_key=exporter.key,
            params=params,
            unmasked=unmasked,
            reason=reason,
        )
        messages.info(
            request,
            _(
                "The list is long: it is being exported in the background. "
                "Download it from this page when it is ready."
            ),
        )
        return redirect(reverse("core:job_detail", args=[job.pk]))
    try:
        data = export_rows(
            exporter, actor=request.user, params=params, unmasked=unmasked, reason=reason
        )
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return redirect(back)
    response = HttpResponse(data, content_type=XLSX_TYPE)
    response["Content-Disposition"] = _attachment(export_filename(exporter))
    return no_store(response) if unmasked else response


def _attachment(filename: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename*=UTF-8''{quote(filename)}"
