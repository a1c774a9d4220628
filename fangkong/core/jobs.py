"""Background jobs: long imports and exports run in the task worker with visible progress.

A module registers a handler with ``@job_handler("people.import")``; ``job_start`` records a
``Job`` row and enqueues the django-tasks task when the transaction commits. The handler gets the
job and a ``progress(done, total)`` callback; the page polls the job for its progress bar.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from fangkong.core.models import Job

log = logging.getLogger(__name__)
_HANDLERS: dict[str, Callable] = {}


def job_handler(kind: str):
    def register(func: Callable) -> Callable:
        _HANDLERS[kind] = func
        return func

    return register


def job_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "jobs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def job_start(
    *, actor, kind: str, title: str, params: dict | None = None, input_file: str = ""
) -> Job:
    """Record a job for ``actor``; the worker gets it once the caller's transaction commits."""
    if kind not in _HANDLERS:
        raise ValueError(f"no handler registered for job kind {kind!r}")
    job = Job.objects.create(
        kind=kind, title=title[:200], owner=actor, params=params or {}, input_file=input_file
    )
    transaction.on_commit(lambda: run_job.enqueue(str(job.pk)))
    return job


def job_progress(job: Job, done: int, total: int | None = None) -> None:
    fields = {"done": done}
    if total is not None:
        fields["total"] = total
    Job.objects.filter(pk=job.pk).update(**fields)
    job.done = done
    if total is not None:
        job.total = total


@task(queue_name="default")
def run_job(job_id: str) -> str:
    job = Job.objects.select_related("owner").get(pk=job_id)
    if job.finished:
        return job.status
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, started_at=timezone.now())
    try:
        handler = _HANDLERS[job.kind]
        result = handler(job, lambda done, total=None: job_progress(job, done, total)) or {}
    except Exception as exc:
        log.error("job %s (%s) failed: %s", job.pk, job.kind, type(exc).__name__)
        log.debug("%s", traceback.format_exc())
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.FAILED,
            finished_at=timezone.now(),
            message=str(exc)[:2000] if getattr(exc, "user_message", False) else "",
        )
        return Job.Status.FAILED
    job.refresh_from_db()
    status = Job.Status.FAILED if result.get("failed") else Job.Status.DONE
    Job.objects.filter(pk=job.pk).update(
        status=status,
        finished_at=timezone.now(),
        result=result,
        message=str(result.get("message", ""))[:2000],
        done=job.total or job.done,
    )
    return status
