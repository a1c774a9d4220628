import pytest

from fangkong.bigdata.models import CarrierList, ListRow, VerificationTask
from fangkong.bigdata.tests.conftest import csv_bytes

HEADERS = ["序号", "手机号码", "姓名", "身份证号", "到达日期", "来源地", "号码归属地"]


def _rows(persons):
    p = persons
    return [
        [1, p["张伟"].phone, "张伟", "", "2020-01-22", "湖北省武汉市", "益阳"],
        [2, p["王芳"].phone, "", "", "2020/1/23", "湖北孝感", ""],  # shared phone, no name
        [3, p["王芳"].phone, "王强", "", "2020年1月23日", "湖北孝感", ""],  # shared, named
        [4, p["李娜"].phone, "", p["李娜"].id_number, "20200124", "湖北黄冈", ""],
        [5, "13912345678", "赵六", "", "1月25日", "湖北", "河坝镇"],  # unknown: town pool
        [6, "13912345679", "", "", "", "武汉", ""],  # unknown: district pool
        [7, "12345", "坏号码", "", "2020-01-22", "武汉", ""],  # rejected
        [8, p["刘洋"].phone, "刘洋", "", "2020-02-30", "武汉", ""],  # rejected: date
        ["", "", "", "", "", "", ""],  # empty line
    ]


@pytest.mark.django_db
def test_csv_import_matches_classifies_and_creates_tasks(world, office, persons, upload, run_jobs):
    lst = upload(office, csv_bytes(HEADERS, _rows(persons)), "list.csv", area=world.district)
    [job] = run_jobs()
    assert job.status == "done", job.message
    lst.refresh_from_db()
    assert (lst.rows_total, lst.rows_rejected) == (8, 2)
    assert (lst.rows_matched, lst.rows_ambiguous, lst.rows_unmatched) == (3, 1, 2)
    by_line = {r.line: r for r in ListRow.objects.filter(carrier_list=lst)}
    assert by_line[2].person == persons["张伟"] and by_line[2].match_by == "phone"
    assert by_line[3].status == "ambiguous"
    assert set(by_line[3].candidates) == {persons["王芳"].pk, persons["王强"].pk}
    assert by_line[4].person == persons["王强"]
    assert by_line[5].match_by == "id"
    task = VerificationTask.objects.get(person=persons["张伟"])
    assert task.area == world.grid and task.status == "pending"
    assert VerificationTask.objects.get(name="赵六").area == world.town
    assert VerificationTask.objects.get(rows__line=7).area == world.district
    assert job.output_file  # the rejected rows report


@pytest.mark.django_db
def test_same_list_again_adds_nothing(world, office, persons, upload, run_jobs):
    data = csv_bytes(HEADERS, _rows(persons))
    lst = upload(office, data, "list.csv", area=world.district)
    run_jobs()
    counts = (ListRow.objects.count(), VerificationTask.objects.count())
    upload(office, data, "list-again.csv", area=world.district, name="第二份")
    run_jobs()
    assert VerificationTask.objects.count() == counts[1]
    assert ListRow.objects.count() == counts[0] * 2  # each list keeps its own rows
    assert CarrierList.objects.get(pk=lst.pk).rows_matched == 3
