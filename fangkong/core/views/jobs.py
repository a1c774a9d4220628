"""Background jobs: the owner's list, progress page, download and retry."""

from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from fangkong.core.jobfiles import SealedFileError, is_sealed, job_dir, open_sealed
from fangkong.core.jobs import job_can_retry, job_message, job_retry, jobs_reclaim_stale
from fangkong.core.middleware import passive_session
from fangkong.core.models import Job
from fangkong.core.views.common import (
    _page,
)

# --------------------------------------------------------------------------- jobs


def _own_job(request: HttpRequest, pk) -> Job:
    # A job whose worker died is marked so before it is shown, never left "running".
    jobs_reclaim_stale(owner=request.user)
    return get_object_or_404(Job, pk=pk, owner=request.user)


def _context(job: Job) -> dict:
    return {
        "job": job,
        "job_message": job_message(job),
        "can_retry": job_can_retry(job),
        "has_report": job_has_file(job),
    }


def job_has_file(job: Job) -> bool:
    """A finished job's file (export, or a failed import's rejected-rows report) to download."""
    return job.finished and bool(job.output_file) and Path(job.output_file).is_file()


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    jobs_reclaim_stale(owner=request.user)
    page = _page(request, Job.objects.filter(owner=request.user), 25)
    return render(request, "core/job_list.html", {"page": page})


@login_required
def job_detail(request: HttpRequest, pk) -> HttpResponse:
    return render(request, "core/job_detail.html", _context(_own_job(request, pk)))


@never_cache
@passive_session
@login_required
def job_progress(request: HttpRequest, pk) -> HttpResponse:
    """The progress partial polled by htmx; once finished it no longer asks to be polled.
    Polling is not activity: it neither writes nor renews the session."""
    return render(request, "core/partials/job_progress.html", _context(_own_job(request, pk)))


@login_required
def job_download(request: HttpRequest, pk) -> HttpResponse:
    job = _own_job(request, pk)
    if not job.finished or not job.output_file:
        raise Http404
    path = Path(job.output_file).resolve()
    # Only files the job machinery wrote: a stored path must never reach elsewhere on disk.
    if not path.is_relative_to(job_dir().resolve()) or not path.is_file():
        raise Http404
    filename = job.output_name or path.name
    if not is_sealed(path):  # written before job files were sealed
        return FileResponse(path.open("rb"), as_attachment=True, filename=filename)
    chunks = open_sealed(path)
    try:
        first = next(chunks)  # a damaged file fails here, before any header is sent
    except SealedFileError:
        raise Http404 from None

    def stream():
        yield first
        yield from chunks

    response = StreamingHttpResponse(stream(), content_type="application/octet-stream")
    if filename.endswith(".xlsx"):
        response["Content-Type"] = (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
def job_retry_view(request: HttpRequest, pk) -> HttpResponse:
    job = _own_job(request, pk)
    if not job_can_retry(job):
        messages.error(
            request,
            _("This job cannot be run again: its uploaded file is gone. Upload the file again."),
        )
        return redirect(reverse("core:job_detail", args=[job.pk]))
    new = job_retry(actor=request.user, job=job)
    messages.info(request, _("The job was queued again with the same input."))
    return redirect(reverse("core:job_detail", args=[new.pk]))
