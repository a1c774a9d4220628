"""Records of the big-data module for core's cross-module tests (the export leak check)."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path


def export_fixture_records(*, actor, persons) -> None:
    """A carrier list imported through the real pipeline: rows and tasks with encrypted phone
    and ID numbers (one matched to each given person, one unknown number), and an outcome."""
    from fangkong.bigdata.importing import import_file
    from fangkong.bigdata.models import CarrierList, VerificationTask
    from fangkong.bigdata.services import outcome_create
    from fangkong.core.jobfiles import write_private
    from fangkong.places.models import Area

    district = Area.objects.filter(level=Area.Level.DISTRICT).order_by("path").first()
    lines = ["手机号,姓名,身份证号,来源地"]
    lines += [f"{p.phone},{p.name},{p.id_number},武汉" for p in persons if p.phone]
    lines.append("13912340000,,,孝感")
    path = write_private(f"in-{uuid.uuid4().hex}", "\n".join(lines).encode("utf-8"))
    carrier_list = CarrierList.objects.create(
        area=district,
        name="测试名单",
        carrier="telecom",
        source="测试",
        list_date=dt.date(2020, 1, 27),
    )
    try:
        import_file(carrier_list, Path(path), "list.csv")
    finally:
        Path(path).unlink(missing_ok=True)
    task = VerificationTask.objects.filter(carrier_list=carrier_list).first()
    outcome_create(actor=actor, data={"task": task, "outcome": "left", "note": "测试"})
