"""XLSX export of any filtered list, masked unless the user may and does ask for unmasked data.

An unmasked export needs ``core.view_sensitive`` covering every exported record and a reason;
each exported person is written to the access log. Lists longer than
``FANGKONG_EXPORT_INLINE_ROWS`` are exported by the background worker.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.jobs import job_dir, job_handler, job_start
from fangkong.core.models import AccessLog, Job
from fangkong.core.sensitive import can_view_sensitive, log_access
from fangkong.core.xlsx import Column, write_workbook

EXPORTERS: dict[str, Exporter] = {}


@dataclass
class ExportColumn:
    column: Column
    value: Callable[[models.Model, bool], object]  # (record, unmasked) -> cell
    sensitive: bool = False


class Exporter:
    """Declares the columns of one list's export and how to build its scoped queryset."""

    key: str = ""
    title: str = ""
    columns: list[ExportColumn] = []

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.key:
            EXPORTERS[cls.key] = cls()

    def queryset(self, *, actor, params: dict) -> models.QuerySet:
        raise NotImplementedError

    @property
    def sensitive_fields(self) -> list[str]:
        return [c.column.key for c in self.columns if c.sensitive]


def export_rows(
    exporter: Exporter, *, actor, params: dict, unmasked: bool, reason: str, progress=None
) -> bytes:
    queryset = exporter.queryset(actor=actor, params=params)
    total = queryset.count()
    records = []
    rows = []
    for n, obj in enumerate(queryset.iterator(chunk_size=2000), start=1):
        if unmasked and not can_view_sensitive(actor, obj):
            raise PermissionDenied(_("You may not export unmasked data for all of these records."))
        rows.append([c.value(obj, unmasked) for c in exporter.columns])
        if unmasked:
            records.append(obj)
        if progress and n % 1000 == 0:
            progress(n, total)
    if unmasked and exporter.sensitive_fields:
        log_access(
            actor=actor,
            subjects=records,
            action=AccessLog.Action.EXPORT,
            fields=exporter.sensitive_fields,
            reason=reason,
        )
    return write_workbook(exporter.title, [c.column for c in exporter.columns], rows)


def export_filename(exporter: Exporter) -> str:
    return f"{exporter.title}-{timezone.localtime():%Y%m%d-%H%M}.xlsx"


def export_needs_job(exporter: Exporter, *, actor, params: dict) -> bool:
    limit = settings.FANGKONG_EXPORT_INLINE_ROWS
    return exporter.queryset(actor=actor, params=params)[: limit + 1].count() > limit


def export_start(*, actor, exporter_key: str, params: dict, unmasked: bool, reason: str) -> Job:
    exporter = EXPORTERS[exporter_key]
    return job_start(
        actor=actor,
        kind="core.export",
        title=_("Export: %(what)s") % {"what": exporter.title},
        params={
            "exporter": exporter_key,
            "filters": params,
            "unmasked": unmasked,
            "reason": reason,
        },
    )


@job_handler("core.export")
def _export_job(job: Job, progress) -> dict:
    exporter = EXPORTERS[job.params["exporter"]]
    data = export_rows(
        exporter,
        actor=job.owner,
        params=job.params["filters"],
        unmasked=job.params["unmasked"],
        reason=job.params["reason"],
        progress=progress,
    )
    path = job_dir() / f"export-{uuid.uuid4().hex}.xlsx"
    path.write_bytes(data)
    Job.objects.filter(pk=job.pk).update(
        output_file=str(path), output_name=export_filename(exporter)
    )
    return {"message": _("The export is ready.")}
