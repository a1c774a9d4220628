"""Bad input and faults of the carrier-list import: each one the issue names, proven."""

import io
import tracemalloc
from pathlib import Path

import pytest
from openpyxl import Workbook

from fangkong.bigdata import importing, reading
from fangkong.bigdata.models import CarrierList, ListRow, VerificationOutcome, VerificationTask
from fangkong.bigdata.tests.conftest import csv_bytes
from fangkong.core.jobfiles import open_sealed

DATA = Path(__file__).parent / "data"


def _report_rows(job) -> list[tuple]:
    from openpyxl import load_workbook

    body = b"".join(open_sealed(Path(job.output_file)))
    sheet = load_workbook(io.BytesIO(body)).worksheets[0]
    return list(sheet.iter_rows(values_only=True))


@pytest.mark.django_db
def test_broken_rows_report_every_reason_and_keep_the_good_ones(
    world, office, persons, upload, run_jobs
):
    p = persons
    rows = [
        [p["张伟"].phone, "张伟", "2020-01-22"],
        ["", "无号码", "2020-01-22"],
        ["1381234", "短号码", "2020-01-22"],
        ["23812345678", "错号段", "2020-01-22"],
        ["", "", ""],
        [p["李娜"].phone, "李娜", "明天"],
        [p["刘洋"].phone, "刘洋", "2020-01-23"],
    ]
    from django.utils import translation

    lst = upload(
        office, csv_bytes(["电话", "姓名", "到达时间"], rows), "x.csv", area=world.district
    )
    with translation.override("en"):  # the messages' English sources (translated on merge)
        [job] = run_jobs()
    lst.refresh_from_db()
    assert (lst.rows_total, lst.rows_rejected, lst.rows_matched) == (6, 4, 2)
    report = _report_rows(job)
    assert report[0][0] == "Line" and report[0][-1] == "Reason"
    reasons = {r[0]: r[-1] for r in report[1:]}
    assert set(reasons) == {3, 4, 5, 7}  # line numbers as in the file (empty line 6 skipped)
    assert "Enter the mobile number" in reasons[3]
    assert "11 digits" in reasons[4]
    assert "starts with 13 to 19" in reasons[5]
    assert "not a date" in reasons[7]


@pytest.mark.django_db
def test_wrong_column_order_and_synonyms(world, office, persons, upload, run_jobs):
    p = persons
    rows = [
        ["武汉", "2020-01-22", "张伟", p["张伟"].phone],
        ["孝感", "2020-01-23", "", "13700000000"],
    ]
    headers = ["来源地", "抵达日期", "机主姓名", "用户号码"]
    lst = upload(office, csv_bytes(headers, rows), "x.csv", area=world.district)
    run_jobs()
    lst.refresh_from_db()
    assert (lst.rows_matched, lst.rows_unmatched) == (1, 1)
    row = ListRow.objects.get(carrier_list=lst, person=p["张伟"])
    assert row.origin == "武汉" and str(row.arrival_date) == "2020-01-22"


def _xlsx_with_title_and_groups(persons) -> bytes:
    """A carrier workbook as sent: a merged title row, a grouping row with merged cells over
    the real headers, then data; and a second sheet for the next day."""
    wb = Workbook()
    ws = wb.active
    ws.title = "1月27日"
    ws.append(["大通湖区湖北来区人员名单"])
    ws.merge_cells("A1:E1")
    ws.append(["基本信息", None, None, "行程", None])
    ws.merge_cells("A2:C2")
    ws.merge_cells("D2:E2")
    ws.append(["序号", "手机号", "姓名", "到达日期", "来源地"])
    ws.append([1, int(persons["张伟"].phone), "张伟", "2020-01-22", "武汉"])
    ws.append([None, None, None, None, None])
    ws.append([2, persons["刘洋"].phone, "刘洋", "2020-01-23", "孝感"])
    second = wb.create_sheet("1月28日")
    second.append(["手机号码", "来自"])
    second.append([persons["李娜"].phone, "黄冈"])
    wb.create_sheet("说明").append(["本表由省大数据组下发"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.django_db
def test_merged_header_cells_title_rows_and_several_sheets(
    world, office, persons, upload, run_jobs
):
    lst = upload(office, _xlsx_with_title_and_groups(persons), "list.xlsx", area=world.district)
    [job] = run_jobs()
    assert job.status == "done", job.message
    lst.refresh_from_db()
    assert (lst.rows_total, lst.rows_matched, lst.rows_rejected) == (3, 3, 0)
    where = set(ListRow.objects.filter(carrier_list=lst).values_list("sheet", "line"))
    assert where == {("1月27日", 4), ("1月27日", 6), ("1月28日", 2)}  # where each row came from
    assert "序号" in lst.message  # the unused column is named, not silently dropped


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8", "utf-8-sig"])
def test_csv_encodings_as_carriers_send_them(world, office, persons, upload, run_jobs, encoding):
    data = csv_bytes(
        ["手机号", "姓名", "来源地"], [[persons["张伟"].phone, "张伟", "湖北省武汉市"]], encoding
    )
    lst = upload(office, data, "x.csv", area=world.district)
    run_jobs()
    row = ListRow.objects.get(carrier_list=lst)
    assert row.name == "张伟" and row.origin == "湖北省武汉市" and row.person == persons["张伟"]


@pytest.mark.django_db
def test_xls_workbook(world, office, persons, upload, run_jobs, commander):
    """An old .xls (read by calamine): title row merged, synonyms, a number cell as phone."""
    from fangkong.core.testing import make_id_number
    from fangkong.people.services import person_create

    person_create(
        actor=commander,
        data={
            "name": "张伟",
            "id_number": make_id_number(),
            "phone": "13800000001",
            "area": world.grid2,
        },
    )
    lst = upload(office, (DATA / "unicom.xls").read_bytes(), "unicom.xls", area=world.district)
    [job] = run_jobs()
    assert job.status == "done", job.message
    lst.refresh_from_db()
    assert (lst.rows_total, lst.rows_matched, lst.rows_unmatched, lst.rows_rejected) == (3, 1, 1, 1)
    pooled = VerificationTask.objects.get(person__isnull=True)
    assert pooled.area == world.town  # the phone's registered area names 河坝镇
    assert ListRow.objects.get(carrier_list=lst, person__isnull=False).sheet == "1月27日"


def test_large_file_is_streamed(tmp_path):
    """A 50 MB carrier CSV is read row by row: the reader's memory stays far below the file."""
    path = tmp_path / "big.csv"
    line = "13812345678,张某某,430971198001010011,2020-01-22,湖北省武汉市,益阳\n".encode("gbk")
    with open(path, "wb") as handle:
        handle.write("手机号,姓名,身份证号,到达日期,来源地,号码归属地\n".encode("gbk"))
        block = line * 10000
        while handle.tell() < 50 * 1024 * 1024:
            handle.write(block)
    size = path.stat().st_size
    reader = reading.open_list(path, "big.csv")
    assert reader.kind == "csv" and reader.encoding == "gb18030"
    tracemalloc.start()
    count = sum(1 for _ in reader.rows())
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count > 700_000
    assert peak < size / 20, f"peak {peak} for a file of {size}"


@pytest.mark.django_db
def test_file_over_the_limit_refused(world, office, login, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    settings.FANGKONG_BIGDATA_IMPORT_MAX_BYTES = 2048
    data = csv_bytes(["手机号"], [["13812345678"]] * 400)
    response = login(office).post(
        reverse("bigdata:carrierlist_create"),
        {
            "area": world.district.pk,
            "name": "x",
            "carrier": "mobile",
            "source": "s",
            "list_date": "2020-01-27",
            "file": SimpleUploadedFile("x.csv", data),
        },
    )
    assert response.status_code == 400 and "MB" in response.content.decode()
    assert not CarrierList.objects.exists()


class WorkerKilled(BaseException):
    """Stands for SIGKILL: not an Exception, so nothing in the import may swallow it."""


@pytest.mark.django_db
def test_killed_worker_resumed_without_duplicates(
    world, office, persons, upload, run_jobs, monkeypatch
):
    from fangkong.bigdata.services import carrier_list_resume, carrier_list_state

    p = persons
    rows = [[p[n].phone, n, "2020-01-22"] for n in ("张伟", "李娜", "刘洋", "陈静")]
    rows += [[f"1370000000{i}", "", "2020-01-22"] for i in range(6)]
    monkeypatch.setattr(importing, "CHUNK", 3)
    real_write = importing.Matcher.write
    calls = {"n": 0}

    def dying_write(self, chunk, *, now):
        calls["n"] += 1
        if calls["n"] == 3:
            raise WorkerKilled
        return real_write(self, chunk, now=now)

    monkeypatch.setattr(importing.Matcher, "write", dying_write)
    lst = upload(
        office, csv_bytes(["手机号", "姓名", "到达日期"], rows), "x.csv", area=world.district
    )
    with pytest.raises(WorkerKilled):
        run_jobs()
    # What a dead worker leaves: its job failed by the lease check, two chunks committed.
    from fangkong.core.models import Job

    Job.objects.filter(pk=lst.job_id).update(status=Job.Status.FAILED)
    lst.refresh_from_db()
    assert carrier_list_state(lst) == "interrupted"
    assert lst.resume_line == 6 and ListRow.objects.filter(carrier_list=lst).count() == 6
    assert Path(lst.job.input_file).is_file()  # the upload stays for the resumed run
    tasks_before = VerificationTask.objects.count()
    assert tasks_before == 6
    carrier_list_resume(actor=office, carrier_list=lst)
    run_jobs()
    lst.refresh_from_db()
    assert lst.status == "done"
    assert ListRow.objects.filter(carrier_list=lst).count() == 10
    assert VerificationTask.objects.count() == 10
    # Run the whole file once more into the same list (e.g. the resume was not possible):
    # nothing is stored twice.
    from fangkong.bigdata.services import carrier_list_add_file
    from fangkong.core.jobfiles import write_private

    path = write_private("in-again", csv_bytes(["手机号", "姓名", "到达日期"], rows))
    carrier_list_add_file(actor=office, carrier_list=lst, path=Path(path), filename="x.csv")
    run_jobs()
    assert ListRow.objects.filter(carrier_list=lst).count() == 10
    assert VerificationTask.objects.count() == 10


@pytest.mark.django_db
def test_overlapping_list_creates_no_duplicate_tasks(world, office, persons, upload, run_jobs):
    p = persons
    first = [[p["张伟"].phone, "2020-01-20"], [p["李娜"].phone, "2020-01-21"]]
    second = [
        [p["张伟"].phone, "2020-01-22"],  # same arrival window: the same task
        [p["李娜"].phone, "2020-02-20"],  # a later trip: a new task
        [p["刘洋"].phone, "2020-01-22"],
    ]
    upload(office, csv_bytes(["手机号", "到达日期"], first), "a.csv", area=world.district)
    run_jobs()
    upload(
        office,
        csv_bytes(["手机号", "到达日期"], second),
        "b.csv",
        area=world.district,
        name="第二份",
        list_date=__import__("datetime").date(2020, 2, 21),
    )
    run_jobs()
    assert VerificationTask.objects.filter(person=p["张伟"]).count() == 1
    assert VerificationTask.objects.filter(person=p["李娜"]).count() == 2
    assert VerificationTask.objects.count() == 4
    task = VerificationTask.objects.get(person=p["张伟"])
    assert task.rows.count() == 2  # both lists' rows point at it


@pytest.mark.django_db
def test_retried_outcome_batch_stored_once(
    world, grid_worker, outsider, persons, upload, office, run_jobs, client
):
    from fangkong.core.tokens import token_create
    from fangkong.observation.models import KeyPerson

    upload(
        office,
        csv_bytes(
            ["手机号", "来源地"],
            [
                [persons["张伟"].phone, "武汉"],
                [persons["李娜"].phone, "孝感"],
                [persons["陈静"].phone, "孝感"],
            ],
        ),
        "a.csv",
        area=world.district,
    )
    run_jobs()
    mine = VerificationTask.objects.get(person=persons["张伟"])
    mine2 = VerificationTask.objects.get(person=persons["李娜"])
    theirs = VerificationTask.objects.get(person=persons["陈静"])
    _t, secret = token_create(actor=grid_worker, name="phone")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    body = {
        "records": [
            {"client_id": "c1", "task_id": mine.pk, "outcome": "present"},
            {"client_id": "c2", "task_id": mine2.pk, "outcome": "left", "note": "已返回武汉"},
            {"client_id": "c3", "task_id": theirs.pk, "outcome": "left"},
        ]
    }
    url = "/api/v1/verification-outcomes/batch"
    first = client.post(url, body, content_type="application/json", **headers).json()
    assert [r["status"] for r in first["results"]] == ["stored", "stored", "rejected"]
    again = client.post(url, body, content_type="application/json", **headers).json()
    assert [r["status"] for r in again["results"]] == [
        "already_stored",
        "already_stored",
        "rejected",
    ]
    assert VerificationOutcome.objects.count() == 2
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.status == "verified" and mine.outcome == "present" and mine.key_person_id
    assert theirs.status == "pending"  # another town's task: not the grid worker's to verify
    assert KeyPerson.objects.filter(person=persons["张伟"]).count() == 1
    assert VerificationTask.objects.get(pk=mine2.pk).note == "已返回武汉"


@pytest.mark.django_db
def test_api_lists_are_scoped_and_masked(
    world, grid_worker, persons, upload, office, run_jobs, client
):
    from fangkong.core.tokens import token_create

    upload(
        office,
        csv_bytes(["手机号"], [[persons["张伟"].phone], [persons["陈静"].phone]]),
        "a.csv",
        area=world.district,
    )
    run_jobs()
    _t, secret = token_create(actor=grid_worker, name="phone")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    data = client.get("/api/v1/verification-tasks", **headers).json()
    assert [i["person_id"] for i in data["results"]] == [persons["张伟"].pk]
    assert data["results"][0]["phone_masked"].startswith(persons["张伟"].phone[:3])
    assert persons["张伟"].phone not in str(data)
    theirs = VerificationTask.objects.get(person=persons["陈静"])
    assert client.get(f"/api/v1/verification-tasks/{theirs.pk}", **headers).status_code == 404
    # Grid workers hold no permission on whole lists: nothing listed.
    assert client.get("/api/v1/carrier-lists", **headers).json()["count"] == 0
