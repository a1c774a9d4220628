"""Fixtures of the big-data tests: persons of the small world, a list file maker, an import
runner that goes through the upload service and the job worker."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest

from fangkong.core.testing import make_id_number, make_phone


@pytest.fixture
def persons(world, commander):
    """Six persons: four in 东湖村一组 (河坝镇), one in 东湖村二组, one in 南湾村一组 (金盆镇);
    two of them share a phone (a family phone: ambiguous by phone alone)."""
    from fangkong.people.services import person_create

    shared = make_phone(90000001)
    specs = [
        ("张伟", world.grid, make_phone(90000011)),
        ("王芳", world.grid, shared),
        ("王强", world.grid, shared),
        ("李娜", world.grid, make_phone(90000012)),
        ("刘洋", world.grid2, make_phone(90000013)),
        ("陈静", world.other_grid, make_phone(90000014)),
    ]
    out = {}
    for name, grid, phone in specs:
        out[name] = person_create(
            actor=commander,
            data={"name": name, "id_number": make_id_number(), "phone": phone, "area": grid},
        )
    return out


def csv_bytes(headers, rows, encoding="utf-8-sig") -> bytes:
    buf = io.StringIO()
    import csv

    writer = csv.writer(buf)
    writer.writerow(headers)
    writer.writerows(rows)
    return buf.getvalue().encode(encoding)


@pytest.fixture
def upload(tmp_path, settings):
    """``upload(actor, data_bytes, filename, area=..., **fields)`` -> CarrierList (job queued)."""
    from fangkong.bigdata.services import carrier_list_create
    from fangkong.core.jobfiles import write_private

    def do(actor, data: bytes, filename: str, *, area, **fields):
        import uuid

        path = write_private(f"in-{uuid.uuid4().hex}", data)
        values = {
            "area": area,
            "name": fields.pop("name", "湖北返乡人员名单"),
            "carrier": fields.pop("carrier", "telecom"),
            "source": fields.pop("source", "省大数据组"),
            "list_date": fields.pop("list_date", dt.date(2020, 1, 27)),
            **fields,
        }
        return carrier_list_create(actor=actor, data=values, path=Path(path), filename=filename)

    return do
