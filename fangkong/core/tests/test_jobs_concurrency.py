"""Jobs, progress polling and ordinary use coexist (file SQLite, real worker, real locking)."""

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
