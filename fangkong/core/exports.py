"""XLSX export of any filtered list, masked unless the user may and does ask for unmasked data.

An unmasked export needs ``core.view_sensitive`` covering every exported record and a reason;
each exported person is written to the access log, but only once the file is complete (for a
background job, in the transaction that marks it done; for a download, when the response is
built): a failed export logs nothing, because it delivered nothing. Lists longer than
``FANGKONG_EXPORT_INLINE_ROWS`` are exported by the background worker.

Memory stays flat in the number of rows: the workbook is streamed (openpyxl write-only) to a
file, and records are read ``CHUNK_ROWS`` at a time. Each chunk is one complete query fetched
by primary key, so no read cursor stays open while progress is written; an open cursor pins an
old WAL snapshot on SQLite, and the next write on that connection then fails at once with
"database is locked" as soon as anyone else (a polling page, a clerk) has written.
"""

from __future__ import annotations

import gc
import uuid
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.jobfiles import create_sealed
from fangkong.core.jobs import job_handler, job_start
from fangkong.core.models import AccessLog, Job
from fangkong.core.sensitive import can_view_sensitive, log_access
from fangkong.core.xlsx import Column, write_workbook_to

EXPORTERS: dict[str, Exporter] = {}
CHUNK_ROWS = 1000


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


def iterate_in_chunks(queryset: models.QuerySet, size: int = CHUNK_ROWS) -> Iterator:
    """The queryset's records in its order, fetched ``size`` at a time by primary key.

    Only the primary keys are held for the whole run (8 bytes a row); each chunk is a complete
    query (prefetches included), so the caller may write between chunks on any database.
    """
    integer = isinstance(queryset.model._meta.pk, models.AutoField | models.BigAutoField)
    keys = array("q") if integer else []
    # Nothing is written while this cursor is open: the keys are all read first.
    keys.extend(queryset.values_list("pk", flat=True).iterator(chunk_size=10_000))
    unordered = queryset.order_by()
    for start in range(0, len(keys), size):
        chunk = list(keys[start : start + size])
        found = {obj.pk: obj for obj in unordered.filter(pk__in=chunk)}
        for pk in chunk:
            if pk in found:  # deleted since the export started: left out
                yield found[pk]
        # Prefetched records form reference cycles (record -> prefetch cache -> queryset
        # hints -> record) that only a collection frees; without it they pile up per row.
        del found
        gc.collect()


@dataclass
class ExportOutcome:
    rows: int
    model: type[models.Model]
    subjects: array | list  # primary keys of records exported unmasked


def export_to(
    target: str | IO[bytes],
    exporter: Exporter,
    *,
    actor,
    params: dict,
    unmasked: bool,
    progress: Callable[[int, int], None] | None = None,
) -> ExportOutcome:
    """Write the export to ``target`` (a path or writable binary file). Raises
    ``PermissionDenied`` if an unmasked export reaches a record the actor may not unmask.
    Writes nothing to the database but progress; see ``export_log_access``."""
    queryset = exporter.queryset(actor=actor, params=params)
    total = queryset.count()
    subjects = array("q")
    if progress:
        progress(0, total)

    def rows():
        for n, obj in enumerate(iterate_in_chunks(queryset), start=1):
            if unmasked and not can_view_sensitive(actor, obj):
                raise PermissionDenied(
                    _("You may not export unmasked data for all of these records.")
                )
            if unmasked:
                subjects.append(obj.pk)
            yield [c.value(obj, unmasked) for c in exporter.columns]
            if progress and n % CHUNK_ROWS == 0:
                progress(n, total)

    count = write_workbook_to(
        target, str(exporter.title), [c.column for c in exporter.columns], rows()
    )
    return ExportOutcome(rows=count, model=queryset.model, subjects=subjects)


def export_log_access(exporter: Exporter, outcome: ExportOutcome, *, actor, reason: str) -> int:
    """Write one access-log row per record delivered unmasked (call once the file is complete,
    inside the transaction that hands it over)."""
    if not outcome.subjects or not exporter.sensitive_fields:
        return 0
    written = 0
    manager = outcome.model._base_manager
    keys = outcome.subjects
    for start in range(0, len(keys), CHUNK_ROWS):
        chunk = list(keys[start : start + CHUNK_ROWS])
        written += log_access(
            actor=actor,
            subjects=manager.filter(pk__in=chunk).order_by("pk"),
            action=AccessLog.Action.EXPORT,
            fields=exporter.sensitive_fields,
            reason=reason,
        )
    return written


def export_rows(
    exporter: Exporter, *, actor, params: dict, unmasked: bool, reason: str, progress=None
) -> bytes:
    """The export as bytes, access log written once it is complete. For small exports and
    tests; pages and jobs stream with ``export_to``."""
    import io

    from django.db import transaction

    buffer = io.BytesIO()
    outcome = export_to(
        buffer, exporter, actor=actor, params=params, unmasked=unmasked, progress=progress
    )
    with transaction.atomic():
        export_log_access(exporter, outcome, actor=actor, reason=reason)
    return buffer.getvalue()


def export_filename(exporter: Exporter) -> str:
    return f"{exporter.title}-{timezone.localtime():%Y%m%d-%H%M}.xlsx"


def export_needs_job(exporter: Exporter, *, actor, params: dict) -> bool:
    limit = settings.FANGKONG_EXPORT_INLINE_ROWS
    return exporter.queryset(actor=actor, params=params)[: limit + 1].count() > limit


def export_start(
    *,
    actor,
    exporter_key: str,
    params: dict,
    unmasked: bool,
    reason: str,
    filter_labels: list[tuple[str, str]] | None = None,
) -> Job:
    """Queue a background export. ``filter_labels`` are the filters as the user saw them
    (label, value), shown on the job page so that the owner knows what was exported."""
    exporter = EXPORTERS[exporter_key]
    return job_start(
        actor=actor,
        kind="core.export",
        title=_("Export: %(what)s") % {"what": exporter.title},
        params={
            "exporter": exporter_key,
            "filters": params,
            "filter_labels": [[str(k), str(v)] for k, v in (filter_labels or [])],
            "unmasked": unmasked,
            "reason": reason,
        },
    )


@job_handler("core.export")
def _export_job(job: Job, progress) -> dict:
    exporter = EXPORTERS[job.params["exporter"]]
    path, sealed = create_sealed(f"export-{uuid.uuid4().hex}.xlsx.sealed")
    try:
        with sealed:
            outcome = export_to(
                sealed,
                exporter,
                actor=job.owner,
                params=job.params["filters"],
                unmasked=job.params["unmasked"],
                progress=progress,
            )
    except BaseException:
        path.unlink(missing_ok=True)
        raise

    def hand_over():
        # In the transaction that marks the job done: the file and its access log together.
        export_log_access(exporter, outcome, actor=job.owner, reason=job.params["reason"])
        Job.objects.filter(pk=job.pk).update(
            output_file=str(path), output_name=export_filename(exporter)
        )

    if hasattr(progress, "on_success"):
        progress.on_success(hand_over)
    else:  # a caller running the handler by hand
        hand_over()
    return {
        "rows": outcome.rows,
        "message": _("The export is ready: %(n)s rows.") % {"n": f"{outcome.rows:,}"},
    }
