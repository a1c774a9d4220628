"""Helpers for the people and places UI tests: logged-in clients and running queued jobs."""

import io

import pytest
from openpyxl import Workbook


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


@pytest.fixture
def run_jobs():
    """Run the queued jobs as the worker would. Test transactions never commit, so the
    on-commit enqueue does not happen: the jobs are run directly, in order."""
    from fangkong.core.jobs import run_job
    from fangkong.core.models import Job

    def run():
        jobs = list(Job.objects.filter(status=Job.Status.QUEUED).order_by("created_at"))
        for job in jobs:
            run_job.call(str(job.pk))
            job.refresh_from_db()
        return jobs

    return run


def xlsx_bytes(headers, rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
