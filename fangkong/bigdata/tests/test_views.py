import pytest
from django.urls import reverse

from fangkong.bigdata.models import CarrierList, ListRow, VerificationOutcome, VerificationTask
from fangkong.bigdata.tests.conftest import csv_bytes
from fangkong.bigdata.tests.test_import import HEADERS, _rows


@pytest.fixture
def imported(world, office, persons, upload, run_jobs):
    lst = upload(office, csv_bytes(HEADERS, _rows(persons)), "list.csv", area=world.district)
    run_jobs()
    lst.refresh_from_db()
    return lst


@pytest.mark.django_db
def test_upload_page_imports_and_shows_progress(world, office, persons, login, run_jobs):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login(office)
    data = csv_bytes(HEADERS, _rows(persons), encoding="gb18030")
    response = client.post(
        reverse("bigdata:carrierlist_create"),
        {
            "area": world.district.pk,
            "name": "电信 1月27日",
            "carrier": "telecom",
            "source": "省大数据组",
            "list_date": "2020-01-27",
            "file": SimpleUploadedFile("电信.csv", data),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    run_jobs()
    lst = CarrierList.objects.get()
    assert lst.rows_matched == 3
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b"job-progress" in page.content  # the uploader sees the import's progress bar
    assert "河坝镇" in page.content.decode()


@pytest.mark.django_db
def test_unknown_type_and_no_phone_column_refused_nothing_written(world, office, login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login(office)
    base = {
        "area": world.district.pk,
        "name": "x",
        "carrier": "mobile",
        "source": "省大数据组",
        "list_date": "2020-01-27",
    }
    png = SimpleUploadedFile("list.xlsx", b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    response = client.post(reverse("bigdata:carrierlist_create"), {**base, "file": png})
    assert response.status_code == 400
    assert "neither an Excel workbook" in response.content.decode()
    nophone = SimpleUploadedFile(
        "list.csv", csv_bytes(["姓名", "到达日期"], [["张伟", "2020-01-22"]])
    )
    response = client.post(reverse("bigdata:carrierlist_create"), {**base, "file": nophone})
    assert response.status_code == 400
    assert "column of mobile numbers" in response.content.decode()
    assert not CarrierList.objects.exists()
    from fangkong.core.jobfiles import job_dir

    assert not [p for p in job_dir().iterdir() if p.name.startswith("in-")]


@pytest.mark.django_db
def test_grid_worker_sees_own_tasks_records_outcome_registers_key_person(
    world, grid_worker, outsider, persons, imported, login
):
    from fangkong.observation.models import KeyPerson

    client = login(grid_worker)
    page = client.get(reverse("bigdata:verificationtask_list") + "?state=pending")
    assert page.status_code == 200
    text = page.content.decode()
    assert "张伟" in text and "陈静" not in text
    assert persons["张伟"].phone not in text  # masked
    task = VerificationTask.objects.get(person=persons["张伟"])
    assert client.get(reverse("bigdata:verificationtask_detail", args=[task.pk])).status_code == 200
    response = client.post(
        reverse("bigdata:verificationtask_outcome", args=[task.pk]), {"outcome": "present"}
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == "verified" and task.outcome == "present"
    kp = KeyPerson.objects.get(person=persons["张伟"])
    assert kp.category.code == "wuhan" and kp.source == "bigdata"
    assert task.key_person == kp
    # The outsider (another town's grid worker): 404, nothing written.
    other = login(outsider)
    assert other.get(reverse("bigdata:verificationtask_detail", args=[task.pk])).status_code == 404
    response = other.post(
        reverse("bigdata:verificationtask_outcome", args=[task.pk]), {"outcome": "left"}
    )
    assert response.status_code == 404
    assert VerificationOutcome.objects.count() == 1
    # Grid workers never see whole lists.
    assert client.get(reverse("bigdata:carrierlist_list")).status_code == 403


@pytest.mark.django_db
def test_ambiguous_row_resolved_by_hand(world, office, persons, imported, login):
    client = login(office)
    row = ListRow.objects.get(status="ambiguous")
    page = client.get(reverse("bigdata:listrow_detail", args=[row.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "王芳" in text and "王强" in text
    assert persons["王芳"].id_number not in text  # candidates are shown masked
    response = client.post(
        reverse("bigdata:listrow_resolve", args=[row.pk]), {"person": persons["王芳"].pk}
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == "resolved" and row.person == persons["王芳"]
    assert row.task.area == world.grid
    lst = CarrierList.objects.get()
    assert lst.rows_ambiguous == 0 and lst.rows_matched == 4


@pytest.mark.django_db
def test_pool_lead_assigned_by_office(world, office, town_officer_other, imported, login):
    task = VerificationTask.objects.get(area=world.district)
    client = login(office)
    response = client.post(
        reverse("bigdata:verificationtask_assign", args=[task.pk]),
        {"area": world.grid2.pk, "version": task.version},
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.area == world.grid2
    # A town officer of the other town cannot reach it (404) nor assign it.
    other = login(town_officer_other)
    response = other.post(
        reverse("bigdata:verificationtask_assign", args=[task.pk]),
        {"area": world.other_grid.pk, "version": task.version},
    )
    assert response.status_code == 404
    task.refresh_from_db()
    assert task.area == world.grid2


@pytest.fixture
def town_officer_other(world):
    from fangkong.core.testing import make_user

    return make_user("town2", "town_officer", world.other_town)


@pytest.mark.django_db
def test_list_progress_page_by_town(world, office, imported, login):
    page = login(office).get(reverse("bigdata:carrierlist_detail", args=[imported.pk]))
    text = page.content.decode()
    assert "河坝镇" in text and "District pool (to assign)" in text


@pytest.mark.django_db
def test_exports_are_masked(world, office, persons, imported, login):
    import io

    from openpyxl import load_workbook

    client = login(office)
    for name in ("bigdata:verificationtask_list", "bigdata:listrow_list"):
        response = client.post(reverse(name), {"export": "1", "reason": ""})
        assert response.status_code == 200, name
        body = b"".join(response.streaming_content) if response.streaming else response.content
        sheet = load_workbook(io.BytesIO(body)).worksheets[0]
        cells = " ".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row)
        assert persons["张伟"].phone not in cells and "****" in cells
