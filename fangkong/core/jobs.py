"""Background jobs: long imports and exports run in the task worker with visible progress.

A module registers a handler with ``@job_handler("people.import")``; ``job_start`` records a
``Job`` row and enqueues the django-tasks task when the transaction commits. The handler gets the
job and a ``progress(done, total)`` callback; the page polls the job for its progress bar.

Concurrency (SQLite as much as PostgreSQL): progress is written in its own short autocommit
statement, never inside the handler's long transaction and never while a read cursor is open
on the connection (SQLite refuses to upgrade a stale WAL read snapshot to a write at once,
whatever the busy timeout); work that must happen only if the job succeeds
(``progress.on_success``, e.g. the access log of an export) runs in the one transaction that
marks the job done.

Dead workers: a running job carries a lease, ``heartbeat_at``, renewed by every progress call
and by a timer thread. A job whose lease is older than ``FANGKONG_JOB_LEASE_SECONDS`` lost its
worker (killed, out of memory, machine restarted); ``jobs_reclaim_stale`` marks it failed with
a message saying so, and its task row too. Its writes were one transaction, so nothing was
half written; the owner can retry it (``job_retry``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tasks import task

from fangkong.core.jobfiles import job_dir
from fangkong.core.models import Job

log = logging.getLogger(__name__)
_HANDLERS: dict[str, Callable] = {}

# Stored untranslated and shown through gettext on the page, in the reader's language.
STALE_MESSAGE = gettext_noop(
    "The worker running this job stopped (it was shut down or ran out of memory) before the "
    "job finished. Nothing was written. Retry it, or upload the file again."
)
INTERNAL_ERROR_MESSAGE = gettext_noop(
    "The job stopped because of an internal error; nothing was written. Retry it; if it fails "
    "again, tell your administrator the job number shown on this page."
)


def job_handler(kind: str):
    def register(func: Callable) -> Callable:
        _HANDLERS[kind] = func
        return func

    return register


def job_start(
    *, actor, kind: str, title: str, params: dict | None = None, input_file: str = ""
) -> Job:
    """Record a job for ``actor``; the worker gets it once the caller's transaction commits."""
    if kind not in _HANDLERS:
        raise ValueError(f"no handler registered for job kind {kind!r}")
    job = Job.objects.create(
        kind=kind, title=title[:200], owner=actor, params=params or {}, input_file=input_file
    )
    transaction.on_commit(lambda: _enqueue(job))
    return job


def _enqueue(job: Job) -> None:
    result = run_job.enqueue(str(job.pk))
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id))


class Progress:
    """The handler's ``progress(done, total)``; also renews the job's lease, and collects the
    work that belongs to success (``on_success``), run in the transaction that marks it done."""

    def __init__(self, job: Job):
        self.job = job
        self.success_hooks: list[Callable[[], None]] = []

    def __call__(self, done: int, total: int | None = None) -> None:
        job_progress(self.job, done, total)

    def on_success(self, func: Callable[[], None]) -> None:
        self.success_hooks.append(func)


def job_progress(job: Job, done: int, total: int | None = None) -> None:
    fields = {"done": done, "heartbeat_at": timezone.now()}
    if total is not None:
        fields["total"] = total
    Job.objects.filter(pk=job.pk).update(**fields)
    job.done = done
    if total is not None:
        job.total = total


class _Heartbeat(threading.Thread):
    """Renews the lease while a handler works without reporting progress (a long commit)."""

    def __init__(self, job_id):
        super().__init__(daemon=True, name=f"job-heartbeat-{job_id}")
        self.job_id = job_id
        self.stopped = threading.Event()

    def run(self) -> None:
        interval = settings.FANGKONG_JOB_HEARTBEAT_SECONDS
        try:
            while not self.stopped.wait(interval):
                try:
                    Job.objects.filter(pk=self.job_id, status=Job.Status.RUNNING).update(
                        heartbeat_at=timezone.now()
                    )
                except Exception:  # noqa: BLE001 - a busy database: try again next beat
                    log.debug("heartbeat of job %s not written", self.job_id)
        finally:
            connection.close()


@task(queue_name="default")
def run_job(job_id: str) -> str:
    # Housekeeping every worker does before a job: dead workers' jobs, expired files.
    jobs_reclaim_stale()
    try:
        job_files_purge()
    except Exception:  # noqa: BLE001 - never let housekeeping stop the job
        log.exception("purging job files failed")
    job = Job.objects.select_related("owner").get(pk=job_id)
    if job.finished:
        return job.status
    now = timezone.now()
    claimed = Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, started_at=now, heartbeat_at=now
    )
    if not claimed:  # another worker has it, or it was cancelled
        return job.status
    progress = Progress(job)
    beat = _Heartbeat(job.pk)
    beat.start()
    try:
        handler = _HANDLERS[job.kind]
        result = handler(job, progress) or {}
        failed = bool(result.get("failed"))
        with transaction.atomic():
            if not failed:
                for hook in progress.success_hooks:
                    hook()
            job.refresh_from_db(fields=["done", "total"])
            Job.objects.filter(pk=job.pk).update(
                status=Job.Status.FAILED if failed else Job.Status.DONE,
                finished_at=timezone.now(),
                heartbeat_at=timezone.now(),
                result=result,
                message=str(result.get("message", ""))[:2000],
                done=job.total or job.done,
            )
    except Exception as exc:
        log.exception("job %s (%s) failed: %s", job.pk, job.kind, type(exc).__name__)
        _fail(job, _failure_message(exc))
        return Job.Status.FAILED
    finally:
        beat.stopped.set()
        beat.join()
    return Job.Status.FAILED if failed else Job.Status.DONE


def _failure_message(exc: Exception) -> str:
    from django.core.exceptions import PermissionDenied, ValidationError

    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    if isinstance(exc, PermissionDenied) or getattr(exc, "user_message", False):
        return str(exc)
    return INTERNAL_ERROR_MESSAGE


def _fail(job: Job, message: str) -> None:
    # The handler's transaction (if any) is already rolled back; a broken connection is
    # replaced so that the failure itself can be recorded.
    close_old_connections()
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.FAILED, finished_at=timezone.now(), message=message[:2000]
    )


def job_message(job: Job) -> str:
    """The job's message in the reader's language (stored messages are English sources)."""
    return _(job.message) if job.message else ""


def jobs_reclaim_stale(*, owner=None) -> int:
    """Mark failed every running job whose worker stopped renewing its lease, and its task row.

    Returns how many. Cheap enough for a page view (one indexed query when there is nothing).
    """
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - timedelta(seconds=settings.FANGKONG_JOB_LEASE_SECONDS)
    stale = Job.objects.filter(status=Job.Status.RUNNING, heartbeat_at__lt=cutoff)
    if owner is not None:
        stale = stale.filter(owner=owner)
    count = 0
    for job in stale.only("pk", "task_id", "input_file"):
        with transaction.atomic():
            updated = Job.objects.filter(
                pk=job.pk, status=Job.Status.RUNNING, heartbeat_at__lt=cutoff
            ).update(status=Job.Status.FAILED, finished_at=timezone.now(), message=STALE_MESSAGE)
            if not updated:
                continue
            count += 1
            if job.task_id:
                DBTaskResult.objects.filter(pk=job.task_id, status="RUNNING").update(
                    status="FAILED",
                    finished_at=timezone.now(),
                    exception_class_path="fangkong.core.jobs.WorkerStopped",
                    traceback="The worker stopped renewing the job's lease.",
                )
        log.warning("job %s: worker stopped; marked failed", job.pk)
    return count


def job_can_retry(job: Job) -> bool:
    """A failed job can be run again with the same input while that input still exists."""
    if job.status != Job.Status.FAILED or job.kind not in _HANDLERS:
        return False
    if job.input_file:
        return Path(job.input_file).is_file()
    return not job.params.get("needs_input")


def job_retry(*, actor, job: Job) -> Job:
    """Queue a new job with the failed job's input; the old one keeps its record. The input
    file passes to the new job."""
    if job.owner_id != actor.pk or not job_can_retry(job):
        raise ValueError("this job cannot be retried")
    new = job_start(
        actor=actor, kind=job.kind, title=job.title, params=job.params, input_file=job.input_file
    )
    Job.objects.filter(pk=job.pk).update(input_file="")
    return new


def job_files_purge(*, now=None) -> int:
    """Delete job files past their time: outputs and leftover inputs of jobs finished more than
    ``FANGKONG_JOB_FILE_TTL_HOURS`` ago, and files of the job directory no job refers to that
    are as old (left by a crash). Runs as ``manage.py purge_job_files`` and before each job.
    Returns how many files were deleted."""

    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.FANGKONG_JOB_FILE_TTL_HOURS)
    deleted = 0
    expired = Job.objects.filter(finished_at__lt=cutoff).exclude(output_file="", input_file="")
    for job in expired.only("pk", "output_file", "input_file"):
        for name in (job.output_file, job.input_file):
            if name and _unlink_job_file(Path(name)):
                deleted += 1
        # The output path stays, so the page can say the file expired.
        Job.objects.filter(pk=job.pk).update(input_file="")
    live = set()
    for out, inp in Job.objects.exclude(output_file="", input_file="").values_list(
        "output_file", "input_file"
    ):
        live.update(p for p in (out, inp) if p)
    directory = job_dir()
    for path in directory.iterdir():
        if str(path) in live or not path.is_file():
            continue
        if path.stat().st_mtime < cutoff.timestamp() and _unlink_job_file(path):
            deleted += 1
    return deleted


def _unlink_job_file(path: Path) -> bool:

    try:
        if not path.resolve().is_relative_to(job_dir().resolve()) or not path.is_file():
            return False
        path.unlink()
        return True
    except OSError:
        return False
