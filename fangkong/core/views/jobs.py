"""Background jobs: the owner's list, progress page, and download."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache

from fangkong.core.jobs import job_dir
from fangkong.core.models import Job
from fangkong.core.views.common import (
    _page,
)

# --------------------------------------------------------------------------- jobs


def _own_job(request: HttpRequest, pk) -> Job:
    return get_object_or_404(Job, pk=pk, owner=request.user)


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    page = _page(request, Job.objects.filter(owner=request.user), 25)
    return render(request, "core/job_list.html", {"page": page})


@login_required
def job_detail(request: HttpRequest, pk) -> HttpResponse:
    return render(request, "core/job_detail.html", {"job": _own_job(request, pk)})


@never_cache
@login_required
def job_progress(request: HttpRequest, pk) -> HttpResponse:
    """The progress partial polled by htmx; once finished it no longer asks to be polled."""
    return render(request, "core/partials/job_progress.html", {"job": _own_job(request, pk)})


@login_required
def job_download(request: HttpRequest, pk) -> FileResponse:
    job = _own_job(request, pk)
    if job.status != Job.Status.DONE or not job.output_file:
        raise Http404
    path = Path(job.output_file).resolve()
    # Only files the job machinery wrote: a stored path must never reach elsewhere on disk.
    if not path.is_relative_to(job_dir().resolve()) or not path.is_file():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=job.output_name or path.name)
