"""Uploads of registries handed to the background import."""

from __future__ import annotations

import zipfile
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from fangkong.core.generic.exports import (
    _attachment,
)
from fangkong.core.generic.objects import (
    XLSX_TYPE,
)
from fangkong.core.imports import IMPORTERS, Importer, import_start
from fangkong.core.jobs import jobs_reclaim_stale
from fangkong.core.models import Job
from fangkong.core.signals import log_denied

# --------------------------------------------------------------------------- imports


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.FANGKONG_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise ValidationError(
                _("The file is %(size)s; the limit is %(limit)s. Split it into smaller files.")
                % {"size": _size(upload.size), "limit": _size(limit)},
                code="too_large",
            )
        if upload.size == 0:
            raise ValidationError(_("The file is empty."), code="empty")
        suffix = Path(upload.name or "").suffix.lower()
        if suffix not in (".xlsx", ".csv"):
            raise ValidationError(
                _(
                    "Upload an Excel workbook (.xlsx) or a CSV file; %(name)s is neither. If it "
                    "is an old .xls file, open it in Excel and save it as .xlsx."
                )
                % {"name": Path(upload.name or "?").name},
                code="file_type",
            )
        head = upload.read(8)
        upload.seek(0)
        # Cheap structural checks now, so a wrong file is refused before any job is queued.
        if suffix == ".xlsx":
            ok = head.startswith(b"PK")
            if ok:
                try:
                    with zipfile.ZipFile(upload) as archive:
                        ok = "xl/workbook.xml" in archive.namelist()
                except zipfile.BadZipFile:
                    ok = False
                upload.seek(0)
            if not ok:
                raise ValidationError(
                    _(
                        "This .xlsx file is damaged or is not really an Excel workbook. Open it "
                        "in Excel, save it again as .xlsx and upload that."
                    ),
                    code="broken_file",
                )
        elif b"\x00" in head or head.startswith(b"PK"):
            raise ValidationError(
                _("This is not a text CSV file. Save the sheet as CSV or upload the .xlsx itself."),
                code="broken_file",
            )
        return upload


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    return f"{max(1, n // 1024)} KB"


class ImportView(LoginRequiredMixin, View):
    """Template download, upload form, then the background import and its job page."""

    importer_key = ""
    permission = ""  # e.g. "people.add_person"
    title = ""
    back_url_name = ""
    template_name = "core/generic/import.html"
    help_text = ""

    @property
    def importer(self) -> Importer:
        return IMPORTERS[self.importer_key]

    def check_access(self):
        if self.permission and not self.request.user.has_perm(self.permission):
            log_denied(self.request, f"import {self.importer_key}")
            raise PermissionDenied

    def render_page(self, form, status=200):
        return render(
            self.request,
            self.template_name,
            {
                "title": self.title,
                "form": form,
                "importer": self.importer,
                "columns": self.importer.columns,
                "help_text": self.help_text,
                "back_url": reverse(self.back_url_name) if self.back_url_name else "",
                "max_size": _size(settings.FANGKONG_IMPORT_MAX_BYTES),
                "recent_jobs": self.recent_jobs(),
            },
            status=status,
        )

    def recent_jobs(self) -> list[Job]:
        """The user's last imports through this page, each linked to its job page (where a
        failed one's report of rejected rows is downloaded)."""
        jobs_reclaim_stale(owner=self.request.user)
        return list(
            Job.objects.filter(
                owner=self.request.user, kind="core.import", params__importer=self.importer_key
            ).order_by("-created_at")[:5]
        )

    def get(self, request, *args, **kwargs):
        self.check_access()
        if request.GET.get("template"):
            response = HttpResponse(self.importer.template(), content_type=XLSX_TYPE)
            response["Content-Disposition"] = _attachment(
                _("%(what)s-template") % {"what": self.importer.title} + ".xlsx"
            )
            return response
        return self.render_page(UploadForm())

    def post(self, request, *args, **kwargs):
        self.check_access()
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_page(form, status=400)
        upload = form.cleaned_data["file"]
        job = import_start(
            actor=request.user,
            importer_key=self.importer_key,
            data=upload.read(),
            filename=upload.name,
            origin=request.path,
        )
        messages.info(
            request,
            _(
                "The file was received and is being checked. Nothing is "
                "written unless every row is correct."
            ),
        )
        return redirect(reverse("core:job_detail", args=[job.pk]))
