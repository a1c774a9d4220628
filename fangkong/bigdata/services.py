"""Writes of the big-data lists: receive a list (upload → background import), resume it, resolve
an ambiguous row, assign a pooled lead, record a verification outcome.

Every function is keyword-only, runs in one transaction and checks the actor's jurisdiction
through ``core.services`` or ``core.scoping`` before it writes.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.bigdata.models import CarrierList, ListRow, VerificationOutcome, VerificationTask
from fangkong.core.jobfiles import create_private
from fangkong.core.jobs import job_handler, job_start
from fangkong.core.models import Job
from fangkong.core.scoping import covers, user_can
from fangkong.core.services import create_record, ensure_in_scope, update_record

LIST_FIELDS = {"area", "name", "carrier", "source", "list_date", "received_at", "note"}
OUTCOME_FIELDS = {"task", "outcome", "note", "recorded_at"}


# --------------------------------------------------------------------------- lists


def carrier_list_check(*, data: dict[str, Any]) -> dict[str, Any]:
    """Validate a list's description as ``carrier_list_create`` would, without writing."""
    fields = {k: v for k, v in data.items() if k in LIST_FIELDS}
    from fangkong.places.models import Area

    area = fields.get("area")
    if area is not None and area.level not in (Area.Level.DISTRICT, Area.Level.TOWN):
        raise ValidationError({"area": _("A list is received by the district or a town.")})
    CarrierList(**fields).full_clean(validate_constraints=False)
    return fields


def store_upload(upload) -> tuple[Path, str]:
    """Copy an uploaded file to a private job file (0600) chunk by chunk, refusing it beyond
    ``FANGKONG_BIGDATA_IMPORT_MAX_BYTES``; returns (path, original name)."""
    from django.conf import settings

    limit = settings.FANGKONG_BIGDATA_IMPORT_MAX_BYTES
    if upload.size and upload.size > limit:
        raise ValidationError(
            _("The file is %(size)d MB; the limit is %(limit)d MB. Split it into smaller files.")
            % {"size": upload.size // (1024 * 1024), "limit": limit // (1024 * 1024)},
            code="too_large",
        )
    path, handle = create_private(f"in-{uuid.uuid4().hex}")
    with handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return path, Path(upload.name or "list").name[:200]


def _check_readable(path: Path, filename: str) -> None:
    """Refuse an unknown file type or a file without a phone column before anything is
    written: the type from the content, the header from the first rows of each sheet."""
    from fangkong.bigdata import reading

    reader = reading.open_list(path, filename)
    try:
        next(iter(reader.rows()), None)
    except ValidationError:
        raise
    except Exception:  # a damaged workbook
        raise ValidationError(
            _(
                "%(name)s cannot be read: the workbook is damaged. Open it in Excel, save it "
                "again and upload that."
            )
            % {"name": filename},
            code="broken_file",
        ) from None


@transaction.atomic
def carrier_list_create(*, actor, data: dict[str, Any], path: Path, filename: str) -> CarrierList:
    """Record a received list and start its import in the background.

    The file must be a list (type from its content, a phone column in the first rows) before
    the list is recorded; otherwise ``ValidationError`` and nothing is written (the upload is
    deleted)."""
    try:
        _check_readable(path, filename)
        fields = carrier_list_check(data=data)
        fields.setdefault("received_at", timezone.now())
        carrier_list = create_record(CarrierList, actor=actor, file_name=filename, **fields)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    _start_import(actor, carrier_list, path, filename)
    return carrier_list


@transaction.atomic
def carrier_list_add_file(*, actor, carrier_list: CarrierList, path: Path, filename: str) -> Job:
    """Import another file into an existing list (the corrected rejected rows, a re-sent or
    overlapping file): rows and tasks it already holds are not stored again."""
    try:
        ensure_in_scope(actor, "change", carrier_list)
        if carrier_list.status == CarrierList.Status.IMPORTING and _job_running(carrier_list):
            raise ValidationError(_("This list is still being imported; wait until it ends."))
        _check_readable(path, filename)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    CarrierList.objects.filter(pk=carrier_list.pk).update(
        status=CarrierList.Status.IMPORTING, resume_line=0
    )
    return _start_import(actor, carrier_list, path, filename)


def _job_running(carrier_list: CarrierList) -> bool:
    return bool(
        carrier_list.job_id
        and Job.objects.filter(
            pk=carrier_list.job_id, status__in=(Job.Status.QUEUED, Job.Status.RUNNING)
        ).exists()
    )


def _start_import(actor, carrier_list: CarrierList, path: Path, filename: str) -> Job:
    job = job_start(
        actor=actor,
        kind="bigdata.import",
        title=_("Carrier list: %(name)s") % {"name": carrier_list.name},
        params={"list": carrier_list.pk, "filename": filename, "needs_input": True},
        input_file=str(path),
    )
    CarrierList.objects.filter(pk=carrier_list.pk).update(job=job)
    carrier_list.job = job
    return job


def carrier_list_state(carrier_list: CarrierList) -> str:
    """``importing``, ``interrupted`` (its job stopped before the end: resume it), or the
    stored status."""
    if carrier_list.status != CarrierList.Status.IMPORTING:
        return carrier_list.status
    job = carrier_list.job
    if job is None or job.status == Job.Status.FAILED:
        return CarrierList.Status.INTERRUPTED
    return CarrierList.Status.IMPORTING


@transaction.atomic
def carrier_list_resume(*, actor, carrier_list: CarrierList) -> Job:
    """Run an interrupted import again from the stored upload: the rows already committed are
    skipped, and unique keys make any overlap harmless."""
    from fangkong.core.jobs import jobs_reclaim_stale

    ensure_in_scope(actor, "change", carrier_list)
    jobs_reclaim_stale()
    carrier_list.refresh_from_db()
    job = carrier_list.job
    if carrier_list_state(carrier_list) != CarrierList.Status.INTERRUPTED or job is None:
        raise ValidationError(_("Only an interrupted import can be resumed."))
    if not job.input_file or not Path(job.input_file).is_file():
        raise ValidationError(
            _("The uploaded file is no longer kept; upload it again into this list.")
        )
    path = job.input_file
    Job.objects.filter(pk=job.pk).update(input_file="")
    return _start_import(actor, carrier_list, Path(path), job.params.get("filename", ""))


@job_handler("bigdata.import")
def _import_job(job: Job, progress) -> dict:
    from fangkong.bigdata.importing import import_file

    carrier_list = CarrierList.objects.select_related("area").get(pk=job.params["list"])
    path = Path(job.input_file)
    filename = job.params.get("filename", "")
    try:
        result = import_file(carrier_list, path, filename, progress=progress)
    except ValidationError as exc:
        # Unreadable after all (checked at upload, so rare): nothing of it is stored.
        path.unlink(missing_ok=True)
        message = "；".join(exc.messages)
        CarrierList.objects.filter(pk=carrier_list.pk).update(
            status=CarrierList.Status.FAILED, message=message[:500]
        )
        return {"failed": True, "message": message}
    # The upload goes only once the import is complete: a killed worker leaves it for resuming.
    path.unlink(missing_ok=True)
    report = result.pop("report", None)
    name = result.pop("report_name", None)
    if report:
        Job.objects.filter(pk=job.pk).update(output_file=report, output_name=name)
        job.output_file, job.output_name = report, name
    return result


# --------------------------------------------------------------------------- rows and tasks


def _due(now: dt.datetime) -> dt.datetime:
    from django.conf import settings

    return now + dt.timedelta(hours=settings.FANGKONG_BIGDATA_DUE_HOURS)


@transaction.atomic
def row_resolve(*, actor, row: ListRow, person=None) -> ListRow:
    """A person's choice for an ambiguous row: one of its candidates (the row becomes a task
    for that person's grid worker), or none of them (``person=None``: an unmatched lead)."""
    from fangkong.bigdata.importing import Matcher, window_of
    from fangkong.people.models import Person

    row = ListRow.objects.select_for_update().select_related("carrier_list__area").get(pk=row.pk)
    if not user_can(actor, "change", row):
        raise PermissionDenied
    if row.status != ListRow.Status.AMBIGUOUS:
        raise ValidationError(_("This row has already been resolved."))
    if person is not None and person.pk not in row.candidates:
        raise ValidationError({"person": _("Choose one of the row's candidates.")})
    carrier_list = row.carrier_list
    window = window_of(row.arrival_date or carrier_list.list_date)
    now = timezone.now()
    if person is not None:
        person = Person.all_objects.get(pk=person.pk)
        existing = VerificationTask.all_objects.filter(
            person=person, source=carrier_list.source, window=window, deleted_at__isnull=True
        ).first()
        area = person.area
    else:
        existing = VerificationTask.all_objects.filter(
            person__isnull=True,
            phone_bidx=row.phone_bidx,
            source=carrier_list.source,
            window=window,
            deleted_at__isnull=True,
        ).first()
        area = None
    task = existing
    if task is None:
        if area is None:
            from fangkong.places.models import Area

            area = Area.objects.get(pk=Matcher(carrier_list).town_of(row.phone_region))
        task = VerificationTask(
            area=area,
            person=person,
            carrier_list=carrier_list,
            source=carrier_list.source,
            window=window,
            name=row.name,
            phone=row.phone,
            phone_region=row.phone_region,
            arrival_date=row.arrival_date,
            origin=row.origin,
            due_at=_due(now),
        )
        task._history_user = actor
        task.save()
    row.status = ListRow.Status.RESOLVED if person else ListRow.Status.UNMATCHED
    row.match_by = ListRow.MatchBy.HAND if person else ""
    row.person = person
    row.task = task
    row.resolved_by = actor
    row.resolved_at = now
    row.save(update_fields=["status", "match_by", "person", "task", "resolved_by", "resolved_at"])
    _recount(carrier_list)
    return row


def _recount(carrier_list: CarrierList) -> None:
    from django.db.models import Count

    counts = dict(
        ListRow.objects.filter(carrier_list=carrier_list)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    CarrierList.objects.filter(pk=carrier_list.pk).update(
        rows_matched=counts.get("matched", 0) + counts.get("resolved", 0),
        rows_ambiguous=counts.get("ambiguous", 0),
        rows_unmatched=counts.get("unmatched", 0),
    )


@transaction.atomic
def task_assign(*, actor, task: VerificationTask, area, expected_version: int | None):
    """Hand a pooled (unmatched) lead to a town, village or grid the actor may assign to."""
    if not covers(actor, "bigdata.change_verificationtask", area):
        raise ValidationError({"area": _("You may not assign leads to that area.")})
    if task.status != VerificationTask.Status.PENDING:
        raise ValidationError(_("This lead has already been verified."))
    return update_record(
        task, actor=actor, expected_version=expected_version, changes={"area": area}
    )


# --------------------------------------------------------------------------- outcomes


def outcome_check(*, data: dict[str, Any]) -> dict[str, Any]:
    """Validate an outcome as ``outcome_create`` would, without writing."""
    fields = {k: v for k, v in data.items() if k in OUTCOME_FIELDS}
    fields.setdefault("recorded_at", timezone.now())
    recorded = fields["recorded_at"]
    if recorded and recorded > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"recorded_at": _("The time of the visit is in the future.")})
    VerificationOutcome(**fields).full_clean(validate_constraints=False)
    return fields


@transaction.atomic
def outcome_create(*, actor, data: dict[str, Any]) -> VerificationOutcome:
    """Record what the grid worker found at the door and apply it to the task."""
    fields = outcome_check(data=data)
    outcome = create_record(VerificationOutcome, actor=actor, recorded_by=actor, **fields)
    outcomes_apply(actor=actor, outcomes=[outcome])
    return outcome


def outcomes_apply(*, actor, outcomes: list[VerificationOutcome]) -> None:
    """Apply outcomes to their tasks (the latest recorded wins) and register a confirmed-present
    arrival as a key person (category by origin: Wuhan or Hubei). Called by the single create
    and, for batches from phones, by the ``records_created`` receiver in the batch's
    transaction."""
    from fangkong.observation.services import register_key_person

    VerificationOutcome.objects.filter(
        pk__in=[o.pk for o in outcomes], recorded_by__isnull=True
    ).update(recorded_by=actor)
    latest: dict[int, VerificationOutcome] = {}
    for o in outcomes:
        if o.task_id not in latest or o.recorded_at >= latest[o.task_id].recorded_at:
            latest[o.task_id] = o
    tasks = VerificationTask.all_objects.select_related("person__area", "carrier_list").filter(
        pk__in=latest
    )
    for task in tasks:
        o = latest[task.pk]
        if task.verified_at and task.verified_at > o.recorded_at:
            continue  # an older visit sent late does not overwrite a newer one
        changes = {
            "status": VerificationTask.Status.VERIFIED,
            "outcome": o.outcome,
            "note": o.note,
            "verified_at": o.recorded_at,
            "verified_by": actor,
        }
        if (
            o.outcome == VerificationTask.Outcome.PRESENT
            and task.person_id
            and not task.key_person_id
        ):
            category = "wuhan" if "武汉" in (task.origin or "") else "hubei"
            key_person, _created = register_key_person(
                actor=actor,
                person=task.person,
                category=category,
                source="bigdata",
                origin=task.origin or ("武汉" if category == "wuhan" else "湖北"),
                arrival_date=task.arrival_date,
                note=_("Confirmed present by the verification of a carrier list."),
                source_ref=f"bigdata.verificationtask:{task.pk}",
                identified_at=o.recorded_at,
                on_behalf=True,
            )
            changes["key_person"] = key_person
        for name, value in changes.items():
            setattr(task, name, value)
        task.version += 1
        task._history_user = actor
        task.save(update_fields=[*changes, "version", "updated_at"])
