"""Bulk import of registries from XLSX/CSV (after NetBox's BulkImportView).

An ``Importer`` names its columns, turns one row into validated data (``prepare``) and writes all
rows in one transaction (``commit``). Every row is checked before anything is written; if any row
is rejected, nothing is written and the user downloads a report of every rejected row with its
reason, fixes the sheet and uploads it again. Large files run as a background job.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.core.jobfiles import create_sealed, write_private
from fangkong.core.jobs import job_handler, job_start
from fangkong.core.models import Job
from fangkong.core.xlsx import Column, error_report, read_table, template_workbook

IMPORTERS: dict[str, Importer] = {}


class Importer:
    key: str = ""
    title: str = ""
    columns: list[Column] = []

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.key:
            IMPORTERS[cls.key] = cls()

    def start(self, actor) -> dict[str, Any]:
        """Per-run context (lookups of areas in the actor's scope, etc.)."""
        return {}

    def prepare(self, row: dict[str, str], *, actor, context: dict[str, Any]) -> Any:
        raise NotImplementedError

    def commit(self, prepared: list[Any], *, actor, context: dict[str, Any]) -> int:
        raise NotImplementedError

    def ignored_columns(self) -> list[Column]:
        """Columns a file may carry that this import skips: by default those the export of the
        same key adds (an exported sheet is corrected and imported again)."""
        from fangkong.core.exports import EXPORTERS

        exporter = EXPORTERS.get(self.key)
        if exporter is None:
            return []
        keys = {c.key for c in self.columns}
        return [c.column for c in exporter.columns if c.column.key not in keys]

    def template(self) -> bytes:
        return template_workbook(self.title, self.columns)


def describe_error(exc: ValidationError, columns: list[Column]) -> str:
    labels = {c.key: c.header for c in columns}
    if hasattr(exc, "error_dict"):
        parts = []
        for key, errors in exc.message_dict.items():
            label = labels.get(key, "" if key == "__all__" else key)
            parts.append(f"{label}：{'；'.join(errors)}" if label else "；".join(errors))
        return "；".join(parts)
    return "；".join(exc.messages)


def run_import(importer: Importer, data: bytes, filename: str, *, actor, progress=None) -> dict:
    """Check every row, then write all of them in one transaction, or none and report why."""
    table = read_table(data, filename, importer.columns, ignore=importer.ignored_columns())
    context = importer.start(actor)
    prepared, errors = [], []
    total = len(table.rows)
    for n, (line, row) in enumerate(table.rows, start=1):
        try:
            prepared.append(importer.prepare(row, actor=actor, context=context))
        except ValidationError as exc:
            errors.append((line, row, describe_error(exc, importer.columns)))
        if progress and n % 500 == 0:
            progress(n, total)
    if errors:
        return {
            "failed": True,
            "rows": total,
            "rejected": len(errors),
            "errors": errors,
            "message": _(
                "%(bad)d of %(all)d rows were rejected; nothing was imported. "
                "Download the report, correct those rows and upload again."
            )
            % {"bad": len(errors), "all": total},
        }
    try:
        with transaction.atomic():
            created = importer.commit(prepared, actor=actor, context=context)
    except ValidationError as exc:
        return {
            "failed": True,
            "rows": total,
            "rejected": total,
            "errors": [],
            "message": describe_error(exc, importer.columns),
        }
    return {
        "rows": total,
        "created": created,
        "message": _("%(n)d rows imported.") % {"n": created},
    }


def import_start(*, actor, importer_key: str, data: bytes, filename: str, origin: str = "") -> Job:
    """Save the upload privately (0600) and hand it to the worker; the page follows the job.

    ``origin`` is the import page, linked from the job page to upload again. The upload is
    deleted when the import ends, whatever its outcome.
    """
    importer = IMPORTERS[importer_key]
    suffix = Path(filename).suffix.lower()
    stored = write_private(
        f"in-{uuid.uuid4().hex}{suffix if suffix in ('.xlsx', '.csv') else ''}", data
    )
    return job_start(
        actor=actor,
        kind="core.import",
        title=_("Import: %(what)s") % {"what": importer.title},
        params={
            "importer": importer_key,
            "filename": Path(filename).name[:200],
            "origin": origin[:300],
            "needs_input": True,
        },
        input_file=str(stored),
    )


@job_handler("core.import")
def _import_job(job: Job, progress) -> dict:
    importer = IMPORTERS[job.params["importer"]]
    path = Path(job.input_file)
    try:
        data = path.read_bytes()
        try:
            result = run_import(
                importer, data, job.params["filename"], actor=job.owner, progress=progress
            )
        except ValidationError as exc:
            return {"failed": True, "message": "；".join(exc.messages)}
    finally:
        path.unlink(missing_ok=True)
    errors = result.pop("errors", [])
    if errors:
        # Rejected rows hold personal numbers as uploaded: sealed at rest, like exports.
        report, sealed = create_sealed(f"errors-{uuid.uuid4().hex}.xlsx.sealed")
        with sealed:
            error_report(importer.columns, errors, target=sealed)
        job.output_file = str(report)
        job.output_name = (
            f"{_('rejected-rows')}-{job.params['filename']}".rsplit(".", 1)[0] + ".xlsx"
        )
        Job.objects.filter(pk=job.pk).update(
            output_file=job.output_file, output_name=job.output_name
        )
    return result
