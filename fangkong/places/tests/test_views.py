"""Area browser, area and household screens with the personas."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from fangkong.core.testing import xlsx_bytes
from fangkong.places.models import Area, Household

pytestmark = pytest.mark.django_db


def test_browser_drills_down_with_counts(login, commander, world, person_in, person_out):
    client = login(commander)
    root = client.get(reverse("places:area_browser"))
    assert root.status_code == 302  # one area of responsibility: straight into it
    district = client.get(root["Location"])
    rows = {r["area"].name: r for r in district.context["rows"]}
    assert rows["河坝镇"]["persons"] == 1 and rows["河坝镇"]["households"] == 1
    assert district.context["totals"]["persons"] == 2
    grid = client.get(reverse("places:area_detail", args=[world.grid.pk]))
    assert [h.pk for h in grid.context["page_obj"]] == [world.household.pk]
    labels = [c["label"] for c in grid.context["crumbs"]]
    assert labels[-4:] == ["大通湖区", "河坝镇", "东湖村", "东湖村一组"]


def test_breadcrumbs_in_traditional_script(login, commander, world):
    client = login(commander)
    page = client.get(
        reverse("places:area_detail", args=[world.grid.pk]), HTTP_ACCEPT_LANGUAGE="zh-hant"
    )
    html = page.content.decode()
    assert "大通湖區" in html and "河壩鎮" in html


def test_grid_worker_sees_only_own_grid(login, grid_worker, world):
    client = login(grid_worker)
    assert client.get(reverse("places:area_detail", args=[world.grid.pk])).status_code == 200
    assert client.get(reverse("places:area_detail", args=[world.grid2.pk])).status_code == 404
    listing = client.get(reverse("places:household_list")).content.decode()
    assert "东湖村一组1号" in listing and "南湾村一组1号" not in listing


def test_outsider_household_pages_404(login, outsider, world):
    client = login(outsider)
    for name in ("places:household_detail", "places:household_edit", "places:household_delete"):
        assert client.get(reverse(name, args=[world.household.pk])).status_code == 404


def test_household_create_edit_delete(login, commander, grid_worker, world):
    client = login(grid_worker)
    response = client.post(
        reverse("places:household_create"),
        {"area": world.grid.pk, "number": "002", "address": "东湖村一组2号", "head_name": "钱八"},
    )
    assert response.status_code == 302
    household = Household.objects.get(number="002", area=world.grid)
    edit = client.post(
        reverse("places:household_edit", args=[household.pk]),
        {
            "area": world.grid.pk,
            "number": "002",
            "address": "东湖村一组2号之一",
            "head_name": "钱八",
            "version": household.version,
        },
    )
    assert edit.status_code == 302
    stale = client.post(
        reverse("places:household_edit", args=[household.pk]),
        {
            "area": world.grid.pk,
            "number": "002",
            "address": "旧版本",
            "head_name": "钱八",
            "version": household.version,
        },
    )
    assert stale.status_code == 409
    household.refresh_from_db()
    assert household.address == "东湖村一组2号之一"
    # Grid workers may not delete households (they see it, so refused, not "not found").
    assert client.get(reverse("places:household_delete", args=[household.pk])).status_code == 403
    other = client.post(
        reverse("places:household_create"),
        {"area": world.other_grid.pk, "number": "009", "address": "x"},
    )
    assert other.status_code == 400 and not Household.objects.filter(number="009").exists()


def test_household_export_and_history(login, commander, world):
    client = login(commander)
    response = client.post(reverse("places:household_list"), {"export": "1"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.max_row == 3
    page = client.get(reverse("places:household_detail", args=[world.household.pk]))
    assert page.status_code == 200 and page.context["history"]


def test_area_create_scoped_parent(login, office, grid_worker, world):
    client = login(office)
    response = client.post(
        reverse("places:area_create"),
        {
            "code": "430971100201003",
            "name": "东湖村三组",
            "level": Area.Level.GRID,
            "parent": world.village.pk,
        },
    )
    assert response.status_code == 302
    assert Area.objects.get(code="430971100201003").path.startswith(world.village.path)
    assert login(grid_worker).get(reverse("places:area_create")).status_code == 403


def test_area_and_household_imports(login, office, commander, world, run_jobs):
    client = login(office)
    areas = xlsx_bytes(
        ["Code", "Name", "Level", "Parent code"],
        [
            ["430971100202", "西湖村", "村", world.town.code],
            ["430971100202001", "西湖村一组", "grid", "430971100202"],
            ["430971100202002", "坏的", "town", "430971100202"],
            ["430971100202003", "外面", "grid", "999"],
        ],
    )
    client.post(reverse("places:area_import"), {"file": SimpleUploadedFile("areas.xlsx", areas)})
    (job,) = run_jobs()
    assert job.status == "failed" and job.result["rejected"] == 2
    assert not Area.objects.filter(code="430971100202").exists()
    good = xlsx_bytes(
        ["Code", "Name", "Level", "Parent code"],
        [
            ["430971100202", "西湖村", "村", world.town.code],
            ["430971100202001", "西湖村一组", "grid", "430971100202"],
        ],
    )
    client.post(reverse("places:area_import"), {"file": SimpleUploadedFile("a.xlsx", good)})
    (job,) = run_jobs()
    assert job.status == "done", job.result
    grid = Area.objects.get(code="430971100202001")
    households = xlsx_bytes(
        ["Area", "Household number", "Address", "Head of household"],
        [[grid.code, "1", "西湖村一组1号", "孙九"], [grid.code, "2", "西湖村一组2号", ""]],
    )
    login(commander).post(
        reverse("places:household_import"), {"file": SimpleUploadedFile("h.xlsx", households)}
    )
    (job,) = run_jobs()
    assert job.status == "done", job.result
    assert Household.objects.filter(area=grid).count() == 2


def test_household_import_outside_scope_rejected(login, grid_worker, world, run_jobs):
    data = xlsx_bytes(
        ["Area", "Household number", "Address"],
        [[world.other_grid.code, "7", "外面"], [world.grid.code, "001", "重复"]],
    )
    client = login(grid_worker)
    client.post(reverse("places:household_import"), {"file": SimpleUploadedFile("h.xlsx", data)})
    (job,) = run_jobs()
    assert job.status == "failed" and job.result["rejected"] == 2
    download = client.get(reverse("core:job_download", args=[job.pk]))  # sealed at rest
    report = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    reasons = [row[-1] for row in report.iter_rows(min_row=2, values_only=True)]
    assert "不在您的管辖范围内" in reasons[0] and "在本网格中已存在" in reasons[1]
