"""Background jobs: own jobs only, a polled progress bar, and downloading the result."""

import uuid

import pytest
from django.core.management import call_command
from django.urls import reverse

from fangkong.core.jobs import job_dir, job_handler, job_start
from fangkong.core.models import Job

OUTPUT_NAME = "测试导出-东湖村.xlsx"


@job_handler("tests.tiny")
def _tiny_job(job, progress):
    progress(1, 2)
    path = job_dir() / f"test-{uuid.uuid4().hex}.txt"
    path.write_bytes(b"hello from the worker")
    Job.objects.filter(pk=job.pk).update(output_file=str(path), output_name=OUTPUT_NAME)
    progress(2, 2)
    return {"message": "all done"}


@pytest.fixture
def finished_job(transactional_db, grid_worker, settings, tmp_path):
    """A job queued by a real commit and run by the real worker command. Transactional: the
    worker closes connections that are inside a transaction, as a test's would be."""
    settings.MEDIA_ROOT = tmp_path
    job = job_start(actor=grid_worker, kind="tests.tiny", title="小任务")
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    job.refresh_from_db()
    return job


def test_job_runs_and_page_shows_done_and_download(client, grid_worker, finished_job):
    assert finished_job.status == Job.Status.DONE
    client.force_login(grid_worker)
    page = client.get(reverse("core:job_detail", args=[finished_job.pk]))
    assert page.status_code == 200
    content = page.content.decode()
    assert 'data-status="done"' in content
    assert "100%" in content
    assert "all done" in content
    assert 'hx-trigger="every 1s"' not in content  # finished: no more polling

    response = client.get(reverse("core:job_download", args=[finished_job.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"hello from the worker"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "filename*=utf-8''" in disposition.lower()
    assert "%E6%B5%8B%E8%AF%95" in disposition  # 测试, percent-encoded


def test_running_job_polls(client, grid_worker):
    job = Job.objects.create(
        kind="tests.tiny",
        title="进行中",
        owner=grid_worker,
        status=Job.Status.RUNNING,
        done=3,
        total=10,
    )
    client.force_login(grid_worker)
    response = client.get(reverse("core:job_progress", args=[job.pk]))
    content = response.content.decode()
    assert 'hx-trigger="every 1s"' in content
    assert "30%" in content
    assert reverse("core:job_download", args=[job.pk]) not in content
    assert client.get(reverse("core:job_download", args=[job.pk])).status_code == 404


def test_job_list_shows_only_own_jobs(client, grid_worker, outsider):
    Job.objects.create(kind="tests.tiny", title="我的任务", owner=grid_worker)
    Job.objects.create(kind="tests.tiny", title="别人的任务", owner=outsider)
    client.force_login(grid_worker)
    content = client.get(reverse("core:job_list")).content.decode()
    assert "我的任务" in content and "别人的任务" not in content


def test_other_users_get_404(client, outsider, finished_job):
    client.force_login(outsider)
    for name in ("core:job_detail", "core:job_progress", "core:job_download"):
        assert client.get(reverse(name, args=[finished_job.pk])).status_code == 404


def test_output_outside_job_dir_is_not_served(client, grid_worker, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    secret = tmp_path / "secret.txt"
    secret.write_text("not for download")
    job = Job.objects.create(
        kind="tests.tiny",
        title="x",
        owner=grid_worker,
        status=Job.Status.DONE,
        output_file=str(secret),
        output_name="a.txt",
    )
    client.force_login(grid_worker)
    assert client.get(reverse("core:job_download", args=[job.pk])).status_code == 404
