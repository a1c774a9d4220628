import datetime as dt

import pytest
from django.utils import timezone

from fangkong.bigdata.models import VerificationTask
from fangkong.bigdata.tests.conftest import csv_bytes
from fangkong.core.figures import FigureContext, sections


@pytest.mark.django_db
def test_bigdata_section_as_of_24_00_by_town(world, office, persons, upload, run_jobs):
    upload(
        office,
        csv_bytes(["手机号"], [[persons["张伟"].phone], [persons["陈静"].phone], ["13911112222"]]),
        "a.csv",
        area=world.district,
    )
    run_jobs()
    day = dt.date(2020, 1, 28)
    start = timezone.make_aware(dt.datetime(2020, 1, 27, 10))
    from fangkong.bigdata.models import CarrierList

    CarrierList.objects.update(received_at=start)
    VerificationTask.objects.update(created_at=start, due_at=start + dt.timedelta(hours=24))
    # 张伟's lead verified on the 28th; 陈静's only on the 29th (after this report's 24:00).
    VerificationTask.objects.filter(person=persons["张伟"]).update(
        status="verified", verified_at=timezone.make_aware(dt.datetime(2020, 1, 28, 9))
    )
    VerificationTask.objects.filter(person=persons["陈静"]).update(
        status="verified", verified_at=timezone.make_aware(dt.datetime(2020, 1, 29, 9))
    )
    [section] = [s for s in sections() if s.key == "bigdata"]
    ctx = FigureContext(day=day, root=world.district, units=[world.town, world.other_town])
    figures = {f.key: f for f in section.compute(ctx)}
    assert figures["rows_received"].total == 3
    assert figures["rows_matched"].total == 2
    assert figures["tasks_verified"].total == 1
    assert figures["tasks_verified"].by_unit == {world.town.pk: 1}
    assert figures["tasks_pending"].total == 2  # 陈静 (verified later) and the pooled number
    assert figures["tasks_overdue"].total == 2
    assert figures["tasks_pending"].by_unit == {world.other_town.pk: 1}
    assert "state=overdue" in figures["tasks_overdue"].link
    # The day before the list arrived: nothing yet.
    earlier = FigureContext(day=dt.date(2020, 1, 26), root=world.district, units=[world.town])
    assert all(f.total == 0 for f in section.compute(earlier))
