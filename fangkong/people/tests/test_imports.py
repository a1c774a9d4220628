"""Person imports: all rows or none, every bad row reported with its reason."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from fangkong.core.testing import make_id_number, make_phone, xlsx_bytes
from fangkong.people.models import Person

pytestmark = pytest.mark.django_db

# The headers are the model fields' names (as an export writes them), in any interface language.
HEADERS = [
    "Name",
    "Resident ID number",
    "Mobile number",
    "Area",
    "Household",
    "Relation to head",
    "Current address",
    "Registered residence (hukou)",
    "Resident",
    "Tags",
]


def _upload(client, name, data, content_type="application/octet-stream"):
    return client.post(
        reverse("people:person_import"),
        {"file": SimpleUploadedFile(name, data, content_type=content_type)},
    )


def test_template_downloads(login, grid_worker):
    response = login(grid_worker).get(reverse("people:person_import"), {"template": 1})
    assert response.status_code == 200
    headers = [c.value for c in load_workbook(io.BytesIO(response.content)).active[1]]
    assert headers[0] == "姓名*" and "区域*" in headers and "身份证号" in headers


def test_good_file_imports_all_rows(login, grid_worker, world, run_jobs):
    rows = [
        ["王一", make_id_number(), make_phone(), world.grid.code, "001", "之子", "", "", "是", ""],
        ["王二", make_id_number(male=False), "", world.grid.code, "", "", "", "", "否", ""],
    ]
    response = _upload(login(grid_worker), "people.xlsx", xlsx_bytes(HEADERS, rows))
    assert response.status_code == 302 and "/jobs/" in response["Location"]
    (job,) = run_jobs()
    assert job.status == "done", job.result
    assert job.result["created"] == 2
    assert Person.objects.get(name="王一").household_id == world.household.pk
    assert Person.objects.get(name="王二").is_resident is False


def test_broken_rows_import_nothing_and_are_reported(
    login, grid_worker, world, person_in, run_jobs
):
    good = make_id_number()
    bad_checksum = good[:-1] + ("0" if good[-1] != "0" else "1")
    impossible_birth = make_id_number(birth="19800231")
    dup = make_id_number()
    rows = [
        ["好人", good, make_phone(), world.grid.code, "", "", "", "", "", ""],
        ["校验错", bad_checksum, "", world.grid.code, "", "", "", "", "", ""],
        ["生日错", impossible_birth, "", world.grid.code, "", "", "", "", "", ""],
        ["手机错", "", "1234567", world.grid.code, "", "", "", "", "", ""],
        ["无网格", "", "", "430971999999999", "", "", "", "", "", ""],
        ["外网格", "", "", world.other_grid.code, "", "", "", "", "", ""],
        ["重复甲", dup, "", world.grid.code, "", "", "", "", "", ""],
        ["重复乙", dup, "", world.grid.code, "", "", "", "", "", ""],
        ["已登记", person_in.id_number, "", world.grid.code, "", "", "", "", "", ""],
    ]
    client = login(grid_worker)
    _upload(client, "people.xlsx", xlsx_bytes(HEADERS, rows))
    (job,) = run_jobs()
    assert job.status == "failed"
    assert job.result["rejected"] == 7
    assert not Person.objects.filter(name__in=[r[0] for r in rows]).exists()
    # The report is sealed at rest and downloaded through the job page.
    download = client.get(reverse("core:job_download", args=[job.pk]))
    assert download.status_code == 200
    report = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    lines = {row[1]: row[-1] for row in report.iter_rows(min_row=2, values_only=True)}
    assert set(lines) == {"校验错", "生日错", "手机错", "无网格", "外网格", "重复乙", "已登记"}
    assert "校验位不正确" in lines["校验错"]
    assert "不是有效日期" in lines["生日错"]
    assert "应为11位" in lines["手机错"]
    assert "不存在代码为" in lines["无网格"]
    assert "不在您的管辖范围内" in lines["外网格"]
    assert "重复甲" in lines["重复乙"]  # names the earlier row
    assert "张三" in lines["已登记"]  # in the importer's own area: named (untranslated as yet)


def test_wrong_file_types_get_clear_messages(login, grid_worker):
    client = login(grid_worker)
    txt = _upload(client, "people.txt", b"name,id\n")
    assert txt.status_code == 400 and ".xlsx" in txt.content.decode()
    corrupt = _upload(client, "people.xlsx", b"PK\x03\x04 this is not a workbook")
    assert corrupt.status_code == 400 and "已损坏" in corrupt.content.decode()
    from fangkong.core.models import Job

    assert not Job.objects.exists()


def test_oversized_file_is_refused(login, grid_worker, settings):
    settings.FANGKONG_IMPORT_MAX_BYTES = 2048
    response = _upload(login(grid_worker), "people.csv", b"a" * 4096)
    assert response.status_code == 400 and "上限为" in response.content.decode()


def test_gb18030_csv_works(login, grid_worker, world, run_jobs):
    text = ",".join(HEADERS) + "\n" + f"陈七,{make_id_number()},,{world.grid.code},,,,,是,\n"
    _upload(login(grid_worker), "people.csv", text.encode("gb18030"))
    (job,) = run_jobs()
    assert job.status == "done", job.result
    assert Person.objects.filter(name="陈七").exists()


def test_outsider_import_into_other_grid_rejected(login, outsider, world, run_jobs):
    rows = [["外人", "", "", world.grid.code, "", "", "", "", "", ""]]
    _upload(login(outsider), "people.xlsx", xlsx_bytes(HEADERS, rows))
    (job,) = run_jobs()
    assert job.status == "failed" and not Person.objects.filter(name="外人").exists()
