"""Jobs, progress polling and ordinary use coexist (file SQLite, real worker, real locking)."""

import os

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.urls import reverse

from fangkong.core.models import Job
from fangkong.core.tests.filedb import migrate, run_script


@pytest.fixture(scope="module")
def file_db(tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("filedb")
    migrate(var_dir)
    return var_dir


def test_export_finishes_while_its_page_polls_and_others_write(file_db):
    # Before: the export's open read cursor pinned a WAL snapshot; the first progress write
    # after anyone else's write failed at once with "database is locked" (task failed at 0 %).
    outcome = run_script(file_db, "export_while_polling", "6000")
    assert outcome["polls"] > 10 and outcome["poll_errors"] == 0
    assert outcome["status"] == "done", outcome
    assert "6,000" in outcome["message"]


@pytest.mark.django_db
def test_polling_progress_writes_no_session(client, grid_worker, django_assert_num_queries):
    job = Job.objects.create(kind="core.export", title="x", owner=grid_worker)
    client.force_login(grid_worker)
    before = Session.objects.get().expire_date
    url = reverse("core:job_progress", args=[job.pk])
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    writes = [q["sql"] for q in queries if q["sql"].split()[0].upper() in ("UPDATE", "INSERT")]
    assert writes == []
    assert Session.objects.get().expire_date == before
    # An ordinary page is activity and renews the idle expiry as before.
    client.get(reverse("core:job_list"))
    assert Session.objects.get().expire_date >= before


def _query(var_dir, sql, *args):
    import sqlite3

    with sqlite3.connect(var_dir / "fangkong.sqlite3", timeout=20) as db:
        return db.execute(sql, args).fetchall()


def test_job_of_a_killed_worker_is_reclaimed_and_can_be_retried(tmp_path):
    import signal
    import subprocess
    import time

    from fangkong.core.tests.filedb import popen_manage

    var_dir = tmp_path / "killed"
    migrate(var_dir)
    job_id = run_script(var_dir, "queue_import", "3000")["job"].replace("-", "")
    worker = popen_manage(
        var_dir,
        "db_worker",
        "--no-startup-delay",
        "--no-reload",
        "--interval",
        "0.1",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            status = _query(var_dir, "select status from core_job where id = ?", job_id)
            if status and status[0][0] == "running":
                break
            time.sleep(0.05)
        else:
            pytest.fail("the worker never started the job")
        time.sleep(0.5)  # well into the checks of the rows
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    ((task_status,),) = _query(
        var_dir,
        "select t.status from django_tasks_database_dbtaskresult t join core_job j "
        "on replace(t.id, '-', '') = replace(j.task_id, '-', '') where j.id = ?",
        job_id,
    )
    assert task_status == "RUNNING"  # as the dead worker left it
    # Reclaim once the lease (1 s here) has run out.
    time.sleep(1.5)
    reclaim = popen_manage(
        var_dir,
        "reclaim_jobs",
        env={"FANGKONG_JOB_LEASE_SECONDS": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = reclaim.communicate(timeout=120)
    assert reclaim.returncode == 0, err
    ((status, message, input_file),) = _query(
        var_dir, "select status, message, input_file from core_job where id = ?", job_id
    )
    assert status == "failed" and "worker running this job stopped" in message
    ((task_status,),) = _query(
        var_dir,
        "select t.status from django_tasks_database_dbtaskresult t join core_job j "
        "on replace(t.id, '-', '') = replace(j.task_id, '-', '') where j.id = ?",
        job_id,
    )
    assert task_status != "RUNNING"
    assert _query(var_dir, "select count(*) from people_person") == [(0,)]  # nothing half-written
    assert os.path.exists(input_file)  # kept, so that the owner can retry
