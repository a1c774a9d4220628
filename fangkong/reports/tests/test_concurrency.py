"""Two writers issuing the same report at the same moment store one report (PostgreSQL: real
concurrent transactions on the unique (area, day, revision) key)."""

import threading
from unittest import mock

import pytest
from django.db import connection

from fangkong.core.testing import postgresql_only
from fangkong.reports import services
from fangkong.reports.models import DailyReport
from fangkong.reports.tests.conftest import DAY

pytestmark = [
    pytest.mark.django_db(transaction=True),
    postgresql_only("two transactions inserting the same report at once"),
]


def test_issuing_the_same_report_twice_at_once_stores_one(
    district, sections, office_user, commander
):
    barrier = threading.Barrier(2, timeout=30)
    real_latest = services.latest_report

    def racing_latest(area, day):
        # Both writers look before either has stored: each believes the report is new.
        found = real_latest(area, day)
        barrier.wait()
        return found

    results, errors = [], []

    def issue(actor):
        try:
            results.append(services.report_issue(actor=actor, area=district.district, day=DAY).pk)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    with mock.patch.object(services, "latest_report", racing_latest):
        threads = [threading.Thread(target=issue, args=(u,)) for u in (office_user, commander)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors, errors
    assert len(results) == 2 and results[0] == results[1]
    assert DailyReport.objects.count() == 1
