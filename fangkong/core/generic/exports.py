"""Exporting a filtered list from its page: masked unless permitted and reasoned."""

from __future__ import annotations

import tempfile

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.core.exports import (
    Exporter,
    export_filename,
    export_log_access,
    export_needs_job,
    export_start,
    export_to,
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
    params: dict = {}
    for key, values in request.GET.lists():
        values = [v for v in values if v != ""]
        if key in ("page", "export") or not values:
            continue
        params[key] = values[0] if len(values) == 1 else values  # multi-select keeps all
    return params


def export_action(request: HttpRequest) -> str:
    """Where the export form posts: the list URL with exactly the filters of the list being
    rendered (page dropped), so an htmx-filtered list exports what it shows."""
    from urllib.parse import urlencode

    query = urlencode(
        [(k, v) for k, values in request.GET.lists() if k not in ("page", "export") for v in values]
    )
    return f"{request.path}?{query}" if query else request.path


def filter_labels(filterset) -> list[tuple[str, str]]:
    """The filters in force as a reader would name them: (field label, value shown), e.g.
    ("Grid", "东湖村一组"), ("Resident", "yes"). Empty when the list is unfiltered."""
    if filterset is None:
        return []
    form = filterset.form
    if not form.is_bound or not form.is_valid():
        return []
    labels = []
    for name, field in form.fields.items():
        if name in ("page", "ordering"):
            continue
        value = form.cleaned_data.get(name)
        if value in (None, "", [], ()) or (hasattr(value, "exists") and not value.exists()):
            continue
        labels.append((str(field.label or name), _display(field, value)))
    return labels


def _display(field, value) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if hasattr(value, "__iter__") and not isinstance(value, str | dict):
        return "、".join(_display(field, v) for v in value)
    choices = dict(getattr(field, "choices", None) or ()) if not hasattr(value, "pk") else {}
    shown = choices.get(value, choices.get(str(value), value))
    if hasattr(shown, "isoformat"):
        return shown.isoformat()
    return str(shown)


def export_response(
    request: HttpRequest,
    exporter: Exporter,
    params: dict,
    queryset: models.QuerySet,
    filterset=None,
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
            filter_labels=filter_labels(filterset),
        )
        messages.info(
            request,
            _(
                "The list is long: it is being exported in the background. "
                "Download it from this page when it is ready."
            ),
        )
        return redirect(reverse("core:job_detail", args=[job.pk]))
    # Streamed to an anonymous temporary file (0600, unlinked), never held in memory.
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when sent
    try:
        outcome = export_to(spool, exporter, actor=request.user, params=params, unmasked=unmasked)
        spool.seek(0)
        response = FileResponse(spool, content_type=XLSX_TYPE)
        response["Content-Disposition"] = _attachment(export_filename(exporter))
        # The workbook is complete and the response built: now, and only now, log it.
        with transaction.atomic():
            export_log_access(exporter, outcome, actor=request.user, reason=reason)
    except PermissionDenied as exc:
        spool.close()
        messages.error(request, str(exc))
        return redirect(back)
    except BaseException:
        spool.close()
        raise
    return no_store(response) if unmasked else response


def _attachment(filename: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename*=UTF-8''{quote(filename)}"
