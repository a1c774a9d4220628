"""The nightly job (django-tasks): issue every area's report for the day that just ended."""

import datetime as dt

from django_tasks import task


@task(queue_name="default")
def issue_nightly_reports(day: str) -> str:
    """Issue the reports of ``day`` (ISO date); the run is recorded in ``NightlyRun`` (a
    failure with its retry time, picked up by ``manage.py issue_daily_reports``)."""
    from fangkong.reports.services import nightly_issue

    return nightly_issue(day=dt.date.fromisoformat(day)).status
